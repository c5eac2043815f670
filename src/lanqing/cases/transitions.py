"""The supervision workflow: every write to a case is one of these functions (STYLE.md lesson 5).

Each transition is atomic, checks role and scope, moves the state with a conditional UPDATE (so of two users
closing the same case at once exactly one wins; the other gets CaseError), writes a timeline entry, and
notifies people; notification e-mail goes out from the worker, never inside the transition.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Model, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from lanqing import texts
from lanqing.alerts.models import Alert, AlertStatus, Severity
from lanqing.cases import workdays
from lanqing.cases.clock import accountability_resolve, case_deadline
from lanqing.cases.evidence import EvidenceRefused, evidence_check
from lanqing.cases.models import (
    CLOCK_STATES,
    OPEN_STATES,
    AccountabilityOutcome,
    Case,
    CaseEvent,
    CaseSource,
    CaseState,
    Category,
    EscalationLevel,
    Evidence,
    ExtensionRequest,
    ExtensionStatus,
)
from lanqing.cases.recipients import bureau, handlers, lead, rectifiers, tell
from lanqing.cases.routing import Route, route_for, township_of
from lanqing.cases.timeline import timeline_add
from lanqing.monitoring.models import Measurement, Period
from lanqing.org import access
from lanqing.org.models import Enterprise, Jurisdiction, Unit

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from lanqing.alerts.models import Alert
    from lanqing.monitoring.models import Site


class CaseError(Exception):
    """A refused action; the message is for the user and the case is unchanged."""


class CaseForbidden(CaseError, access.Forbidden):
    """The user sees the case but its duty does not include the action (HTTP 403)."""


class CaseHidden(CaseError, Http404):
    """A case the user may not see: answered like one that does not exist (HTTP 404)."""


class DeadlineInvalid(CaseError):
    """A deadline the user set is in the past or too far ahead: bad input, whatever the case's state (HTTP 400)."""


# --- the workflow: the states each action starts from; who may take it is lanqing.org.access's "case.<action>" --

ACTIONS: dict[str, tuple[str, ...]] = {
    "dispatch": (CaseState.DRAFT,),
    "accept": (CaseState.DISPATCHED,),
    "start": (CaseState.ACCEPTED, CaseState.RETURNED),
    "submit": (CaseState.DISPATCHED, CaseState.ACCEPTED, CaseState.IN_PROGRESS, CaseState.RETURNED),
    "contribute": OPEN_STATES,
    "close": (CaseState.SUBMITTED,),
    "return": (CaseState.SUBMITTED,),
    "reopen": (CaseState.CLOSED,),
    "request_extension": CLOCK_STATES,
    "decide_extension": CLOCK_STATES + (CaseState.SUBMITTED,),
    "urge": OPEN_STATES,
    "instruct": tuple(CaseState.values),
}


def allowed_actions(user: User, case: Case) -> list[str]:
    possible = [f"case.{action}" for action, states in ACTIONS.items() if case.state in states]
    return [action.removeprefix("case.") for action in access.actions_permitted(user, possible, case)]


def _require(user: User, case: Case, action: str) -> None:
    try:
        access.require(user, f"case.{action}", case)
    except access.Forbidden:
        raise CaseForbidden(_("Your role may not take this action on this case.")) from None
    except Http404:
        raise CaseHidden(_("You cannot act on this case.")) from None
    if case.state not in ACTIONS[action]:
        raise CaseError(_("This action is not possible while the case is “%(state)s”.") % {
            "state": case.get_state_display()})


def _move(case: Case, *, to_state: str, now: datetime, **fields: object) -> None:
    """The conditional update: it succeeds only if nobody changed the state since the caller read the case."""
    won = Case.objects.filter(id=case.id, state=case.state).update(state=to_state, updated_at=now, **fields)
    if not won:
        raise CaseError(_("Someone else has just acted on this case. Reload the page to see its current state."))
    case.state = to_state
    case.updated_at = now
    for name, value in fields.items():
        setattr(case, name, value)


# --- opening and dispatching -----------------------------------------------------------------------------------

def _location_of(*, site: Site | None, enterprise: Enterprise | None, jurisdiction: Jurisdiction | None) -> Jurisdiction:
    if site is not None:
        return site.jurisdiction
    if enterprise is not None:
        return enterprise.village or enterprise.township
    if jurisdiction is None:
        raise CaseError(_("Say where the problem is: a site, an enterprise or a jurisdiction."))
    return jurisdiction


