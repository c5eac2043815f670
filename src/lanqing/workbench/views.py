from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from lanqing.monitoring.models import SiteKind
from lanqing.monitoring.selectors import sites_visible_to
from lanqing.org import access
from lanqing.org.requests import SignedInRequest
from lanqing.workbench.air import POLLUTANTS, air_analysis, air_chart_data
from lanqing.workbench.figures import workbench_for
from lanqing.workbench.overview import map_points, overview_for


@login_required
def home(request: SignedInRequest) -> HttpResponse:
    """The first page after login: the figures and lists of the user's own work (工作台)."""
    context = workbench_for(request.user)
    context.update(membership=access.membership_of(request.user), root=access.root_jurisdiction(request.user))
    return render(request, "workbench/home.html", context)


@login_required
def overview(request: SignedInRequest) -> HttpResponse:
    """The county on one page: map, today's AQI, the year so far against last year, water, devices, cases."""
    access.require(request.user, "overview.view")
    return render(request, "workbench/overview.html", {"overview": overview_for(request.user)})


@login_required
def overview_map(request: SignedInRequest) -> HttpResponse:
    access.require(request.user, "overview.view")
    return JsonResponse(map_points(request.user))


# Years the analysis offers: HJ 633 data start in 2013 (the engine refuses older data).
FIRST_YEAR = 2013


@login_required
def air(request: SignedInRequest) -> HttpResponse:
    """Air analysis of the user's stations (or one of them): calendar, trends, polluted days, ranking."""
    access.require(request.user, "overview.view")
    today = timezone.localdate()
    stations = list(sites_visible_to(request.user).filter(kind=SiteKind.AIR, is_active=True).order_by("code"))
    error = ""
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year, error = today.year, _("The year must be a number such as %(year)s.") % {"year": today.year}
    if not FIRST_YEAR <= year <= today.year:
        error = _("There is no data for %(year)s: choose a year from %(first)s to %(last)s.") % {
            "year": year, "first": FIRST_YEAR, "last": today.year}
        year = today.year
    chosen = None
    if request.GET.get("site"):
        chosen = access.get_visible(request.user, sites_visible_to(request.user).filter(kind=SiteKind.AIR),
                                    id=_int_or_none(request.GET["site"]))
    analysis = air_analysis([chosen] if chosen else stations, year=year, today=today)
    return render(request, "workbench/air.html", {
        "analysis": analysis, "stations": stations, "chosen": chosen, "error": error,
        "years": range(today.year, FIRST_YEAR - 1, -1), "chart": air_chart_data(analysis), "pollutants": POLLUTANTS,
    }, status=400 if error else 200)


def _int_or_none(text: str) -> int | None:
    return int(text) if text.isdigit() else None
