"""The URLconf of `lanqing web --public`: the public pages only, so a county can put them on the internet while
the staff site stays on the government network (both on one database)."""

from django.urls import include, path
from django.views.generic import RedirectView

from lanqing.web import views as web_views

# The staff site's error views; on this site their layout's links are missing, so they answer in plain text.
handler403 = "lanqing.web.errors.forbidden"
handler404 = "lanqing.web.errors.not_found"
handler500 = "lanqing.web.errors.server_error"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="public:home", permanent=False)),
    path("favicon.ico", web_views.favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("public/", include("lanqing.public.urls")),
    path("open311/v2/", include("lanqing.public.open311_urls")),
]
