from django.urls import path

from lanqing.public import staff

app_name = "reports"
urlpatterns = [
    path("", staff.report_list, name="list"),
    path("<int:report_id>/", staff.report_detail, name="detail"),
    path("<int:report_id>/accept/", staff.accept, name="accept"),
    path("<int:report_id>/refuse/", staff.refuse, name="refuse"),
    path("<int:report_id>/reply/", staff.reply, name="reply"),
    path("<int:report_id>/moderate/", staff.moderate, name="moderate"),
]
