"""Writes on public reports: filing one (it opens a case), the bureau's acceptance or refusal, replies and
notes, and the reporter's rating and reopening. Each is atomic; the case workflow stays in lanqing.cases."""

from __future__ import annotations

import hashlib
import math
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lanqing import texts
from lanqing.cases import workdays
from lanqing.cases.clock import case_deadline
from lanqing.cases.models import Case, CaseSource, CaseState, Category, Evidence, EvidenceKind
from lanqing.cases.recipients import bureau, handlers, tell
from lanqing.cases.timeline import timeline_add
from lanqing.cases.transitions import CaseError, case_dispatch, case_open
from lanqing.org import access
from lanqing.org.boundary import boundary_polygons, contains
from lanqing.org.divisions import GU_COUNTY_BOUNDARY
from lanqing.org.models import Jurisdiction, Level
from lanqing.public.models import (
    CATEGORY_KEYS,
    REASON_KEYS,
    Decision,
    ModerationKind,
    PublicReport,
    RateEvent,
    RefusalReason,
    ReportCategory,
    ReporterContact,
    ReportModeration,
)
from lanqing.public.photos import Photo

# Tracking codes: 12 characters from 31 that cannot be mistaken for each other (no 0/O, 1/I/L), about 59 bits;
# with failed look-ups limited per address, guessing one is futile.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
# The 12369 acceptance clock: accepted or refused within 2 working days (Fujian 2018, Shaanxi; spec 1.1).
ACCEPT_WORKING_DAYS = 2
MAX_DESCRIPTION = 4000
# Rate limits, per network address and per phone number.
REPORTS_PER_ADDRESS = (5, timedelta(hours=1))
REPORTS_PER_PHONE = (3, timedelta(days=1))
MISSED_LOOKUPS_PER_ADDRESS = (20, timedelta(hours=1))
# Probable duplicates: same category, within this distance and this time of each other.
DUPLICATE_RADIUS_KM = 0.5
DUPLICATE_WINDOW = timedelta(days=7)


class ReportError(ValueError):
    """Bad input or a refused step; the message is for the person and nothing was stored."""


class RateLimited(ReportError):
    """Too many attempts from one address or phone (HTTP 429)."""


@dataclass(frozen=True)
class Filing:
    category: str
    description: str
    observed_at: datetime
    division: Jurisdiction | None = None
    longitude: Decimal | None = None
    latitude: Decimal | None = None
    name: str = ""
    phone: str = ""


# --- rate limits -----------------------------------------------------------------------------------------------

def _hashed(value: str) -> str:
    # Phone numbers are counted, not kept, in the rate table.
    return hashlib.sha256(value.encode()).hexdigest()


def rate_exceeded(kind: str, key: str, limit: tuple[int, timedelta], now: datetime) -> bool:
    count, window = limit
    # Whether a count-th event exists in the window: on the index, and lighter to build than COUNT(*) (this runs
    # on every look-up of the tracking page).
    return RateEvent.objects.filter(kind=kind, key=key, at__gt=now - window).order_by()[count - 1:count].exists()


def _misses(client_address: str, now: datetime) -> QuerySet[RateEvent]:
    """The address's limit-th unknown tracking code in the window, if there is one."""
    count, window = MISSED_LOOKUPS_PER_ADDRESS
    return RateEvent.objects.filter(kind="lookup_miss", key=client_address, at__gt=now - window).order_by()[
        count - 1:count]


def rate_count(kind: str, key: str, now: datetime) -> None:
    RateEvent.objects.create(kind=kind, key=key, at=now)


# --- where --------------------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _county_polygons() -> list:
    return boundary_polygons(GU_COUNTY_BOUNDARY)


