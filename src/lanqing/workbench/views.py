from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from lanqing.monitoring.models import SiteKind
from lanqing.monitoring.quality import month_add
from lanqing.monitoring.selectors import sites_visible_to
from lanqing.org import access
from lanqing.org.models import Enterprise
from lanqing.org.requests import SignedInRequest
from lanqing.ui.tables import paginate, wants_export, xlsx_response
from lanqing.workbench.air import POLLUTANTS, air_analysis, air_chart_data
from lanqing.workbench.figures import workbench_for
from lanqing.workbench.overview import map_points, overview_for
from lanqing.workbench.rankings import ranking_context
from lanqing.workbench.water import (
    MONTHS,
    page_source_lines,
    section_histories,
    source_lines,
    sources_in_scope,
)


@login_required
def home(request: SignedInRequest) -> HttpResponse:
    """The first page after login: the figures and lists of the user's own work (工作台)."""
    context = workbench_for(request.user)
    context.update(ranking_context(request.user))
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


@login_required
def water(request: SignedInRequest) -> HttpResponse:
    """Sections' monthly class against target; sources' exceedances and data validity in a month."""
    access.require(request.user, "overview.view")
    today = timezone.localdate()
    this_month = today.replace(day=1)
    month, error = this_month, ""
    if request.GET.get("month"):
        try:
            month = date.fromisoformat(request.GET["month"] + "-01")
        except ValueError:
            error = _("The month must be written as %(example)s.") % {"example": this_month.strftime("%Y-%m")}
        else:
            if not date(FIRST_YEAR, 1, 1) <= month <= this_month:
                error = _("There is no data for %(month)s: choose a month up to %(last)s.") % {
                    "month": request.GET["month"], "last": this_month.strftime("%Y-%m")}
        if error:
            month = this_month
    enterprises = sources_in_scope(request.user)
    if wants_export(request):
        return xlsx_response(
            filename=_("sources"),
            headers=[_("Enterprise"), _("Industry"), _("Outlets"), _("Values above the limit"),
                     _("Worst multiple over the limit"), _("Transmission validity (per cent)")],
            rows=([line.enterprise.name, line.enterprise.industry.name if line.enterprise.industry_id else "",
                   line.outlets, line.exceedance_count, line.worst_multiple, line.validity]
                  for chunk in _chunks(enterprises) for line in source_lines(request.user, chunk, month=month)))
    page = paginate(request, enterprises)
    return render(request, "workbench/water.html", {
        "month": month, "error": error, "sections": section_histories(request.user, last_month=month),
        "month_labels": [month_add(month, index - MONTHS + 1) for index in range(MONTHS)],
        "page": page, "sources": page_source_lines(request.user, list(page.object_list), month=month),
    }, status=400 if error else 200)


def _chunks(enterprises: QuerySet[Enterprise], size: int = 500) -> Iterator[list[Enterprise]]:
    """The enterprises a few hundred at a time, so an export's queries stay bounded."""
    chunk: list[Enterprise] = []
    for enterprise in enterprises.iterator():
        chunk.append(enterprise)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
