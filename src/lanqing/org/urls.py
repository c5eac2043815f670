from django.urls import path

from lanqing.org import views

app_name = "org"
urlpatterns = [
    path("jurisdictions/", views.jurisdiction_tree, name="jurisdictions"),
    path("enterprises/", views.enterprise_list, name="enterprises"),
    path("enterprises/<int:enterprise_id>/", views.enterprise_profile, name="enterprise"),
]
