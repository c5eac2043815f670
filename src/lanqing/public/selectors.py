"""Reads on public reports: what the reporter's tracking page shows, and the staff's scoped lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lanqing.cases.models import CaseSource, CaseState
from lanqing.cases.origins import Origin
from lanqing.org import access
from lanqing.org.models import Jurisdiction, Level
from lanqing.public.models import Decision, PublicReport

STATUS_LABELS = {
    "received": _("Received, awaiting acceptance"),
    "refused": _("Not accepted"),
    "handling": _("Accepted, being handled"),
    "reopened": _("Reopened, being handled again"),
    "done": _("Handled"),
}


@dataclass
class Entry:
    at: datetime
    label: str | Promise
    text: str


@dataclass
class Tracking:
    """Only what the reporter may read: status, dates and public replies; no officer, unit or other report."""

    report: PublicReport
    status: str
    deadline: datetime | None
    closed_at: datetime | None
    extended: bool
    entries: list[Entry] = field(default_factory=list)

    @property
    def status_label(self) -> str | Promise:
        return STATUS_LABELS[self.status]

    @property
    def can_rate(self) -> bool:
        return may_rate(self.status, self.report.decision, self.report.rated_at)

    @property
    def can_reopen(self) -> bool:
        return may_reopen(self.status, self.report.decision, self.report.reopened_at)


def may_rate(status: str, decision: str, rated_at: object) -> bool:
    return status == "done" and decision == Decision.ACCEPTED and rated_at is None


def may_reopen(status: str, decision: str, reopened_at: object) -> bool:
    return status == "done" and decision == Decision.ACCEPTED and reopened_at is None


def report_status(report: PublicReport) -> str:
    return status_of(report.decision, report.case.state, report.reopened_at)


def status_of(decision: str, case_state: str, reopened_at: object) -> str:
    """What the reporter is told of a report, from its decision, its case's state and whether it was reopened."""
    if decision == Decision.REFUSED:
        return "refused"
    if case_state == CaseState.CLOSED:
        return "done"
    if decision == Decision.PENDING and case_state == CaseState.DRAFT:
        return "received"
    return "reopened" if reopened_at else "handling"


# What the tracking page reads of a report and its case (lanqing.public.services.report_for_code `only`).
TRACKING_FIELDS = ("code", "category", "submitted_at", "accept_by", "decision", "refusal_reason", "refusal_note",
                   "rating", "rated_at", "reopened_at", "case__state", "case__deadline_at", "case__closed_at")


def tracking_for(report: PublicReport) -> Tracking:
    case = report.case
    status = report_status(report)
    entries = []
    extended = False
    # One query: the public entries, and the approvals that tell whether the deadline was extended (their notes
    # are staff's and are not shown).
    for event in case.events.filter(Q(public=True) | Q(action="extension_approved")).only(
            "case", "at", "action", "note", "note_text", "data", "public").order_by("at", "id"):
        if not event.public:
            extended = True
            continue
        text = event.display_note
        if event.action == "reporter_rated":
            text = str(_("%(stars)d of 5 stars.") % {"stars": event.data.get("rating", 0)}) + (
                f" {text}" if text else "")
        if event.action == "report_refused" and event.data.get("explanation"):
            text = f"{text} {event.data['explanation']}"
        entries.append(Entry(event.at, event.action_label, text))
    return Tracking(report=report, status=status,
                    deadline=case.deadline_at if status in ("handling", "reopened") else None,
                    closed_at=case.closed_at if status == "done" else None,
                    extended=extended, entries=entries)


def reports_visible_to(user) -> QuerySet[PublicReport]:
    return access.visible(user, PublicReport.objects.select_related("case", "division"))


def division_choices() -> list:
    """Townships, each followed by its villages, for the "where" list of the report form."""
    rows = Jurisdiction.objects.filter(level__in=(Level.TOWNSHIP, Level.VILLAGE)).order_by("code").only(
        "id", "code", "name", "level")
    groups: list = []
    for row in rows:
        if row.level == Level.TOWNSHIP:
            groups.append((row.name, [(row.id, _("%(township)s (whole township)") % {"township": row.name})]))
        elif groups:
            groups[-1][1].append((row.id, row.name))
    return groups


def complaint_origin(user, case) -> Origin | None:
    """The link from a case's page to the public report that opened it, for those who may read the report."""
    if case.source != CaseSource.PUBLIC_REPORT:
        return None
    report = access.visible(user, PublicReport.objects.filter(case_id=case.id)).first()
    if report is None or not access.may(user, "complaint.view", report):
        return None
    return Origin(label=_("see the public report %(code)s") % {"code": report.code},
                  url=reverse("complaints:detail", kwargs={"complaint_id": report.id}), kind="complaint")