@transaction.atomic
def case_open(*, title: texts.Stored | str, category: str, source: str, severity: str = Severity.MEDIUM,
              by: User | None = None, description: texts.Stored | str = "", enterprise: Enterprise | None = None,
              site: Site | None = None, jurisdiction: Jurisdiction | None = None, location: str = "",
              subject: Model | None = None, alert: Alert | None = None,
              auto_dispatch: bool = True, now: datetime | None = None, is_demo: bool = False,
              lead_unit: Unit | None = None, support_units: Iterable[Unit] = ()) -> Case:
    """Opens a case and routes it; a routed case is dispatched at once, an unroutable one waits in the
    bureau's dispatch queue. A title or description the system writes is a stored text (lanqing.texts); a
    person's is a string. `lead_unit` (with `support_units`) replaces the matrix's answer when the subject
    names its own responsible units, as a key task does."""
    now = now or timezone.now()
    title, title_text = texts.split(title or "")
    title = title.strip()
    description, description_text = texts.split(description or "")
    if not title:
        raise CaseError(_("A case needs a title."))
    if category not in Category.values or source not in CaseSource.values or severity not in Severity.values:
        raise CaseError(_("Unknown category, source or severity."))
    if site is not None and enterprise is None:
        enterprise = site.enterprise
    where = _location_of(site=site, enterprise=enterprise, jurisdiction=jurisdiction)
    if by is not None and not access.may(by, "case.open"):
        raise CaseForbidden(_("Your role may not open cases."))
    if by is not None and not access.visible(by, Jurisdiction.objects.filter(id=where.id)).exists():
        raise CaseError(_("This place is outside your jurisdiction."))
    if lead_unit is not None:
        route = Route(township=township_of(where), lead_unit=lead_unit,
                      support_units=[unit for unit in support_units if unit.id != lead_unit.id])
    else:
        route = route_for(category=category, jurisdiction=where, enterprise=enterprise,
                          site_kind=site.kind if site is not None else "")
    if subject is None:
        subject = site or enterprise
    case = Case.objects.create(
        number=uuid.uuid4().hex[:20], title=title[:200], title_text=title_text, description=description,
        description_text=description_text, category=category,
        severity=severity, source=source, alert=alert, enterprise=enterprise, site=site, jurisdiction=where,
        township=route.township, location=location or (enterprise.address if enterprise else "") or where.name,
        longitude=getattr(site or enterprise, "longitude", None), latitude=getattr(site or enterprise, "latitude", None),
        subject_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
        subject_id=subject.pk if subject is not None else None,
        created_by=by, created_at=now, updated_at=now, is_demo=is_demo)
    case.number = f"DB{workdays.local_date(now):%Y}{case.id:06d}"
    Case.objects.filter(id=case.id).update(number=case.number)
    if alert is not None:
        case.alerts.add(alert)
    timeline_add(case, by=by, action="opened", now=now, note=description_text or description[:500], data={
        "source": source, "alert_id": alert.id if alert else None,
        "routed_by": route.rule.id if route.rule else None,
        "lead_unit": route.lead_unit.name if route.lead_unit else None,
        "township": route.township.name if route.township else None})
    if route.lead_unit is not None and auto_dispatch:
        _dispatch(case, by=None, unit=route.lead_unit, support=route.support_units, deadline=None, now=now,
                  note=texts.message(texts.gettext_noop("Routed by the responsibility matrix.")))
    else:
        if route.routed:
            case.lead_unit = route.lead_unit
            Case.objects.filter(id=case.id).update(lead_unit=route.lead_unit)
            case.support_units.set(route.support_units)
        tell(bureau(), case, texts.message(texts.gettext_noop("New case awaiting dispatch: %(number)s"),
                                                  number=case.number), now=now)
    return case


@transaction.atomic
def case_alert_join(*, case: Case, alert: Alert, by: User | None = None, now: datetime | None = None) -> Case:
    """A new alert about the case's subject and category joins the case instead of opening another: the
    timeline shows it, and the case cannot be closed while the alert is active."""
    now = now or timezone.now()
    if case.state == CaseState.CLOSED:
        raise CaseError(_("A closed case takes no new alerts."))
    if case.alerts.filter(id=alert.id).exists():
        return case
    case.alerts.add(alert)
    Case.objects.filter(id=case.id).update(updated_at=now)
    case.updated_at = now
    timeline_add(case, by=by, action="alert_joined", now=now, note=alert.message_text or alert.message,
                 data={"alert_id": alert.id})
    return case


