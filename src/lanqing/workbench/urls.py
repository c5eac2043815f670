from django.urls import path

from lanqing.workbench import views

app_name = "workbench"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("map.json", views.overview_map, name="overview_map"),
    path("air/", views.air, name="air"),
    path("water/", views.water, name="water"),
]
