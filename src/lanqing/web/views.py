from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static


def favicon(request: HttpRequest) -> HttpResponse:
    # Pages without our layout (the admin, the API docs) make browsers ask for /favicon.ico; a county network
    # without internet must not show a failed request for it.
    return HttpResponsePermanentRedirect(static("lanqing/favicon.svg"))
