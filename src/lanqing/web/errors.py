"""Error pages in the site's layout and the reader's language, each with a way back."""

from __future__ import annotations

import logging
import sys

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.urls import NoReverseMatch
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, gettext_noop

from lanqing.locked import is_locked

log = logging.getLogger(__name__)


def _back_url(request: HttpRequest) -> str:
    """The page the user came from, if it is one of ours and not the page that failed."""
    referer = request.headers.get("Referer", "")
    if not referer or referer == request.build_absolute_uri():
        return ""
    if not url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        return ""
    return referer


# What the error pages say where the staff layout cannot be drawn (the public site has none of its pages).
PLAIN = {404: gettext_noop("The page was not found."), 403: gettext_noop("You may not open this page."),
         500: gettext_noop("Something went wrong.")}


def _render(request: HttpRequest, template_name: str, status: int) -> HttpResponse:
    try:
        body = loader.render_to_string(template_name, {"back_url": _back_url(request)}, request)
    except NoReverseMatch:
        # `lanqing web --public` serves the public pages only: the staff layout's links do not exist there.
        return HttpResponse(gettext(PLAIN.get(status, PLAIN[500])), status=status,
                            content_type="text/plain; charset=utf-8")
    return HttpResponse(body, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, "404.html", 404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, "403.html", 403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    # The reason is Django's English wording for developers; the user gets ours, the log keeps Django's.
    log.warning("CSRF failure on %s: %s", request.path, reason)
    response = _render(request, "403_csrf.html", 403)
    if response["Content-Type"].startswith("text/plain"):
        response.content = gettext("The form has expired. Go back, reload the page and send it again.").encode()
    return response


# Seconds after which a client told "busy" may try again.
BUSY_RETRY_AFTER = 10


def server_error(request: HttpRequest) -> HttpResponse:
    """The site's error page, except for a database another process kept locked past the wait: that is no
    fault of the request, so it is answered 503 with Retry-After and a sentence saying to try again."""
    error = sys.exc_info()[1]
    if error is not None and is_locked(error):
        response = HttpResponse(gettext("The database is busy with another task. Please try again in a moment."),
                                status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(BUSY_RETRY_AFTER)
        return response
    try:
        return _render(request, "500.html", 500)
    except Exception:
        # The failure may be the database itself, which the menu needs: the page then shows without the menu.
        log.exception("The error page could not be drawn with the user's menu")
        return HttpResponse(loader.render_to_string("500.html", {}), status=500)
