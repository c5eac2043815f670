from django.urls import path

from lanqing.public import views

app_name = "public"
urlpatterns = [
    path("", views.home, name="home"),
    path("report/", views.report, name="report"),
    path("track/", views.lookup, name="lookup"),
    path("track/<str:code>/", views.track, name="track"),
    path("track/<str:code>/rate/", views.rate, name="rate"),
    path("track/<str:code>/reopen/", views.reopen, name="reopen"),
    path("quality/", views.quality_page, name="quality"),
    path("map/county.json", views.county_map, name="county_map"),
]
