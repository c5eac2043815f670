from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db.models import Count, Max, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET

from lanqing.monitoring import limits, marks, quality
from lanqing.monitoring.imports import COLUMNS, describe_error
from lanqing.monitoring.models import (
    Factor,
    ImportStatus,
    Measurement,
    MeasurementImport,
    MeasurementRevision,
    Period,
    Site,
    SiteKind,
)
from lanqing.monitoring.selectors import (
    devices_visible_to,
    latest_values,
    month_transmission_for_user,
    series_for_user,
    site_for_user,
    sites_visible_to,
)
from lanqing.monitoring.services import measurement_import_submit
from lanqing.monitoring.transmission import rates_by_device
from lanqing.org import access
from lanqing.org.requests import SignedInRequest
from lanqing.standards import factor_codes
from lanqing.ui.tables import paginate, wants_export, xlsx_response
from lanqing.ui.uploads import upload_refusal

MAX_CHART_POINTS = 20_000
RANGE_DAYS = {"1": 1, "7": 7, "30": 30, "90": 90, "365": 365}
# Revised values listed on a site's page (newest first; the API lists them all, a page at a time).
REVISIONS_SHOWN = 20
# Values listed under an outlet's chart, newest first: about two days of hourly values.
VALUES_SHOWN = 48


@login_required
def site_list(request: SignedInRequest) -> HttpResponse:
    access.require(request.user, "site.view")
    sites = sites_visible_to(request.user).annotate(device_count=Count("points__devices")).order_by("kind", "code")
    kind = request.GET.get("kind", "")
    if kind in SiteKind.values:
        sites = sites.filter(kind=kind)
    query = request.GET.get("q", "").strip()
    if query:
        sites = sites.filter(Q(name__icontains=query) | Q(code__icontains=query))
    if wants_export(request):
        return xlsx_response(
            filename=_("monitoring-sites"),
            headers=[_("Site code"), _("Name"), _("Kind"), _("Jurisdiction"), _("Enterprise"), _("Longitude"),
                     _("Latitude"), _("Target water class"),
                     pgettext("export column: the catalogue key of the limit set", "Emission limit set"),
                     _("Emission standard"),
                     pgettext("export column: number of devices", "Devices")],
            rows=([s.code, s.name, s.get_kind_display(), s.jurisdiction.name,
                   s.enterprise.name if s.enterprise else "", s.longitude, s.latitude,
                   s.get_target_class_display() if s.target_class else "", s.limit_set,
                   standard.name if (standard := limits.standard_label(s)) else "", s.device_count]
                  for s in sites))
    page = paginate(request, sites.annotate(
        devices_online=Count("points__devices", filter=Q(points__devices__is_online=True)),
        last_seen=Max("points__devices__last_seen_at")))
    page.object_list = list(page.object_list)
    latest = latest_values(page.object_list)
    return render(request, "monitoring/site_list.html", {
        "page": page, "rows": [(site, latest.get(site.id)) for site in page.object_list], "kind": kind, "kinds": SiteKind.choices, "query": query,
        "filtered": bool(kind or query),
    })


def _local(value: datetime) -> datetime:
    return timezone.localtime(value, zoneinfo.ZoneInfo(settings.TIME_ZONE))


@login_required
def site_page(request: SignedInRequest, site_id: int) -> HttpResponse:
    site = site_for_user(request.user, site_id)
    factor_ids = (Measurement.objects.filter(point__site=site).values_list("factor_id", flat=True)
                  .distinct())
    factors = list(Factor.objects.filter(id__in=factor_ids))
    period = request.GET.get("period", Period.HOUR)
    if period not in Period.values:
        period = Period.HOUR
    factor = next((f for f in factors if f.code == request.GET.get("factor")), None) or limits.opening_factor(
        site, factors)
    days = RANGE_DAYS.get(request.GET.get("days", "7"), 7)
    # A site can carry thousands of devices: one page of them, and the transmission statistics of that page only.
    device_page = paginate(request, devices_visible_to(request.user).filter(point__site=site).order_by("mn"))
    month = timezone.localdate()  # the month of the national transmission-validity assessment, local time
    rates = rates_by_device(month_transmission_for_user(request.user, site=site, month=month)
                            .filter(device_id__in=[device.id for device in device_page]))
    quality_context = _quality(site, days)
    # Values devices sent for stored hours or days: the newest few here, all of them in the API.
    revisions = access.visible(request.user, MeasurementRevision.objects.filter(point__site=site))
    return render(request, "monitoring/site_page.html", {
        **quality_context,
        "revisions": revisions.select_related("point", "factor").order_by("-received_at", "-id")[:REVISIONS_SHOWN],
        "revisions_count": revisions.count(),
        "site": site, "factors": factors, "factor": factor, "period": period, "periods": Period.choices,
        "days": days, "ranges": RANGE_DAYS.keys(), "month": month,
        "devices": [(device, *rates.get(device.id, (None, []))) for device in device_page], "page": device_page,
        "unit": factor.unit_at(site.kind) if factor else "", "standard": limits.standard_label(site),
        **(_marked_values(request.user, site, factor, period, days) if factor and site.kind == SiteKind.OUTLET
           else {}),
    })


