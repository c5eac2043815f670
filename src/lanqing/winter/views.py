"""Pages of heavy-pollution weather: the reduction lists (import, export, edit) and the warnings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django import forms as django_forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lanqing.cases.evidence import MAX_FILES
from lanqing.monitoring.models import Site, SiteKind
from lanqing.org import access
from lanqing.org.requests import SignedInRequest
from lanqing.texts import render as render_text
from lanqing.ui.tables import XLSX_TYPE, paginate, wants_export
from lanqing.ui.uploads import upload_refusal
from lanqing.winter import compliance, dispatch, forms, links, lists
from lanqing.winter import triggers as trigger_rules
from lanqing.winter.inspections import spot_check_record
from lanqing.winter.lists import EntryData, ListRefused
from lanqing.winter.models import (
    LEVEL_RANK,
    Level,
    OutletStop,
    PollutionWarning,
    ReductionEntry,
    ReductionList,
    SpotCheckPhoto,
    WarningNotice,
)
from lanqing.winter.stops import stop_mark, stop_remove
from lanqing.winter.warnings import (
    Document,
    notice_acknowledge,
    warning_change_level,
    warning_issue,
    warning_lift,
)

ERRORS_SHOWN = 500


def _xlsx(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


# --- lists ----------------------------------------------------------------------------------------------------------

@login_required
def lists_page(request: SignedInRequest) -> HttpResponse:
    """The versions of each season's list; the bureau imports a workbook or starts a version to edit."""
    access.require(request.user, "reduction.view")
    can_edit = access.may(request.user, "reduction.edit")
    errors: list[dict] = []
    error_count = 0
    season = request.POST.get("season", "") or lists.season_of(timezone.localdate())
    if request.method == "POST":
        access.require(request.user, "reduction.edit")
        upload = request.FILES.get("file")
        refusal = upload_refusal(upload)
        if refusal or upload is None:
            messages.error(request, refusal or _("Choose a file to import."))
        else:
            result = lists.reduction_list_import(by=request.user, season=season, data=upload.read(),
                                                 note=request.POST.get("note", ""))
            if result.reduction_list is not None:
                messages.success(request, _("Version %(version)s of the %(season)s list was imported with %(count)s "
                                            "entries.") % {"version": result.reduction_list.version,
                                                           "season": season, "count": result.entries})
                return redirect("winter:list", list_id=result.reduction_list.id)
            error_count = len(result.errors)
            errors = [{"sheet": _(e.sheet), "row": e.row or "", "column": _(e.column) if e.column else "",
                       "reason": render_text(e.reason)} for e in result.errors[:ERRORS_SHOWN]]
    rows = access.visible(request.user, ReductionList.objects.select_related("created_by"))
    page = paginate(request, rows)
    return render(request, "winter/lists.html", {
        "page": page, "newest": lists.newest_versions(page.object_list), "can_edit": can_edit, "season": season,
        "errors": errors, "error_count": error_count, "errors_hidden": max(0, error_count - len(errors)),
        "columns": [_(c.label) for c in lists.COLUMNS], "limit_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
    }, status=400 if errors else 200)


@login_required
@require_POST
def list_new(request: SignedInRequest) -> HttpResponse:
    access.require(request.user, "reduction.edit")
    try:
        created = lists.reduction_list_create(by=request.user, season=request.POST.get("season", "").strip(),
                                              note=request.POST.get("note", ""))
    except ListRefused as refused:
        messages.error(request, render_text(refused.reason))
        return redirect("winter:lists")
    return redirect("winter:list", list_id=created.id)


@login_required
def list_template(request: SignedInRequest) -> HttpResponse:
    access.require(request.user, "reduction.edit")
    return _xlsx(lists.workbook_bytes([]), _("reduction-list-template") + ".xlsx")


def _entries(user: User, reduction_list: ReductionList) -> QuerySet[ReductionEntry]:
    # Yellow, orange, red in the order of the levels, not of their names.
    rank = Case(*(When(level=level, then=Value(value)) for level, value in LEVEL_RANK.items()),
                output_field=IntegerField())
    return access.visible(user, ReductionEntry.objects.filter(reduction_list=reduction_list)
                          .select_related("enterprise__township", "site", "factor")
                          .order_by("enterprise__township__code", "enterprise__name", rank, "id"))


