from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static

from lanqing.alerts.models import AlertStatus
from lanqing.alerts.services import alerts_visible_to
from lanqing.cases.models import OPEN_STATES
from lanqing.cases.selectors import cases_visible_to
from lanqing.monitoring.selectors import sites_visible_to
from lanqing.org import access
from lanqing.org.requests import SignedInRequest


@login_required
def home(request: SignedInRequest) -> HttpResponse:
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


def favicon(request: HttpRequest) -> HttpResponse:
    # Pages without our layout (the admin, the API docs) make browsers ask for /favicon.ico; a county network
    # without internet must not show a failed request for it.
    return HttpResponsePermanentRedirect(static("lanqing/favicon.svg"))
