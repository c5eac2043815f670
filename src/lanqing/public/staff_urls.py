from django.urls import path

from lanqing.public import staff

app_name = "complaints"
urlpatterns = [
    path("", staff.report_list, name="list"),
    path("<int:complaint_id>/", staff.report_detail, name="detail"),
    path("<int:complaint_id>/accept/", staff.accept, name="accept"),
    path("<int:complaint_id>/refuse/", staff.refuse, name="refuse"),
    path("<int:complaint_id>/reply/", staff.reply, name="reply"),
    path("<int:complaint_id>/moderate/", staff.moderate, name="moderate"),
]