def inside_county(longitude: float, latitude: float) -> bool:
    return contains(_county_polygons(), longitude, latitude)


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    # Haversine on a sphere of the Earth's mean radius; metres matter here, not millimetres.
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def probable_duplicates_of(report: PublicReport) -> list[PublicReport]:
    """Earlier reports of the same category within the radius and window (or of the same village or township
    when either has no point on the map)."""
    candidates = PublicReport.objects.filter(
        category=report.category, submitted_at__gte=report.submitted_at - DUPLICATE_WINDOW,
        submitted_at__lte=report.submitted_at).exclude(id=report.id)
    found = []
    for other in candidates.only("id", "longitude", "latitude", "division_id"):
        if None not in (report.longitude, report.latitude, other.longitude, other.latitude):
            near = _distance_km((float(report.longitude), float(report.latitude)),  # type: ignore[arg-type]
                                (float(other.longitude), float(other.latitude))) <= DUPLICATE_RADIUS_KM  # type: ignore[arg-type]
        else:
            near = report.division_id is not None and report.division_id == other.division_id
        if near:
            found.append(other)
    return found


# --- filing ---------------------------------------------------------------------------------------------------------

def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not PublicReport.objects.filter(code=code).exists():
            return code


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:CODE_LENGTH + 4]


def _check(filing: Filing, now: datetime) -> None:
    description = filing.description.strip()
    if filing.category not in ReportCategory.values:
        raise ReportError(_("Choose what kind of pollution you report."))
    if len(description) < 5:
        raise ReportError(_("Describe what you saw, heard or smelt, in a few words at least."))
    if len(description) > MAX_DESCRIPTION:
        raise ReportError(_("The description may be at most %(count)d characters long.") % {
            "count": MAX_DESCRIPTION})
    if filing.observed_at > now + timedelta(minutes=5):
        raise ReportError(_("The time you observed it lies in the future."))
    if filing.observed_at < now - timedelta(days=365):
        raise ReportError(_("The time you observed it is more than a year ago."))
    has_point = filing.longitude is not None and filing.latitude is not None
    if (filing.longitude is None) != (filing.latitude is None):
        raise ReportError(_("The place on the map is incomplete; tap the map again."))
    if has_point and not inside_county(float(filing.longitude), float(filing.latitude)):  # type: ignore[arg-type]
        raise ReportError(_("The place you chose lies outside the county."))
    if filing.division is not None and filing.division.level not in (Level.TOWNSHIP, Level.VILLAGE):
        raise ReportError(_("Choose a township or village."))
    if not has_point and filing.division is None:
        raise ReportError(_("Say where: tap the map or choose the township and village."))
    phone = filing.phone.strip()
    if phone and not (phone.replace("-", "").replace(" ", "").isdigit() and 7 <= len(phone) <= 20):
        raise ReportError(_("The phone number may contain only digits, spaces and dashes."))


