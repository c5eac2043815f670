"""The public site: no login, nothing staff-only, every page a phone can use (DESIGN: the public site)."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lanqing.org.divisions import GU_COUNTY_BOUNDARY
from lanqing.org.models import Jurisdiction, Level
from lanqing.public import forms
from lanqing.public import quality as public_quality
from lanqing.public.photos import PhotoRefused, photos_check
from lanqing.public.services import (
    Filing,
    RateLimited,
    ReportError,
    report_for_code,
    report_rate,
    report_reopen,
    report_submit,
)
from lanqing.public.tracking import tracking_page


def _address(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _status(error: ReportError) -> int:
    return 429 if isinstance(error, RateLimited) else 400


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "public/home.html", {"lookup_form": forms.LookupForm()})


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        now = timezone.localtime().replace(second=0, microsecond=0)
        return render(request, "public/report.html", {"form": forms.ReportForm(initial={"observed_at": now})})
    form = forms.ReportForm(request.POST)
    if request.POST.get("website"):
        return render(request, "public/report.html", {"form": form, "error": "—"}, status=400)
    if not form.is_valid():
        return render(request, "public/report.html", {"form": form}, status=400)
    data = form.cleaned_data
    division = None
    if data["division"] is not None:
        division = Jurisdiction.objects.filter(id=data["division"], level__in=(Level.TOWNSHIP, Level.VILLAGE)).first()
        if division is None:
            form.add_error("division", forms.ReportForm.base_fields["division"].error_messages["invalid_choice"] % {
                "value": data["division"]})
            return render(request, "public/report.html", {"form": form}, status=400)
    try:
        photos = photos_check(request.FILES.getlist("photos"))
        filed = report_submit(filing=Filing(
            category=data["category"], description=data["description"], observed_at=data["observed_at"],
            division=division, longitude=data["longitude"], latitude=data["latitude"], name=data["name"],
            phone=data["phone"]), photos=photos, client_address=_address(request))
    except (PhotoRefused, ReportError) as error:
        status = _status(error) if isinstance(error, ReportError) else 400
        return render(request, "public/report.html", {"form": form, "error": str(error)}, status=status)
    return redirect(reverse("public:track", kwargs={"code": filed.code}) + "?new=1")


@never_cache
@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    form = forms.LookupForm(request.GET)
    if not form.is_valid():
        return render(request, "public/home.html", {"lookup_form": form}, status=400)
    try:
        found = report_for_code(form.cleaned_data["code"], client_address=_address(request))
    except ReportError as error:
        return render(request, "public/home.html", {"lookup_form": form, "error": str(error)},
                      status=429 if isinstance(error, RateLimited) else 404)
    return redirect("public:track", code=found.code)


def _track_page(request: HttpRequest, code: str, *, status: int = 200, **extra: object) -> HttpResponse:
    try:
        page = tracking_page(code, client_address=_address(request))
    except ReportError as error:
        return render(request, "public/home.html", {"lookup_form": forms.LookupForm(), "error": str(error)},
                      status=429 if isinstance(error, RateLimited) else 404)
    return render(request, "public/track.html", {
        "page": page, "new": request.GET.get("new") == "1",
        # A form is made only for a page that shows it.
        "rate_form": extra.pop("rate_form", None) or (forms.RateForm() if page.can_rate else None),
        "reopen_form": extra.pop("reopen_form", None) or (forms.ReopenForm() if page.can_reopen else None),
        **extra}, status=status)


@never_cache
@require_GET
def track(request: HttpRequest, code: str) -> HttpResponse:
    return _track_page(request, code)


@never_cache
@require_POST
def rate(request: HttpRequest, code: str) -> HttpResponse:
    try:
        found = report_for_code(code, client_address=_address(request))
    except ReportError:
        return _track_page(request, code)
    form = forms.RateForm(request.POST)
    if not form.is_valid():
        return _track_page(request, code, status=400, rate_form=form)
    try:
        report_rate(report=found, rating=form.cleaned_data["rating"], note=form.cleaned_data["note"])
    except ReportError as error:
        return _track_page(request, code, status=400, rate_form=form, error=str(error))
    return redirect("public:track", code=found.code)


@never_cache
@require_POST
def reopen(request: HttpRequest, code: str) -> HttpResponse:
    try:
        found = report_for_code(code, client_address=_address(request))
    except ReportError:
        return _track_page(request, code)
    form = forms.ReopenForm(request.POST)
    if not form.is_valid():
        return _track_page(request, code, status=400, reopen_form=form)
    try:
        report_reopen(report=found, reason=form.cleaned_data["reason"])
    except ReportError as error:
        return _track_page(request, code, status=400, reopen_form=form, error=str(error))
    return redirect("public:track", code=found.code)


@require_GET
def quality_page(request: HttpRequest) -> HttpResponse:
    page = public_quality.quality_page()
    language = getattr(request, "LANGUAGE_CODE", "zh-hans")
    return render(request, "public/quality.html", {
        "page": page, "air": [(station, public_quality.primary_names(station.now, language)) for station in page.air]})


@require_GET
@cache_control(max_age=86400, public=True)
def county_map(request: HttpRequest) -> FileResponse:
    """The county's real boundary (GeoJSON) that the report form draws with ECharts: no map tiles."""
    return FileResponse(open(GU_COUNTY_BOUNDARY, "rb"), content_type="application/json")
