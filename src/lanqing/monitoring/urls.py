from django.urls import path

from lanqing.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("sites/", views.site_list, name="sites"),
    path("sites/<int:site_id>/", views.site_page, name="site"),
    path("sites/<int:site_id>/series.json", views.site_series, name="site_series"),
    path("imports/", views.import_list, name="imports"),
    path("imports/template.csv", views.import_template, name="import_template"),
    path("imports/<int:import_id>/", views.import_detail, name="import"),
]
