from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from lanqing.api.views import api
from lanqing.org.urls import urlpatterns as org_urlpatterns
from lanqing.web import views as web_views
from lanqing.workbench import portal_views
from lanqing.workbench import views as workbench_views

admin.site.site_header = admin.site.site_title = "lanqing"

# The enterprise's file (一企一档) and portal show its outlets, data, alerts and cases, so their views belong to the
# workbench, above all of those; their addresses and names are those of the org pages, where links point.
org_pages = [
    *org_urlpatterns,
    path("enterprises/<int:enterprise_id>/", portal_views.enterprise_page, name="enterprise"),
    path("enterprises/<int:enterprise_id>/data/", portal_views.enterprise_data, name="enterprise_data"),
    path("enterprises/<int:enterprise_id>/lab/", portal_views.enterprise_lab, name="enterprise_lab"),
    path("enterprises/<int:enterprise_id>/lab/upload/", portal_views.enterprise_lab_upload,
         name="enterprise_lab_upload"),
    path("enterprises/<int:enterprise_id>/lab/template.csv", portal_views.enterprise_lab_template,
         name="enterprise_lab_template"),
    path("enterprises/<int:enterprise_id>/permits/new/", portal_views.enterprise_permit_new,
         name="enterprise_permit_new"),
    path("enterprises/<int:enterprise_id>/permits/<int:permit_id>/edit/", portal_views.enterprise_permit_edit,
         name="enterprise_permit_edit"),
    path("enterprises/<int:enterprise_id>/permits/<int:permit_id>/delete/", portal_views.enterprise_permit_delete,
         name="enterprise_permit_delete"),
]
handler403 = "lanqing.web.errors.forbidden"
handler404 = "lanqing.web.errors.not_found"
handler500 = "lanqing.web.errors.server_error"

urlpatterns = [
    path("", workbench_views.home, name="home"),
    path("favicon.ico", web_views.favicon, name="favicon"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Our own templates by name: the admin app ships registration/password_change_*.html, which would win.
    path("account/password/", auth_views.PasswordChangeView.as_view(template_name="web/password_change_form.html"),
         name="password_change"),
    path("account/password/done/",
         auth_views.PasswordChangeDoneView.as_view(template_name="web/password_change_done.html"),
         name="password_change_done"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("overview/", include("lanqing.workbench.urls")),
    path("reports/", include("lanqing.reports.urls")),
    path("org/", include((org_pages, "org"))),
    path("monitoring/", include("lanqing.monitoring.urls")),
    path("marks/", include("lanqing.monitoring.mark_urls")),
    path("registry/", include("lanqing.registry.urls")),
    path("cases/", include("lanqing.cases.urls")),
    path("alerts/", include("lanqing.alerts.urls")),
    path("notifications/", include("lanqing.notifications.urls")),
    path("audit/", include("lanqing.audit.urls")),
    path("complaints/", include("lanqing.public.staff_urls")),
    path("public/", include("lanqing.public.urls")),
    path("open311/v2/", include("lanqing.public.open311_urls")),
    path("winter/", include("lanqing.winter.urls")),
    path("yearwork/", include("lanqing.yearwork.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

# A database locked by another writer past the wait answers 503 (try again), not 500.