@login_required
def list_detail(request: SignedInRequest, list_id: int) -> HttpResponse:
    reduction_list = access.get_visible(request.user, ReductionList.objects.all(), id=list_id)
    access.require(request.user, "reduction.view", reduction_list)
    entries = _entries(request.user, reduction_list)
    level = request.GET.get("level", "")
    if level in Level.values:
        entries = entries.filter(level=level)
    if wants_export(request):
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return _xlsx(lists.workbook_bytes(lists.export_rows(entries.iterator(chunk_size=500))),
                     f"{_('reduction-list')}-{reduction_list.season}-v{reduction_list.version}-{stamp}.xlsx")
    editable = (access.may(request.user, "reduction.edit", reduction_list)
                and reduction_list.id in lists.newest_versions([reduction_list]))
    return render(request, "winter/list.html", {
        "list": reduction_list, "page": paginate(request, entries), "level": level, "levels": Level.choices,
        "editable": editable, "form": forms.EntryForm(user=request.user) if editable else None,
    })


def _entry_data(form: django_forms.BaseForm) -> EntryData:
    data = form.cleaned_data
    return EntryData(enterprise=data["enterprise"], level=data["level"], grade=data["grade"] or "",
                     site=data["site"], process=data["process"] or "", allowed_share=data["allowed_share"],
                     factor=data["factor"], measure=data["measure"] or "")


@login_required
@require_POST
def entry_new(request: SignedInRequest, list_id: int) -> HttpResponse:
    reduction_list = access.get_visible(request.user, ReductionList.objects.all(), id=list_id)
    access.require(request.user, "reduction.edit", reduction_list)
    form = forms.EntryForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Check the entry: %(problems)s") % {"problems": _form_problems(form)})
    else:
        try:
            lists.entry_save(by=request.user, reduction_list=reduction_list, data=_entry_data(form))
        except ListRefused as refused:
            messages.error(request, render_text(refused.reason))
        else:
            messages.success(request, _("The entry was added."))
    return redirect("winter:list", list_id=reduction_list.id)


@login_required
def entry_edit(request: SignedInRequest, entry_id: int) -> HttpResponse:
    entry = access.get_visible(request.user, ReductionEntry.objects.select_related("reduction_list"), id=entry_id)
    access.require(request.user, "reduction.edit", entry)
    form = forms.EntryForm(request.POST or None, instance=entry, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            lists.entry_save(by=request.user, reduction_list=entry.reduction_list, data=_entry_data(form),
                             entry=ReductionEntry.objects.get(pk=entry.pk))
        except ListRefused as refused:
            messages.error(request, render_text(refused.reason))
        else:
            messages.success(request, _("The entry was saved."))
            return redirect("winter:list", list_id=entry.reduction_list_id)
    return render(request, "winter/entry.html", {"entry": entry, "form": form})


@login_required
@require_POST
def entry_remove(request: SignedInRequest, entry_id: int) -> HttpResponse:
    entry = access.get_visible(request.user, ReductionEntry.objects.select_related("reduction_list"), id=entry_id)
    try:
        lists.entry_delete(by=request.user, entry=entry)
    except ListRefused as refused:
        messages.error(request, render_text(refused.reason))
    else:
        messages.success(request, _("The entry was removed."))
    return redirect("winter:list", list_id=entry.reduction_list_id)


@login_required
def stops_page(request: SignedInRequest) -> HttpResponse:
    """Marked stops of outlets, which a warning's baseline leaves out; the bureau marks and removes them."""
    access.require(request.user, "reduction.view")
    can_edit = access.may(request.user, "reduction.edit")
    form = forms.StopForm(request.POST or None, user=request.user) if can_edit else None
    if request.method == "POST":
        access.require(request.user, "reduction.edit")
        assert form is not None
        if not form.is_valid():
            messages.error(request, _form_problems(form))
        else:
            data = form.cleaned_data
            try:
                stop_mark(by=request.user, site=data["site"], starts_at=data["starts_at"], ends_at=data["ends_at"],
                          note=data["note"] or "")
            except ListRefused as refused:
                messages.error(request, render_text(refused.reason))
            else:
                messages.success(request, _("The stop was marked."))
                return redirect("winter:stops")
    rows = access.visible(request.user, OutletStop.objects.select_related("site__enterprise"))
    return render(request, "winter/stops.html", {"page": paginate(request, rows), "form": form,
                                                 "can_edit": can_edit})


@login_required
@require_POST
def stop_delete(request: SignedInRequest, stop_id: int) -> HttpResponse:
    stop = access.get_visible(request.user, OutletStop.objects.all(), id=stop_id)
    stop_remove(by=request.user, stop=stop)
    messages.success(request, _("The stop was removed."))
    return redirect("winter:stops")


# --- warnings -------------------------------------------------------------------------------------------------------

@login_required
def warnings_page(request: SignedInRequest) -> HttpResponse:
    """Government users: the warnings of their area; an enterprise: its notices to acknowledge."""
    access.require(request.user, "warning.view")
    notices = access.visible(request.user, WarningNotice.objects.select_related("warning", "enterprise")
                             .order_by("-warning__starts_at", "enterprise__name"))
    warnings = access.visible(request.user, PollutionWarning.objects.select_related("reduction_list"))
    can_issue = access.may(request.user, "warning.issue")
    return render(request, "winter/warnings.html", {
        "page": paginate(request, warnings), "notices": paginate(request, notices),
        "is_enterprise": access.role_of(request.user) == "enterprise", "can_issue": can_issue,
        "form": forms.IssueForm() if can_issue else None,
        "ackable": access.objects_permitted(request.user, "warning.acknowledge",
                                            list(paginate(request, notices).object_list)),
    })


def _document(data: dict) -> Document:
    return Document(number=data["document_number"].strip(), issuer=data["issuer"].strip(),
                    text=data.get("document") or "")


def _form_problems(form: django_forms.BaseForm) -> str:
    return "; ".join(f"{form.fields[name].label if name in form.fields else ''}: {' '.join(map(str, errors))}"
                     for name, errors in form.errors.items())


@login_required
@require_POST
def warning_new(request: SignedInRequest) -> HttpResponse:
    access.require(request.user, "warning.issue")
    form = forms.IssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_problems(form))
        return redirect("winter:warnings")
    data = form.cleaned_data
    try:
        warning = warning_issue(by=request.user, level=data["level"], starts_at=data["starts_at"],
                                ends_at=data["ends_at"], document=_document(data), tolerance=data["tolerance"])
    except ListRefused as refused:
        messages.error(request, render_text(refused.reason))
        return redirect("winter:warnings")
    messages.success(request, _("The warning was issued and %(count)s listed enterprises were notified.")
                     % {"count": warning.notices.count()})
    return redirect("winter:warning", warning_id=warning.id)