def _window(site: Site, factor: Factor, period: str, days: int) -> tuple[datetime, datetime] | None:
    """The [start, end) the chart shows: the last `days` days up to the factor's newest value."""
    newest = Measurement.objects.filter(point__site=site, factor=factor, period=period).aggregate(
        t=Max("time"))["t"]
    if newest is None:
        return None
    end = newest + timedelta(seconds=1)
    return end - timedelta(days=days), end


def _marked_values(user: User, site: Site, factor: Factor, period: str, days: int) -> dict:
    """An outlet's newest values, each with the valid mark it stands under, and the marks' spans for the chart."""
    window = _window(site, factor, period, days)
    if window is None:
        return {}
    start, end = window
    spans = marks.marks_over(site=site, period=period, start=start, end=end)
    newest = series_for_user(user, site=site, factor_id=factor.id, period=period, start=start, end=end).order_by(
        "-time", "point_id").values_list("point_id", "time", "value", "flag")[:VALUES_SHOWN]
    viewable = {mark.id for mark in spans if access.may(user, "mark.view", mark)}
    return {
        "values": [(time, value, flag, marks.mark_covering(spans, point_id=point_id, period=period, time=time))
                   for point_id, time, value, flag in newest],
        "viewable_marks": viewable, "may_view_marks": access.may(user, "mark.view"),
        "chart_marks": [{"from": f"{marks.shaded_from(mark, period=period):%Y-%m-%d %H:%M}",
                         "to": f"{_local(mark.ends_at):%Y-%m-%d %H:%M}", "label": mark.get_kind_display(),
                         "device": mark.device.mn if mark.device else ""} for mark in spans],
    }


def _quality(site: Site, days: int) -> dict:
    """AQI (air stations) or water class (water sections) for the page, from the standards engine."""
    last_hour = quality.newest_hour(site)
    if last_hour is None or site.kind == SiteKind.OUTLET:
        return {}
    last_day = _local(last_hour).date()
    if site.kind == SiteKind.AIR:
        daily = quality.daily_aqi(site, last_day=last_day, days=min(days, 90))
        return {"hourly_aqi": quality.hourly_aqi(site, last_hour=last_hour), "daily_aqi": daily[::-1],
                "daily_aqi_chart": [[str(row.label), row.aqi, row.colour] for row in daily]}
    return {"water_days": quality.daily_water_class(site, last_day=last_day, days=min(days, 90))[::-1],
            "today": timezone.localdate()}


@login_required
@require_GET
def site_series(request: SignedInRequest, site_id: int) -> HttpResponse:
    """Chart data: one factor's values over the last N days up to the newest value, in local time."""
    site = site_for_user(request.user, site_id)
    factor = Factor.objects.filter(code=request.GET.get("factor", "")).first()
    period = request.GET.get("period", Period.HOUR)
    if factor is None or period not in Period.values:
        return JsonResponse({"error": _("Unknown factor or period.")}, status=400)
    window = _window(site, factor, period, RANGE_DAYS.get(request.GET.get("days", "7"), 7))
    if window is None:
        return JsonResponse({"factor": factor.code, "unit": factor.unit_at(site.kind), "points": []})
    rows = series_for_user(request.user, site=site, factor_id=factor.id, period=period, start=window[0],
                           end=window[1])
    # A long range of minute data is cut to the newest values: those are what a user checking a site needs.
    newest_first = list(rows.order_by("-time").values_list("time", "value", "flag", "point_id")[:MAX_CHART_POINTS])
    oldest_first = [(time, value, flag) for time, value, flag, _point in newest_first[::-1]]
    points = [[_local(time).strftime("%Y-%m-%d %H:%M"), value, flag] for time, value, flag in oldest_first]
    limit = _limit_json(request.user, site, factor, period, oldest_first)
    if limit.get("exceed") and site.kind == SiteKind.OUTLET:
        # A value under a valid mark is no exceedance (lanqing.monitoring.marks): no red pin, the shading says why.
        spans = marks.marks_over(site=site, period=period, start=window[0], end=window[1])
        point_of = [point for _time, _value, _flag, point in newest_first[::-1]]
        limit["exceed"] = [index for index in limit["exceed"] if marks.mark_covering(
            spans, point_id=point_of[index], period=period, time=oldest_first[index][0]) is None]
    return JsonResponse({"factor": factor.code, "name": factor.display_name, "unit": factor.unit_at(site.kind),
                         "period": period, "points": points, "truncated": len(points) == MAX_CHART_POINTS,
                         **limit})