@transaction.atomic
def report_submit(*, filing: Filing, photos: list[Photo], client_address: str | None,
                  now: datetime | None = None, is_demo: bool = False) -> PublicReport:
    """Files a report: checks it whole, opens its case (routed by the responsibility matrix, awaiting the
    bureau's acceptance), keeps the photos as the case's evidence and links probable duplicates."""
    now = now or timezone.now()
    _check(filing, now)
    phone = filing.phone.strip()
    if client_address and rate_exceeded("report", client_address, REPORTS_PER_ADDRESS, now):
        raise RateLimited(_("Too many reports from your network in a short time. Please try again later."))
    if phone and rate_exceeded("report_phone", _hashed(phone), REPORTS_PER_PHONE, now):
        raise RateLimited(_("Too many reports with this phone number today. Please try again tomorrow."))
    county = Jurisdiction.objects.filter(level=Level.COUNTY).order_by("code").first()
    where = filing.division or county
    if where is None:
        raise ReportError(_("The county's divisions are not loaded yet."))
    category_label = texts.message(CATEGORY_KEYS[filing.category])
    case = case_open(
        title=texts.message(texts.gettext_noop("Public report: %(category)s at %(place)s"),
                            category=category_label, place=where.name),
        description=texts.message(texts.gettext_noop(
            "Filed on the public site; the reporter's account is on the report page.")),
        category=Category.COMPLAINT, source=CaseSource.PUBLIC_REPORT, jurisdiction=where, by=None,
        auto_dispatch=False, now=now, is_demo=is_demo)
    if filing.longitude is not None:
        Case.objects.filter(id=case.id).update(longitude=filing.longitude, latitude=filing.latitude)
    report = PublicReport.objects.create(
        code=_new_code(), case=case, category=filing.category, description=filing.description.strip(),
        division=filing.division, longitude=filing.longitude, latitude=filing.latitude,
        observed_at=filing.observed_at, submitted_at=now, client_address=client_address or None,
        accept_by=workdays.deadline_after(now, ACCEPT_WORKING_DAYS), is_demo=is_demo)
    if filing.name.strip() or phone:
        ReporterContact.objects.create(report=report, name=filing.name.strip()[:50], phone=phone[:20])
    event = case.events.order_by("id").first()
    for photo in photos:
        evidence = Evidence(case=case, event=event, kind=EvidenceKind.PHOTO, original_name=photo.name,
                            content_type=photo.content_type, size=len(photo.data),
                            sha256=hashlib.sha256(photo.data).hexdigest(), uploaded_by=None, uploaded_at=now)
        evidence.file.save(f"{case.number}-{uuid.uuid4().hex[:8]}{photo.extension}", ContentFile(photo.data),
                           save=False)
        evidence.save()
    duplicates = probable_duplicates_of(report)
    if duplicates:
        report.probable_duplicates.add(*duplicates)
    if client_address:
        rate_count("report", client_address, now)
    if phone:
        rate_count("report_phone", _hashed(phone), now)
    timeline_add(case, by=None, action="report_received", now=now, public=True, note=texts.message(
        texts.gettext_noop("Your report was received. It will be accepted or refused by %(date)s."),
        date=texts.moment(report.accept_by, precision="date")))
    return report


# --- the bureau's decision ------------------------------------------------------------------------------------------

def _decided(report: PublicReport, decision: str, now: datetime, **fields: object) -> None:
    won = PublicReport.objects.filter(id=report.id, decision=Decision.PENDING).update(
        decision=decision, decided_at=now, **fields)
    if not won:
        raise ReportError(_("This report has already been decided."))
    report.decision, report.decided_at = decision, now
    for name, value in fields.items():
        setattr(report, name, value)


@transaction.atomic
def report_accept(*, report: PublicReport, by: User, now: datetime | None = None) -> PublicReport:
    """受理: the reporter is told; the case goes to the unit the matrix names, with the statutory deadline
    (or waits in the dispatch queue when the matrix names none)."""
    now = now or timezone.now()
    access.require(by, "complaint.decide", report)
    _decided(report, Decision.ACCEPTED, now)
    case = Case.objects.get(id=report.case_id)
    timeline_add(case, by=by, action="report_accepted", now=now, public=True, note=texts.message(
        texts.gettext_noop("Your report was accepted and passed to the responsible unit.")))
    if case.state == CaseState.DRAFT and case.lead_unit_id is not None:
        try:
            case_dispatch(case=case, by=by, unit=case.lead_unit, support_units=list(case.support_units.all()),
                          now=now)
        except CaseError as error:
            raise ReportError(str(error)) from None
    return report


