from django.urls import path

from lanqing.org import views

app_name = "org"
# The enterprise page (org:enterprise) shows outlets and devices: its view is monitoring's, added to this namespace
# by lanqing/urls.py, since org sits below monitoring (docs/architecture.md).
urlpatterns = [
    path("jurisdictions/", views.jurisdiction_tree, name="jurisdictions"),
    path("enterprises/", views.enterprise_list, name="enterprises"),
]
