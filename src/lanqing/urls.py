from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from lanqing.api.views import api
from lanqing.web import views as web_views

admin.site.site_header = admin.site.site_title = "lanqing"

urlpatterns = [
    path("", web_views.home, name="home"),
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
    path("org/", include("lanqing.org.urls")),
    path("monitoring/", include("lanqing.monitoring.urls")),
    path("registry/", include("lanqing.registry.urls")),
    path("cases/", include("lanqing.cases.urls")),
    path("alerts/", include("lanqing.alerts.urls")),
    path("notifications/", include("lanqing.notifications.urls")),
    path("reports/", include("lanqing.public.staff_urls")),
    path("public/", include("lanqing.public.urls")),
    path("open311/v2/", include("lanqing.public.open311_urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
