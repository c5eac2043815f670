from __future__ import annotations

from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static


def favicon(request):
    # Pages without our layout (the admin, the API docs) make browsers ask for /favicon.ico; a county network
    # without internet must not show a failed request for it.
    return HttpResponsePermanentRedirect(static("lanqing/favicon.svg"))
