from django.urls import path

from lanqing.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.registry_page, name="page"),
    path("template.xlsx", views.registry_template_download, name="template"),
    path("export.xlsx", views.registry_export_download, name="export"),
    path("devices/<int:device_id>/password", views.device_password, name="device_password"),
]