@login_required
def warning_detail(request: SignedInRequest, warning_id: int) -> HttpResponse:
    warning = access.get_visible(request.user, PollutionWarning.objects.select_related("reduction_list", "previous"),
                                 id=warning_id)
    access.require(request.user, "warning.view", warning)
    notices = access.visible(request.user, warning.notices.select_related("enterprise__township", "acknowledged_by"))
    can_issue = (access.may(request.user, "warning.issue", warning) and warning.state == "active"
                 and not warning.ended())
    return render(request, "winter/warning.html", {
        "warning": warning, "page": paginate(request, notices), "can_issue": can_issue,
        "following": PollutionWarning.objects.filter(previous=warning).first(),
        "can_dispatch": access.may(request.user, "warning.dispatch", warning),
        "links": links.warning_links(request.user, warning),
        "change_form": forms.ChangeForm() if can_issue else None, "lift_form": forms.LiftForm() if can_issue else None,
    })


def _warning_action(request: SignedInRequest, warning_id: int, form_class: type, act: Callable[..., Any]) -> HttpResponse:
    warning = access.get_visible(request.user, PollutionWarning.objects.all(), id=warning_id)
    access.require(request.user, "warning.issue", warning)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _form_problems(form))
        return redirect("winter:warning", warning_id=warning.id)
    try:
        result = act(warning, form.cleaned_data)
    except ListRefused as refused:
        messages.error(request, render_text(refused.reason))
        return redirect("winter:warning", warning_id=warning.id)
    return redirect("winter:warning", warning_id=result.id)


@login_required
@require_POST
def warning_change(request: SignedInRequest, warning_id: int) -> HttpResponse:
    return _warning_action(request, warning_id, forms.ChangeForm, lambda warning, data: warning_change_level(
        by=request.user, warning=warning, level=data["level"], at=data["at"], document=_document(data)))


@login_required
@require_POST
def warning_end(request: SignedInRequest, warning_id: int) -> HttpResponse:
    return _warning_action(request, warning_id, forms.LiftForm, lambda warning, data: warning_lift(
        by=request.user, warning=warning, at=data["at"], document=_document(data)))


@login_required
@require_POST
def notice_ack(request: SignedInRequest, notice_id: int) -> HttpResponse:
    notice = access.get_visible(request.user, WarningNotice.objects.all(), id=notice_id)
    notice_acknowledge(by=request.user, notice=notice)
    messages.success(request, _("Acknowledged."))
    return redirect("winter:warnings")


