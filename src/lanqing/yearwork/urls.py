from django.urls import path

from lanqing.yearwork import views

app_name = "yearwork"

urlpatterns = [
    path("", views.task_list, name="tasks"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan"),
    path("plans/<int:plan_id>/import/", views.plan_import, name="plan_import"),
    path("tasks/<int:task_id>/", views.task_detail, name="task"),
    path("tasks/<int:task_id>/report/", views.task_report, name="task_report"),
    path("files/<int:file_id>/", views.report_file, name="report_file"),
]
