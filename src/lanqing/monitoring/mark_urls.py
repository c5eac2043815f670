from django.urls import path

from lanqing.monitoring import mark_views

app_name = "marks"
urlpatterns = [
    path("", mark_views.mark_list, name="list"),
    path("new/", mark_views.mark_new, name="new"),
    path("<int:mark_id>/", mark_views.mark_detail, name="detail"),
    path("<int:mark_id>/document/", mark_views.mark_document, name="document"),
    path("<int:mark_id>/document/file", mark_views.mark_document_file, name="document_file"),
    path("<int:mark_id>/document/replace/", mark_views.mark_document_replace, name="document_replace"),
    path("<int:mark_id>/history/<int:mark_event_id>/document", mark_views.mark_replaced_file, name="replaced_file"),
    path("<int:mark_id>/revoke/", mark_views.mark_revoke, name="revoke"),
]
