from django.urls import path

from lanqing.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.archive, name="archive"),
    path("request/", views.request_report, name="request"),
    path("episode/<int:warning_id>/", views.request_episode, name="episode"),
    path("<int:report_id>/row/", views.status, name="row"),
    path("<int:report_id>.pdf", views.download, {"file_kind": "pdf"}, name="pdf"),
    path("<int:report_id>.xlsx", views.download, {"file_kind": "xlsx"}, name="xlsx"),
]
