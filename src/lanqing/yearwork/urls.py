from django.urls import path

from lanqing.yearwork import heating_views, letter_views, project_views, scorecard_views, soil_views, views

app_name = "yearwork"

urlpatterns = [
    path("", views.task_list, name="tasks"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan"),
    path("plans/<int:plan_id>/import/", views.plan_import, name="plan_import"),
    path("imports/<int:run_id>/", views.import_detail, name="import"),
    path("tasks/<int:task_id>/", views.task_detail, name="task"),
    path("tasks/<int:task_id>/report/", views.task_report, name="task_report"),
    path("files/<int:file_id>/", views.report_file, name="report_file"),
    path("letters/", letter_views.letter_list, name="letters"),
    path("letters/import/", letter_views.letters_import, name="letters_import"),
    path("letters/<int:letter_id>/", letter_views.letter_detail, name="letter"),
    path("letters/<int:letter_id>/targets/", letter_views.letter_target, name="letter_target"),
    path("letters/<int:letter_id>/compute/", letter_views.letter_recompute, name="letter_compute"),
    path("letters/<int:letter_id>/file/", letter_views.letter_file, name="letter_file"),
    path("heating/", heating_views.household_list, name="households"),
    path("heating/import/", heating_views.households_import, name="households_import"),
    path("heating/progress/", heating_views.heating_progress, name="heating_progress"),
    path("heating/villages/", heating_views.village_heating, name="village_heating"),
    path("heating/<int:household_id>/", heating_views.household_detail, name="household"),
    path("heating/<int:household_id>/visits/", heating_views.household_visit, name="household_visit"),
    path("heating/visits/<int:visit_id>/photo/", heating_views.visit_photo, name="visit_photo"),
]

urlpatterns += [
    path("scorecards/", scorecard_views.scorecard_page, name="scorecard"),
    path("scorecards/townships/<int:township_id>/", scorecard_views.scorecard_township, name="scorecard_township"),
    path("scorecards/units/<int:unit_id>/", scorecard_views.scorecard_unit, name="scorecard_unit"),
]

urlpatterns += [
    path("projects/", project_views.project_list, name="projects"),
    path("projects/import/", project_views.projects_import, name="projects_import"),
    path("projects/<int:project_id>/", project_views.project_detail, name="project"),
    path("projects/<int:project_id>/funds/", project_views.project_fund, name="project_fund"),
    path("projects/<int:project_id>/report/", project_views.project_report, name="project_report"),
    path("projects/reports/<int:project_report_id>/photo/", project_views.project_photo, name="project_photo"),
]

urlpatterns += [
    path("soil/", soil_views.soil_register, name="soil"),
    path("soil/import/", soil_views.soil_import, name="soil_import"),
    path("soil/units/<int:soil_unit_id>/", soil_views.soil_unit, name="soil_unit"),
    path("soil/units/<int:soil_unit_id>/reports/", soil_views.soil_unit_report, name="soil_unit_report"),
    path("soil/reports/<int:soil_report_id>/", soil_views.soil_report_file, name="soil_report_file"),
    path("soil/plots/<int:plot_id>/stage/", soil_views.plot_stage, name="plot_stage"),
]