@transaction.atomic
def report_refuse(*, report: PublicReport, by: User, reason: str, note: str,
                  now: datetime | None = None) -> PublicReport:
    """不予受理 with its reason, told to the reporter; a matter for another organ names that organ."""
    now = now or timezone.now()
    access.require(by, "complaint.decide", report)
    note = (note or "").strip()
    if reason not in RefusalReason.values:
        raise ReportError(_("Choose the reason the report is not accepted."))
    if reason == RefusalReason.NOT_OUR_REMIT and not note:
        raise ReportError(_("Tell the reporter which office handles this matter."))
    case = Case.objects.get(id=report.case_id)
    if case.state != CaseState.DRAFT:
        raise ReportError(_("The case of this report has already been dispatched; it can no longer be refused."))
    _decided(report, Decision.REFUSED, now, refusal_reason=reason, refusal_note=note)
    if not Case.objects.filter(id=case.id, state=CaseState.DRAFT).update(
            state=CaseState.CLOSED, closed_at=now, updated_at=now):
        raise ReportError(_("Someone else has just acted on this case. Reload the page to see its current state."))
    case.state = CaseState.CLOSED
    reason_label = texts.message(REASON_KEYS[reason])
    timeline_add(case, by=by, action="report_refused", from_state=CaseState.DRAFT, now=now, public=True,
                 note=texts.message(texts.gettext_noop("Your report was not accepted: %(reason)s"),
                                    reason=reason_label), data={"reason": reason, "explanation": note})
    return report


@transaction.atomic
def report_reply(*, report: PublicReport, by: User, text: str, public: bool,
                 now: datetime | None = None) -> None:
    """A reply shown to the reporter on the tracking page, or a note only staff read."""
    now = now or timezone.now()
    access.require(by, "complaint.reply", report)
    text = (text or "").strip()
    if not text:
        raise ReportError(_("Write the reply or the note."))
    if len(text) > MAX_DESCRIPTION:
        raise ReportError(_("The text may be at most %(count)d characters long.") % {"count": MAX_DESCRIPTION})
    timeline_add(report.case, by=by, action="public_reply" if public else "internal_note", now=now, note=text,
                 public=public)
    Case.objects.filter(id=report.case_id).update(updated_at=now)


def reports_acceptance_check(*, now: datetime | None = None) -> int:
    """Tells the bureau, once per report, that a report was neither accepted nor refused in time; returns how
    many were found."""
    now = now or timezone.now()
    told = 0
    for report in PublicReport.objects.filter(decision=Decision.PENDING, accept_by__lt=now,
                                              overdue_told_at__isnull=True).select_related("case"):
        with transaction.atomic():
            if not PublicReport.objects.filter(id=report.id, overdue_told_at__isnull=True).update(
                    overdue_told_at=now):
                continue
            timeline_add(report.case, by=None, action="acceptance_overdue", now=now,
                         data={"accept_by": report.accept_by.isoformat()})
            tell(bureau(), report.case, texts.message(texts.gettext_noop(
                "Public report of case %(number)s was not accepted or refused by %(date)s"),
                number=report.case.number, date=texts.moment(report.accept_by, precision="date")), now=now)
            told += 1
    return told


# --- the reporter ---------------------------------------------------------------------------------------------------

def report_for_code(code: str, *, client_address: str | None, now: datetime | None = None,
                    only: tuple[str, ...] = ()) -> PublicReport:
    """The report a tracking code names; every miss counts against the address so codes cannot be guessed.
    `only`: the report's and its case's fields a reader needs (the others are loaded when touched)."""
    now = now or timezone.now()
    found = PublicReport.objects.select_related("case").filter(code=normalise_code(code))
    if client_address:
        # The tracking page's hot path is one statement: the report, and whether the address is over its limit.
        found = found.annotate(limited=Exists(_misses(client_address, now)))
    # The code is unique: no ordering to compile or sort.
    report = next(iter((found.only(*only) if only else found).order_by()[:1]), None)
    # `limited` is there only when an address was given.
    if report is not None and getattr(report, "limited", False):
        raise RateLimited(_("Too many unknown tracking codes from your network. Please try again later."))
    if report is None:
        if client_address and _misses(client_address, now).exists():
            raise RateLimited(_("Too many unknown tracking codes from your network. Please try again later."))
        if client_address:
            rate_count("lookup_miss", client_address, now)
        raise ReportError(_("No report has this tracking code. Check the code and try again."))
    return report