def _dispatch(case: Case, *, by: User | None, unit: Unit, support: Iterable[Unit], deadline: datetime | None, now: datetime,
              note: texts.Stored | str = "") -> None:
    basis: texts.Stored | str
    if deadline is None:
        deadline, basis = case_deadline(case=case, start=now)
    else:
        basis = texts.message(texts.gettext_noop("Set by the bureau"))
    plain_basis, basis_text = texts.split(basis)
    previous = case.state
    _move(case, to_state=CaseState.DISPATCHED, now=now, lead_unit=unit, dispatched_at=now, deadline_at=deadline,
          deadline_basis=plain_basis[:200], deadline_basis_text=basis_text, escalation_level=EscalationLevel.NONE,
          reminded_at=None)
    case.support_units.set([u for u in support if u.id != unit.id])
    timeline_add(case, by=by, action="dispatched", from_state=previous, now=now, note=note,
                 data={"lead_unit": unit.name, "support_units": [u.name for u in case.support_units.all()],
                       "deadline": deadline.isoformat(), "basis": basis})
    tell(handlers(case) + rectifiers(case), case,
         texts.message(texts.gettext_noop("Case %(number)s dispatched to you; deadline %(deadline)s"),
                       number=case.number, deadline=texts.moment(deadline, precision="date")), now=now)


# A deadline years ahead is a typo (2207 for 2027) or a way to park a case beyond every escalation.
DEADLINE_HORIZON = timedelta(days=366)


def _check_deadline(deadline: datetime | None, now: datetime) -> None:
    if deadline is not None and deadline <= now:
        raise DeadlineInvalid(_("The deadline must lie in the future."))
    if deadline is not None and deadline > now + DEADLINE_HORIZON:
        raise DeadlineInvalid(_("The deadline may lie at most %(days)d days ahead.") % {"days": DEADLINE_HORIZON.days})


@transaction.atomic
def case_dispatch(*, case: Case, by: User, unit: Unit | None = None, support_units: Iterable[Unit] = (),
                  deadline: datetime | None = None, note: str = "", now: datetime | None = None) -> Case:
    now = now or timezone.now()
    _require(by, case, "dispatch")
    unit = unit or case.lead_unit
    if unit is None:
        raise CaseError(_("Choose the lead unit."))
    if not access.units_visible_to(by).filter(id=unit.id).exists():
        raise CaseError(_("This unit is outside your jurisdiction."))
    _check_deadline(deadline, now)
    _dispatch(case, by=by, unit=unit, support=support_units, deadline=deadline, now=now, note=note)
    return case


# --- handling ---------------------------------------------------------------------------------------------------

@transaction.atomic
def case_accept(*, case: Case, by: User, note: str = "", now: datetime | None = None) -> Case:
    now = now or timezone.now()
    _require(by, case, "accept")
    previous = case.state
    _move(case, to_state=CaseState.ACCEPTED, now=now)
    timeline_add(case, by=by, action="accepted", from_state=previous, now=now, note=note)
    return case


@transaction.atomic
def case_start(*, case: Case, by: User, note: str = "", now: datetime | None = None) -> Case:
    now = now or timezone.now()
    _require(by, case, "start")
    previous = case.state
    _move(case, to_state=CaseState.IN_PROGRESS, now=now)
    timeline_add(case, by=by, action="started", from_state=previous, now=now, note=note)
    return case


def _data_after_fix(case: Case, since: datetime) -> list[dict]:
    """For a monitoring case, the valid hourly values of the alert's factor since the case was dispatched."""
    alert = case.alert
    if alert is None or alert.point_id is None or alert.factor_id is None:
        return []
    rows = Measurement.objects.filter(point_id=alert.point_id, factor_id=alert.factor_id, period=Period.HOUR,
                                      time__gte=since).order_by("-time")[:24]
    return [{"time": m.time.isoformat(), "value": m.value, "flag": m.flag} for m in reversed(rows)]