@login_required
def notice_compliance(request: SignedInRequest, notice_id: int) -> HttpResponse:
    """One enterprise's required and achieved cut per hour and for the warning, from its online data."""
    notice = access.get_visible(request.user, WarningNotice.objects.select_related("warning", "enterprise"),
                                id=notice_id)
    access.require(request.user, "warning.view", notice)
    figures = compliance.warning_compliance(notice.warning, now=timezone.now(), enterprise_id=notice.enterprise_id)
    for entry_figures in figures:
        entry_figures.problem_text = render_text(entry_figures.problem) if entry_figures.problem else ""
    return render(request, "winter/compliance.html", {"notice": notice, "warning": notice.warning,
                                                      "figures": figures})


@login_required
def warning_dispatch(request: SignedInRequest, warning_id: int) -> HttpResponse:
    """Listed enterprises near stations with a high AQI during the warning, largest shortfall first."""
    warning = access.get_visible(request.user, PollutionWarning.objects.all(), id=warning_id)
    access.require(request.user, "warning.dispatch", warning)
    radius = int(request.GET.get("radius", "5")) if request.GET.get("radius") in {"3", "5", "10"} else 5
    threshold = int(request.GET.get("aqi", "200")) if request.GET.get("aqi") in {"100", "150", "200", "300"} else 200
    now = timezone.now()
    at = min(now, warning.ends_at) if warning.ends_at else now
    stations = dispatch.high_stations(
        access.visible(request.user, Site.objects.filter(kind=SiteKind.AIR, is_active=True)).order_by("code")[:50],
        at=at, threshold=threshold)
    listed = access.enterprises_visible_to(request.user).filter(
        id__in=warning.notices.values("enterprise_id"))
    rows = dispatch.targets(warning, enterprises=listed, stations=stations, radius_km=radius, now=now)
    return render(request, "winter/dispatch.html", {
        "warning": warning, "stations": stations, "rows": rows, "radius": radius, "radii": dispatch.RADII_KM,
        "threshold": threshold, "thresholds": (100, 150, 200, 300), **_checks_context(request, warning),
    })


def _checks_context(request: SignedInRequest, warning: PollutionWarning,
                    form: django_forms.Form | None = None) -> dict:
    checks = access.visible(request.user, warning.spot_checks.select_related("enterprise__township", "by", "case")
                            .prefetch_related("photos"))
    can_inspect = access.may(request.user, "warning.inspect") and warning.starts_at <= timezone.now()
    if can_inspect and form is None:
        form = forms.CheckForm(user=request.user, warning=warning,
                               initial={"checked_at": timezone.localtime().replace(second=0, microsecond=0)})
    return {"checks": paginate(request, checks), "check_form": form if can_inspect else None,
            "photo_limit": MAX_FILES}


@login_required
@require_POST
def check_record(request: SignedInRequest, warning_id: int) -> HttpResponse:
    """Records a spot check from the dispatch page; a violation opens a case, and the page says which."""
    warning = access.get_visible(request.user, PollutionWarning.objects.all(), id=warning_id)
    access.require(request.user, "warning.inspect", warning)
    form = forms.CheckForm(request.POST, user=request.user, warning=warning)
    if not form.is_valid():
        messages.error(request, _form_problems(form))
        return redirect("winter:dispatch", warning_id=warning.id)
    data = form.cleaned_data
    try:
        check = spot_check_record(by=request.user, notice=data["notice"], checked_at=data["checked_at"],
                                  compliant=data["result"] == "compliant", description=data["description"] or "",
                                  photos=request.FILES.getlist("photos"))
    except ListRefused as refused:
        messages.error(request, render_text(refused.reason))
        return redirect("winter:dispatch", warning_id=warning.id)
    if check.case is not None:
        messages.success(request, _("The violation was recorded and case %(number)s was opened.")
                         % {"number": check.case.number})
    else:
        messages.success(request, _("The check was recorded."))
    return redirect(reverse("winter:dispatch", kwargs={"warning_id": warning.id}) + "#checks")


@login_required
def check_photo(request: SignedInRequest, photo_id: int) -> FileResponse:
    photo = access.get_visible(request.user, SpotCheckPhoto.objects.all(), id=photo_id)
    return FileResponse(photo.file.open("rb"), content_type=photo.content_type, filename=photo.original_name)


@login_required
def trigger_helper(request: SignedInRequest) -> HttpResponse:
    """For each station, the last days' AQI and the level whose trigger the run ending that day met."""
    access.require(request.user, "reduction.view")
    stations = list(access.visible(request.user, Site.objects.filter(kind=SiteKind.AIR, is_active=True))
                    .order_by("code")[:30])
    last_day = timezone.localdate() - timedelta(days=1)
    return render(request, "winter/triggers.html", {
        "rows": trigger_rules.station_days(stations, last_day=last_day), "last_day": last_day,
        "can_issue": access.may(request.user, "warning.issue"),
    })

