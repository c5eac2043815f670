from django.urls import path

from lanqing.winter import views

app_name = "winter"
urlpatterns = [
    path("lists/", views.lists_page, name="lists"),
    path("lists/new", views.list_new, name="list_new"),
    path("lists/template.xlsx", views.list_template, name="list_template"),
    path("lists/<int:list_id>/", views.list_detail, name="list"),
    path("lists/<int:list_id>/entries/new", views.entry_new, name="entry_new"),
    path("entries/<int:entry_id>/", views.entry_edit, name="entry"),
    path("entries/<int:entry_id>/delete", views.entry_remove, name="entry_delete"),
    path("stops/", views.stops_page, name="stops"),
    path("stops/<int:stop_id>/delete", views.stop_delete, name="stop_delete"),
    path("warnings/", views.warnings_page, name="warnings"),
    path("warnings/issue", views.warning_new, name="warning_issue"),
    path("warnings/triggers", views.trigger_helper, name="triggers"),
    path("warnings/<int:warning_id>/", views.warning_detail, name="warning"),
    path("warnings/<int:warning_id>/change", views.warning_change, name="warning_change"),
    path("warnings/<int:warning_id>/lift", views.warning_end, name="warning_lift"),
    path("warnings/<int:warning_id>/dispatch", views.warning_dispatch, name="dispatch"),
    path("warnings/<int:warning_id>/checks", views.check_record, name="check_record"),
    path("checks/photos/<int:photo_id>", views.check_photo, name="check_photo"),
    path("notices/<int:notice_id>/acknowledge", views.notice_ack, name="notice_acknowledge"),
    path("notices/<int:notice_id>/compliance", views.notice_compliance, name="compliance"),
]