@transaction.atomic
def report_rate(*, report: PublicReport, rating: int, note: str = "", now: datetime | None = None) -> None:
    now = now or timezone.now()
    if report.case.state != CaseState.CLOSED or report.decision != Decision.ACCEPTED:
        raise ReportError(_("A report can be rated once it has been handled."))
    if rating not in range(1, 6):
        raise ReportError(_("Choose from one to five stars."))
    note = (note or "").strip()[:MAX_DESCRIPTION]
    if not PublicReport.objects.filter(id=report.id, rated_at__isnull=True).update(
            rating=rating, rating_note=note, rated_at=now):
        raise ReportError(_("This report has already been rated."))
    report.rating, report.rating_note, report.rated_at = rating, note, now
    timeline_add(report.case, by=None, action="reporter_rated", now=now, note=note,
                 data={"rating": rating}, public=True)


@transaction.atomic
def report_reopen(*, report: PublicReport, reason: str, now: datetime | None = None) -> None:
    """The reporter reopens a handled report once, with a reason: the case returns to its handlers with a
    new statutory deadline, and the bureau is told."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ReportError(_("Say why the problem is not solved."))
    if len(reason) > MAX_DESCRIPTION:
        raise ReportError(_("The text may be at most %(count)d characters long.") % {"count": MAX_DESCRIPTION})
    case = Case.objects.get(id=report.case_id)
    if case.state != CaseState.CLOSED or report.decision != Decision.ACCEPTED:
        raise ReportError(_("Only a handled report can be reopened."))
    if not PublicReport.objects.filter(id=report.id, reopened_at__isnull=True).update(
            reopened_at=now, reopen_reason=reason):
        raise ReportError(_("A report can be reopened only once."))
    report.reopened_at, report.reopen_reason = now, reason
    deadline, basis = case_deadline(case=case, start=now)
    plain_basis, basis_text = texts.split(basis)
    if not Case.objects.filter(id=case.id, state=CaseState.CLOSED).update(
            state=CaseState.IN_PROGRESS, closed_at=None, deadline_at=deadline, deadline_basis=plain_basis[:200],
            deadline_basis_text=basis_text, escalation_level=0, reminded_at=None, updated_at=now):
        raise ReportError(_("Someone else has just acted on this case. Reload the page to see its current state."))
    case.state = CaseState.IN_PROGRESS
    timeline_add(case, by=None, action="reporter_reopened", from_state=CaseState.CLOSED, now=now, note=reason,
                 data={"deadline": deadline.isoformat()}, public=True)
    tell(handlers(case) + bureau(), case, texts.message(
        texts.gettext_noop("Case %(number)s reopened by the reporter"), number=case.number), reason, now=now)


# --- moderation -----------------------------------------------------------------------------------------------------

@transaction.atomic
def report_moderate(*, report: PublicReport, by: User, kind: str, reason: str, text: str = "",
                    now: datetime | None = None) -> ReportModeration:
    """Hides, shows again or redacts a report, with the reason; every step is recorded with the text before."""
    now = now or timezone.now()
    access.require(by, "complaint.moderate", report)
    reason = (reason or "").strip()
    if kind not in ModerationKind.values:
        raise ReportError(_("Choose hide, show or redact."))
    if not reason:
        raise ReportError(_("Give the reason for the moderation."))
    before = ""
    if kind == ModerationKind.REDACT:
        text = (text or "").strip()
        if not text or len(text) > MAX_DESCRIPTION:
            raise ReportError(_("Write the redacted description (at most %(count)d characters).") % {
                "count": MAX_DESCRIPTION})
        before = report.description
        report.description = text
        PublicReport.objects.filter(id=report.id).update(description=text)
    else:
        report.hidden = kind == ModerationKind.HIDE
        PublicReport.objects.filter(id=report.id).update(hidden=report.hidden)
    return ReportModeration.objects.create(report=report, kind=kind, by=by, at=now, reason=reason, before=before)