def _limit_json(user: User, site: Site, factor: Factor, period: str, rows: list) -> dict:
    """The line the chart draws and the points it marks: the outlet's limit or the section's target class."""
    if not rows:
        return {}
    o2 = None
    limit_set = limits.limit_set_of(site)
    o2_factor = Factor.objects.filter(code=factor_codes.O2).first()
    if limit_set is not None and limit_set.reference_o2 is not None and o2_factor is not None:
        by_time = limits.o2_by_time(list(series_for_user(
            user, site=site, factor_id=o2_factor.id, period=period, start=rows[0][0],
            end=rows[-1][0] + timedelta(seconds=1)).values_list("time", "value", "flag")))
        o2 = [by_time.get(time) for time, _value, _flag in rows]
    found = limits.chart_limit(site, factor, [value for _time, value, _flag in rows],
                               [flag for _time, _value, flag in rows], o2=o2)
    if found is None:
        return {}
    return {"limit": {"label": found.label, "high": found.high, "low": found.low}, "exceed": found.exceeds}


@login_required
def import_list(request: SignedInRequest) -> HttpResponse:
    access.require(request.user, "registry.manage")
    if request.method == "POST":
        upload = request.FILES.get("file")
        refusal = upload_refusal(upload)
        if refusal:
            messages.error(request, refusal)
        else:
            assert upload is not None  # upload_refusal refuses a missing file
            if upload.size == 0:
                messages.error(request, _("The file is empty."))
            else:
                record = measurement_import_submit(file_name=upload.name or "", content=upload.read(),
                                                   by=request.user)
                messages.success(request, _("The file was received and queued for import."))
                return redirect("monitoring:import", import_id=record.id)
        return redirect("monitoring:imports")
    imports = MeasurementImport.objects.filter(uploaded_by=request.user).defer("content")
    status = request.GET.get("status", "")
    if status in ImportStatus.values:
        imports = imports.filter(status=status)
    if wants_export(request):
        return xlsx_response(
            filename=_("imports"),
            headers=[_("File"), _("Uploaded"), _("Status"), _("Rows"),
                     pgettext("export column: number of rows", "Imported or changed"),
                     pgettext("export column: number of rows", "Already present"),
                     pgettext("export column: number of rows", "Rejected")],
            rows=([r.file_name, r.uploaded_at, r.get_status_display(), r.rows_total, r.rows_written,
                   r.rows_unchanged, r.rows_rejected] for r in imports))
    return render(request, "monitoring/import_list.html", {
        "page": paginate(request, imports), "columns": COLUMNS, "status": status,
        "status_label": ImportStatus(status).label if status else "",
        "limit_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
    })


@login_required
def import_detail(request: SignedInRequest, import_id: int) -> HttpResponse:
    # Uploads are personal records: another user's id answers 404 like anything out of scope, before the role.
    record = MeasurementImport.objects.defer("content").filter(uploaded_by=request.user, id=import_id).first()
    if record is None:
        raise Http404
    access.require(request.user, "registry.manage")
    if wants_export(request):
        return xlsx_response(filename=_("import-errors"), headers=[_("Line"), _("Column"), _("Reason")],
                             rows=([e["line"], e["column"], describe_error(e)] for e in record.errors))
    # Up to 5,000 stored errors: the reasons are rendered for the page shown only.
    page = paginate(request, record.errors, per_page=100)
    page.object_list = [dict(error, text=describe_error(error)) for error in page.object_list]
    context = {"record": record, "page": page}
    if request.headers.get("HX-Request"):
        return render(request, "monitoring/import_detail.html#status", context)
    return render(request, "monitoring/import_detail.html", context)


@login_required
def import_template(request: SignedInRequest) -> HttpResponse:
    access.require(request.user, "registry.manage")
    header = ",".join(names[0] for names in COLUMNS.values())
    example = "AIR-01,,a34004,hour,2026-03-01 14:00,56,N"
    response = HttpResponse(f"{header}\r\n{example}\r\n", content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="measurements-template.csv"'
    return response
