from __future__ import annotations

import sys

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext

from lanqing.alerts.models import AlertStatus
from lanqing.alerts.services import alerts_visible_to
from lanqing.cases.models import OPEN_STATES
from lanqing.cases.selectors import cases_visible_to
from lanqing.locked import is_locked
from lanqing.monitoring.selectors import sites_visible_to
from lanqing.org import access


@login_required
def home(request):
    user = request.user
    sites = sites_visible_to(user)
    context = {
        "role": access.role_of(user),
        "membership": access.membership_of(user),
        "root": access.root_jurisdiction(user),
        "enterprise_count": access.enterprises_visible_to(user).count(),
        "site_counts": {row["kind"]: row["n"] for row in sites.values("kind").annotate(n=Count("id"))},
        "sites": sites.order_by("kind", "code")[:12],
        "open_cases": cases_visible_to(user).filter(state__in=OPEN_STATES).count(),
        "active_alerts": alerts_visible_to(user).filter(status=AlertStatus.ACTIVE).count(),
    }
    return render(request, "web/home.html", context)


def favicon(request):
    # Pages without our layout (the admin, the API docs) make browsers ask for /favicon.ico; a county network
    # without internet must not show a failed request for it.
    return HttpResponsePermanentRedirect(static("lanqing/favicon.svg"))


# Seconds after which a client told "busy" may try again.
BUSY_RETRY_AFTER = 10


def server_error(request):
    """Django's page for an error, except for a database another process kept locked past the wait: that is
    no fault of the request, so it is answered 503 with Retry-After and a sentence saying to try again."""
    from django.views.defaults import server_error as django_server_error

    error = sys.exc_info()[1]
    if error is not None and is_locked(error):
        response = HttpResponse(gettext("The database is busy with another task. Please try again in a moment."),
                                status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(BUSY_RETRY_AFTER)
        return response
    return django_server_error(request)