@transaction.atomic
def case_submit(*, case: Case, by: User, text: str, files: Iterable = (), now: datetime | None = None) -> Case:
    """The rectification report: a text, optional photos and PDFs, and for monitoring cases the data since."""
    now = now or timezone.now()
    _require(by, case, "submit")
    text = (text or "").strip()
    if not text:
        raise CaseError(_("Describe what was done to rectify the problem."))
    try:
        checked = evidence_check(files)
    except EvidenceRefused as refusal:
        raise CaseError(str(refusal)) from None
    previous = case.state
    _move(case, to_state=CaseState.SUBMITTED, now=now)
    event = timeline_add(case, by=by, action="submitted", from_state=previous, now=now, note=text,
                         data={"data_after_fix": _data_after_fix(case, case.dispatched_at or case.created_at),
                               "files": len(checked)})
    for item in checked:
        evidence = Evidence(case=case, event=event, kind=item.kind, original_name=item.name,
                            content_type=item.content_type, size=len(item.data),
                            sha256=hashlib.sha256(item.data).hexdigest(), uploaded_by=by, uploaded_at=now)
        evidence.file.save(f"{case.number}-{uuid.uuid4().hex[:8]}{item.extension}", ContentFile(item.data),
                           save=False)
        evidence.save()
    tell(bureau(), case, texts.message(
        texts.gettext_noop("Rectification of %(number)s submitted for verification"), number=case.number), text,
        now=now)
    return case


# --- verification -----------------------------------------------------------------------------------------------

def case_close_blocker(case: Case) -> str | None:
    """Why the case cannot be signed off now whoever asks, or None: the case page shows this instead of the
    button, and case_close refuses with it."""
    if Alert.objects.filter(Q(id=case.alert_id) | Q(linked_cases=case), status=AlertStatus.ACTIVE).exists():
        return _("The alert behind this case is still active; the data do not show the fix yet.")
    return None


@transaction.atomic
def case_close(*, case: Case, by: User, note: str = "", now: datetime | None = None) -> Case:
    """Verified and closed (销号). A monitoring case any of whose alerts is still active cannot be signed off."""
    now = now or timezone.now()
    _require(by, case, "close")
    blocker = case_close_blocker(case)
    if blocker:
        raise CaseError(blocker)
    previous = case.state
    _move(case, to_state=CaseState.CLOSED, now=now, closed_at=now)
    timeline_add(case, by=by, action="closed", from_state=previous, now=now, note=note)
    accountability_resolve(case=case, outcome=AccountabilityOutcome.CLOSED_LATE, now=now)
    tell(handlers(case) + rectifiers(case), case, texts.message(
        texts.gettext_noop("Case %(number)s verified and closed"), number=case.number), now=now)
    return case


@transaction.atomic
def case_return(*, case: Case, by: User, reason: str, now: datetime | None = None) -> Case:
    now = now or timezone.now()
    _require(by, case, "return")
    reason = (reason or "").strip()
    if not reason:
        raise CaseError(_("Give the reason for returning the case."))
    previous = case.state
    _move(case, to_state=CaseState.RETURNED, now=now)
    timeline_add(case, by=by, action="returned", from_state=previous, now=now, note=reason)
    tell(handlers(case) + rectifiers(case), case, texts.message(
        texts.gettext_noop("Case %(number)s returned: more work needed"), number=case.number), reason, now=now)
    return case


@transaction.atomic
def case_reopen(*, case: Case, by: User, reason: str, now: datetime | None = None) -> Case:
    """Reopens a closed case (the problem came back): a new deadline runs from now."""
    now = now or timezone.now()
    _require(by, case, "reopen")
    reason = (reason or "").strip()
    if not reason:
        raise CaseError(_("Give the reason for reopening the case."))
    deadline, basis = case_deadline(case=case, start=now)
    plain_basis, basis_text = texts.split(basis)
    previous = case.state
    _move(case, to_state=CaseState.IN_PROGRESS, now=now, closed_at=None, deadline_at=deadline,
          deadline_basis=plain_basis[:200], deadline_basis_text=basis_text, escalation_level=EscalationLevel.NONE,
          reminded_at=None)
    timeline_add(case, by=by, action="reopened", from_state=previous, now=now, note=reason,
                 data={"deadline": deadline.isoformat()})
    tell(handlers(case) + rectifiers(case), case,
         texts.message(texts.gettext_noop("Case %(number)s reopened"), number=case.number), reason, now=now)
    return case


# --- extensions and urging ---------------------------------------------------------------------------------------

