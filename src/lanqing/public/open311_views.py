"""Open311 GeoReport v2 endpoints under /open311/v2/: the same checks and limits as the public form."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from lanqing.org.models import Jurisdiction, Level
from lanqing.public import open311
from lanqing.public.models import Open311Key, PublicReport, ReportCategory
from lanqing.public.services import MAX_DESCRIPTION, Filing, RateLimited, ReportError, report_submit

ALLOWED_FIELDS = {"api_key", "jurisdiction_id", "service_code", "lat", "long", "address_string", "address_id",
                  "email", "device_id", "account_id", "first_name", "last_name", "phone", "description",
                  "media_url", f"attribute[{open311.OBSERVED}]"}
MAX_REQUESTS = 1000
MAX_SPAN = timedelta(days=90)


@require_GET
def discovery(request, fmt: str):
    return open311.respond(fmt, "discovery", "", open311.discovery(request.build_absolute_uri("/open311/v2/")))


@require_GET
def services(request, fmt: str):
    return open311.respond(fmt, "services", "service", open311.services())


@require_GET
def service_definition(request, code: str, fmt: str):
    if code not in ReportCategory.values:
        return open311.errors(fmt, 404, [("404", _("There is no service with this code."))])
    return open311.respond(fmt, "service_definition", "", open311.service_definition(code))


def _place(data) -> tuple[Jurisdiction | None, Decimal | None, Decimal | None]:
    lat, lon = data.get("lat", "").strip(), data.get("long", "").strip()
    if lat or lon:
        if not (lat and lon):
            raise ReportError(_("Give both lat and long."))
        try:
            return None, Decimal(lon).quantize(Decimal("0.000001")), Decimal(lat).quantize(Decimal("0.000001"))
        except InvalidOperation:
            raise ReportError(_("lat and long must be decimal degrees (WGS84).")) from None
    address_id, address = data.get("address_id", "").strip(), data.get("address_string", "").strip()
    where = Q(code=address_id) if address_id else Q(name=address) if address else None
    if where is None:
        raise ReportError(_("Give the location: lat and long, address_string or address_id."))
    found = Jurisdiction.objects.filter(where, level__in=(Level.TOWNSHIP, Level.VILLAGE)).first()
    if found is None:
        raise ReportError(_("The address is not a township or village of the county."))
    return found, None, None


def _observed(raw: str) -> datetime:
    if not raw:
        return timezone.now()
    moment = parse_datetime(raw)
    if moment is None or moment.tzinfo is None:
        raise ReportError(_("%(field)s must be an ISO 8601 date and time with a time zone.") % {
            "field": open311.OBSERVED})
    return moment


@csrf_exempt
@require_POST
def create_request(request, fmt: str):
    data = request.POST
    key = Open311Key.objects.filter(digest=Open311Key.digest_of(data.get("api_key", "")), is_active=True).first()
    if not data.get("api_key") or key is None:
        return open311.errors(fmt, 403, [("403", _("A valid api_key is required to file a request."))])
    Open311Key.objects.filter(id=key.id).update(last_used_at=timezone.now())
    unknown = sorted(set(data) - ALLOWED_FIELDS)
    if unknown:
        return open311.errors(fmt, 400, [("400", _("Unknown field: %(field)s") % {"field": name})
                                         for name in unknown])
    code = data.get("service_code", "")
    if not code:
        return open311.errors(fmt, 400, [("400", _("service_code is required."))])
    if code not in ReportCategory.values:
        return open311.errors(fmt, 404, [("404", _("There is no service with this code."))])
    description = data.get("description", "")
    if len(description) > MAX_DESCRIPTION:
        return open311.errors(fmt, 400, [("400", _("The description may be at most %(count)d characters long.")
                                          % {"count": MAX_DESCRIPTION})])
    try:
        division, lon, lat = _place(data)
        name = " ".join(part for part in (data.get("last_name", "").strip(), data.get("first_name", "").strip())
                        if part)
        report = report_submit(filing=Filing(
            category=code, description=description, observed_at=_observed(data.get(f"attribute[{open311.OBSERVED}]",
                                                                                    "")),
            division=division, longitude=lon, latitude=lat, name=name[:50], phone=data.get("phone", "")),
            photos=[], client_address=request.META.get("REMOTE_ADDR") or None)
    except ReportError as error:
        return open311.errors(fmt, 400, [("429" if isinstance(error, RateLimited) else "400", str(error))])
    notice = _("Keep your tracking code %(code)s to follow, rate or reopen the report on the public site.") % {
        "code": report.code}
    return open311.respond(fmt, "service_requests", "request", [
        {"service_request_id": report.case.number, "service_notice": notice, "account_id": ""}])


def _public_reports():
    return PublicReport.objects.filter(hidden=False).select_related("case", "case__lead_unit", "division")


@require_GET
def list_requests(request, fmt: str):
    params = request.GET
    reports = _public_reports()
    ids = [part.strip() for part in params.get("service_request_id", "").split(",") if part.strip()]
    if ids:
        reports = reports.filter(case__number__in=ids)
    else:
        codes = [part.strip() for part in params.get("service_code", "").split(",") if part.strip()]
        if codes:
            reports = reports.filter(category__in=codes)
        now = timezone.now()
        start, end = params.get("start_date", ""), params.get("end_date", "")
        start_at, end_at = parse_datetime(start) if start else None, parse_datetime(end) if end else None
        if (start and start_at is None) or (end and end_at is None):
            return open311.errors(fmt, 400, [("400", _("start_date and end_date must be ISO 8601 dates and times."))])
        end_at = end_at or now
        start_at = start_at or end_at - MAX_SPAN
        if timezone.is_naive(start_at) or timezone.is_naive(end_at):
            return open311.errors(fmt, 400, [("400", _("start_date and end_date need a time zone."))])
        if end_at - start_at > MAX_SPAN:
            return open311.errors(fmt, 400, [("400", _("start_date and end_date may be at most 90 days apart."))])
        reports = reports.filter(submitted_at__gte=start_at, submitted_at__lte=end_at)
        status = params.get("status", "")
        if status and status not in ("open", "closed"):
            return open311.errors(fmt, 400, [("400", _("status is open or closed."))])
        closed = Q(decision="refused") | Q(case__state="closed")
        if status == "open":
            reports = reports.exclude(closed)
        elif status == "closed":
            reports = reports.filter(closed)
    rows = [open311.request_row(report) for report in reports.order_by("-submitted_at", "-id")[:MAX_REQUESTS]]
    return open311.respond(fmt, "service_requests", "request", rows)


@require_GET
def one_request(request, request_id: str, fmt: str):
    report = _public_reports().filter(case__number=request_id).first()
    if report is None:
        return open311.errors(fmt, 404, [("404", _("There is no service request with this id."))])
    return open311.respond(fmt, "service_requests", "request", [open311.request_row(report)])


@require_GET
def token(request, token: str, fmt: str) -> HttpResponse:
    # Every service is "realtime": a POST answers with the service_request_id at once, so no token is ever
    # outstanding; the endpoint exists for clients that ask anyway.
    return open311.errors(fmt, 404, [("404", _("There is no such token; requests here get their id at once."))])


@csrf_exempt
def requests_root(request, fmt: str) -> HttpResponse:
    """GET lists requests; POST files one (GeoReport v2 puts both on /requests)."""
    if request.method == "POST":
        return create_request(request, fmt)
    return list_requests(request, fmt)
