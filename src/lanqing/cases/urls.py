from django.urls import path

from lanqing.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("new/", views.case_new, name="new"),
    path("queue/", views.queue, name="queue"),
    path("matrix/", views.matrix_page, name="matrix"),
    path("matrix/<int:row_id>/", views.matrix_page, name="matrix_row"),
    path("accountability/", views.accountability, name="accountability"),
    path("<int:case_id>/", views.detail, name="detail"),
    path("<int:case_id>/act/<str:action>/", views.act, name="act"),
    path("evidence/<int:evidence_id>/", views.evidence_file, name="evidence"),
]