@transaction.atomic
def case_extension_request(*, case: Case, by: User, new_deadline: datetime, reason: str,
                           now: datetime | None = None) -> ExtensionRequest:
    now = now or timezone.now()
    _require(by, case, "request_extension")
    reason = (reason or "").strip()
    if not reason:
        raise CaseError(_("Give the reason for the extension."))
    _check_deadline(new_deadline, now)
    if case.deadline_at is not None and new_deadline <= case.deadline_at:
        raise CaseError(_("An extension must end after the current deadline."))
    if case.extensions.filter(status=ExtensionStatus.PENDING).exists():
        raise CaseError(_("An extension request for this case is already waiting for a decision."))
    extension = ExtensionRequest.objects.create(case=case, requested_by=by, requested_at=now,
                                                new_deadline=new_deadline, reason=reason)
    timeline_add(case, by=by, action="extension_requested", now=now, note=reason,
                 data={"extension_id": extension.id, "new_deadline": new_deadline.isoformat()})
    Case.objects.filter(id=case.id).update(updated_at=now)
    tell(bureau(), case, texts.message(texts.gettext_noop("Extension requested for case %(number)s"),
                                              number=case.number), reason, now=now)
    return extension


@transaction.atomic
def case_extension_decide(*, extension: ExtensionRequest, by: User, approve: bool, note: str = "",
                          now: datetime | None = None) -> ExtensionRequest:
    now = now or timezone.now()
    case = extension.case
    _require(by, case, "decide_extension")
    status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
    won = ExtensionRequest.objects.filter(id=extension.id, status=ExtensionStatus.PENDING).update(
        status=status, decided_by=by, decided_at=now)
    if not won:
        raise CaseError(_("This extension request has already been decided."))
    extension.status, extension.decided_by, extension.decided_at = status, by, now
    if approve:
        _check_deadline(extension.new_deadline, now)
        plain_basis, basis_text = texts.split(texts.message(texts.gettext_noop("Extended by the bureau")))
        Case.objects.filter(id=case.id).update(deadline_at=extension.new_deadline, escalation_level=0,
                                               reminded_at=None, updated_at=now,
                                               deadline_basis=plain_basis[:200], deadline_basis_text=basis_text)
        case.deadline_at, case.escalation_level, case.reminded_at = extension.new_deadline, 0, None
        accountability_resolve(case=case, outcome=AccountabilityOutcome.EXTENDED, now=now)
    timeline_add(case, by=by, action="extension_approved" if approve else "extension_rejected", now=now, note=note,
                 data={"extension_id": extension.id, "new_deadline": extension.new_deadline.isoformat()})
    tell(handlers(case) + rectifiers(case), case,
         texts.message(texts.gettext_noop("Extension of case %(number)s approved") if approve else
                       texts.gettext_noop("Extension of case %(number)s refused"), number=case.number), note,
         now=now)
    return extension


@transaction.atomic
def case_urge(*, case: Case, by: User, note: str = "", now: datetime | None = None) -> Case:
    now = now or timezone.now()
    _require(by, case, "urge")
    timeline_add(case, by=by, action="urged", now=now, note=note)
    Case.objects.filter(id=case.id).update(updated_at=now)
    tell(handlers(case) + rectifiers(case), case,
         texts.message(texts.gettext_noop("Urgent: case %(number)s"), number=case.number), note, now=now)
    return case


# --- leadership instructions and supporting units' parts ---------------------------------------------------------

@transaction.atomic
def case_instruct(*, case: Case, by: User, text: str, now: datetime | None = None) -> CaseEvent:
    """County leadership's instruction (批示) on a case: kept on the timeline as typed, and the lead unit is told
    (the bureau while no unit leads the case)."""
    now = now or timezone.now()
    _require(by, case, "instruct")
    text = (text or "").strip()
    if not text:
        raise CaseError(_("Write the instruction."))
    event = timeline_add(case, by=by, action="instructed", now=now, note=text)
    Case.objects.filter(id=case.id).update(updated_at=now)
    title = texts.message(gettext_noop("Leadership instruction on case %(number)s"), number=case.number)
    tell(lead(case), case, title, text, now=now)
    return event


@transaction.atomic
def case_contribute(*, case: Case, by: User, text: str, now: datetime | None = None) -> CaseEvent:
    """A supporting unit adds its part of the work (配合): kept on the timeline as typed; the lead is told."""
    now = now or timezone.now()
    _require(by, case, "contribute")
    text = (text or "").strip()
    if not text:
        raise CaseError(_("Describe your unit's part of the work."))
    event = timeline_add(case, by=by, action="contributed", now=now, note=text)
    Case.objects.filter(id=case.id).update(updated_at=now)
    title = texts.message(gettext_noop("A supporting unit reported on case %(number)s"), number=case.number)
    tell(lead(case), case, title, text, now=now)
    return event
