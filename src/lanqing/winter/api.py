"""JSON API of heavy-pollution weather: warnings with their notices, an enterprise's compliance during a warning,
and the entries of a reduction list, each within the caller's scope as on the pages."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from lanqing import texts
from lanqing.org import access
from lanqing.org.requests import ApiRequest
from lanqing.ui.pagination import MappedRows
from lanqing.winter.compliance import EntryCompliance, warning_compliance
from lanqing.winter.models import PollutionWarning, ReductionEntry, ReductionList, WarningNotice

router = Router(tags=["winter"])


class ErrorOut(Schema):
    detail: str


class WarningOut(Schema):
    id: int
    level: str
    state: str
    starts_at: datetime
    ends_at: datetime | None
    document_number: str
    issuer: str
    tolerance: Decimal
    reduction_list_id: int
    previous_id: int | None


class NoticeOut(Schema):
    id: int
    enterprise_id: int
    enterprise: str
    township: str
    notified_at: datetime
    acknowledged_at: datetime | None


class WarningDetailOut(WarningOut):
    document: str
    notices: list[NoticeOut]


class HourOut(Schema):
    hour: datetime
    actual: float | None
    baseline: float | None
    baseline_hours: int
    achieved: float | None
    shortfall: float | None


class EntryComplianceOut(Schema):
    entry_id: int
    site_id: int | None
    process: str
    factor: str | None
    unit: str
    required: float
    achieved: float | None
    shortfall: float | None
    missing_hours: int
    problem: str
    hours: list[HourOut]


class ComplianceOut(Schema):
    warning_id: int
    enterprise_id: int
    entries: list[EntryComplianceOut]


class EntryOut(Schema):
    id: int
    enterprise_id: int
    enterprise: str
    level: str
    grade: str
    site_id: int | None
    process: str
    allowed_share: Decimal
    factor: str | None
    measure: str


def _warning(w: PollutionWarning) -> dict:
    return {"id": w.id, "level": w.level, "state": w.state, "starts_at": w.starts_at, "ends_at": w.ends_at,
            "document_number": w.document_number, "issuer": w.issuer, "tolerance": w.tolerance,
            "reduction_list_id": w.reduction_list_id, "previous_id": w.previous_id}


@router.get("/warnings", response=list[WarningOut])
@paginate(LimitOffsetPagination)
def list_warnings(request: ApiRequest) -> MappedRows:
    access.require(request.auth, "warning.view")
    return MappedRows(access.visible(request.auth, PollutionWarning.objects.order_by("-starts_at", "-id")), _warning)


@router.get("/warnings/{warning_id}", response={200: WarningDetailOut, 404: ErrorOut})
def get_warning(request: ApiRequest, warning_id: int) -> dict:
    """The warning and the notices the caller sees: an enterprise only its own."""
    warning = access.get_visible(request.auth, PollutionWarning.objects.all(), id=warning_id)
    access.require(request.auth, "warning.view", warning)
    notices = access.visible(request.auth, warning.notices.select_related("enterprise__township"))
    return {**_warning(warning), "document": warning.document, "notices": [
        {"id": n.id, "enterprise_id": n.enterprise_id, "enterprise": n.enterprise.name,
         "township": n.enterprise.township.name, "notified_at": n.notified_at, "acknowledged_at": n.acknowledged_at}
        for n in notices]}


def _entry_figures(f: EntryCompliance) -> dict:
    return {"entry_id": f.entry.id, "site_id": f.entry.site_id, "process": f.entry.process,
            "factor": f.entry.factor.code if f.entry.factor else None, "unit": f.unit, "required": f.required,
            "achieved": f.achieved, "shortfall": f.shortfall, "missing_hours": f.missing_hours,
            "problem": texts.render(f.problem) if f.problem else "",
            "hours": [{"hour": h.hour, "actual": h.actual, "baseline": h.baseline, "baseline_hours": h.baseline_hours,
                       "achieved": h.achieved, "shortfall": h.shortfall} for h in f.hours]}


@router.get("/warnings/{warning_id}/compliance/{enterprise_id}", response={200: ComplianceOut, 404: ErrorOut})
def get_compliance(request: ApiRequest, warning_id: int, enterprise_id: int) -> dict:
    """One listed enterprise's required and achieved cut per hour and for the warning so far; found only by
    those who see its notice (the enterprise itself, its township, the bureau)."""
    notice = access.get_visible(request.auth, WarningNotice.objects.select_related("warning"),
                                warning_id=warning_id, enterprise_id=enterprise_id)
    access.require(request.auth, "warning.view", notice)
    figures = warning_compliance(notice.warning, now=timezone.now(), enterprise_id=notice.enterprise_id)
    return {"warning_id": notice.warning_id, "enterprise_id": notice.enterprise_id,
            "entries": [_entry_figures(f) for f in figures]}


@router.get("/lists/{list_id}/entries", response={200: list[EntryOut], 404: ErrorOut})
@paginate(LimitOffsetPagination)
def list_entries(request: ApiRequest, list_id: int) -> MappedRows:
    """The entries of a list the caller sees (a township officer: its own enterprises')."""
    reduction_list = access.get_visible(request.auth, ReductionList.objects.all(), id=list_id)
    access.require(request.auth, "reduction.view", reduction_list)
    rows = access.visible(request.auth, ReductionEntry.objects.filter(reduction_list=reduction_list)
                          .select_related("enterprise", "factor").order_by("id"))
    return MappedRows(rows, lambda e: {
        "id": e.id, "enterprise_id": e.enterprise_id, "enterprise": e.enterprise.name, "level": e.level,
        "grade": e.grade, "site_id": e.site_id, "process": e.process, "allowed_share": e.allowed_share,
        "factor": e.factor.code if e.factor else None, "measure": e.measure})
