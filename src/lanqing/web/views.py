from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.utils.translation import gettext
from django.views.defaults import server_error as django_server_error

from lanqing.locked import is_locked


def favicon(request: HttpRequest) -> HttpResponse:
    # Pages without our layout (the admin, the API docs) make browsers ask for /favicon.ico; a county network
    # without internet must not show a failed request for it.
    return HttpResponsePermanentRedirect(static("lanqing/favicon.svg"))


# Seconds after which a client told "busy" may try again.
BUSY_RETRY_AFTER = 10


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's page for an error, except for a database another process kept locked past the wait: that is
    no fault of the request, so it is answered 503 with Retry-After and a sentence saying to try again."""
    error = sys.exc_info()[1]
    if error is not None and is_locked(error):
        response = HttpResponse(gettext("The database is busy with another task. Please try again in a moment."),
                                status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(BUSY_RETRY_AFTER)
        return response
    return django_server_error(request)
