"""Data marks of enterprises (标记, supervision.md §3.2): an enterprise reports that one of its outlets, or one
device of it, is stopped (停产, 停运) or under maintenance (维护) for a period, with a reason and a supporting
document. Values under a valid mark are no basis for an exceedance ("标记为无效的自动监测数据，不作为超标判定依据",
MEE 执法局 Q&A); alerts.exceedances asks :func:`marked_keys` before it judges a value.

The document is due by the end of the DOCUMENT_DAY-th day (Beijing time) of the month after the one in which
the mark's period starts. A mark still without it then reverts (:func:`marks_revert_overdue`, a periodic task):
the reversion is recorded in the mark's history, the enterprise and the bureau are told, and the covered hours
are judged again, so an exceedance in them now raises its alert. The bureau may revoke a mark it finds false
(Jiangxi 2022: 虚报停产 and 虚报故障 are 弄虚作假), with the same effect.
"""

from __future__ import annotations

import uuid
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from lanqing import texts
from lanqing.jobs.registry import periodic
from lanqing.monitoring.measurements import JUDGED_PERIODS, new_values_add
from lanqing.monitoring.models import (
    VALID_MARK_STATES,
    DataMark,
    DataMarkEvent,
    Device,
    MarkEventKind,
    MarkKind,
    MarkState,
    Measurement,
    Period,
    Point,
    Site,
    SiteKind,
    document_last_day,
)
from lanqing.notifications.services import notification_send
from lanqing.org import access
from lanqing.org.models import Role
from lanqing.texts import gettext_noop
from lanqing.ui.uploads import document_refusal, document_type

# [U] The document is due by the 10th of the month after the mark's period starts: one local platform's rule
# for 停产/停运 marks, from a weak secondary source (supervision.md §3.2: the 2022 national rule's deadlines were
# not found). The day counts whole: a document uploaded on the 10th keeps the mark, one on the 11th is too late.
DOCUMENT_DAY = 10
# Our own bound, not a rule's: a longer stop is a change of the outlet's registration, not a mark.
MAX_DAYS = 366
# The span of time a stored value stands for (its time is the interval's start).
SPAN: dict[str, timedelta] = {Period.HOUR: timedelta(hours=1), Period.DAY: timedelta(days=1)}

# The kinds as message keys, for stored texts (the same msgids as MarkKind's labels).
KIND_KEYS = {
    MarkKind.PRODUCTION_STOPPED: gettext_noop("Production stopped"),
    MarkKind.FACILITY_STOPPED: gettext_noop("Facility stopped"),
    MarkKind.MAINTENANCE: gettext_noop("Maintenance"),
}


@dataclass
class MarkRefused(ValueError):
    """A mark or a step on it that the rules refuse, with the reason as a stored text."""

    reason: texts.Stored | str

    def __str__(self) -> str:
        return texts.render(self.reason)


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def document_due(starts_at: datetime) -> datetime:
    """The moment a mark starting at `starts_at` reverts without its document: the start of the day after
    DOCUMENT_DAY of the next month, local time."""
    local = timezone.localtime(starts_at, _zone())
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return datetime(year, month, DOCUMENT_DAY, tzinfo=_zone()) + timedelta(days=1)


# --- writing ----------------------------------------------------------------------------------------------------

def _refuse(key: str, **params) -> MarkRefused:
    return MarkRefused(texts.message(key, **params))


def _check_period(starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise _refuse(gettext_noop("Give times with their time zone."))
    if ends_at <= starts_at:
        raise _refuse(gettext_noop("A mark ends after it starts."))
    if ends_at - starts_at > timedelta(days=MAX_DAYS):
        raise _refuse(gettext_noop("A mark covers at most %(days)s days."), days=MAX_DAYS)
    due = document_due(starts_at)
    if due <= now:
        raise _refuse(gettext_noop("A period starting %(start)s can no longer be marked: its document was due "
                                   "by %(due)s."), start=texts.moment(starts_at, precision="datetime"),
                      due=texts.moment(document_last_day(due), precision="date"))


def mark_create(*, by, site: Site, kind: str, reason: str, starts_at: datetime, ends_at: datetime,
                device: Device | None = None, document: tuple[str, bytes] | None = None,
                now: datetime | None = None, is_demo: bool = False) -> DataMark:
    """Marks a period of an outlet of the user's own enterprise (or of one of its devices); `document` is
    (file name, bytes) when the supporting document comes with the mark."""
    now = now or timezone.now()
    access.require(by, "mark.create", site)
    if site.kind != SiteKind.OUTLET:
        raise _refuse(gettext_noop("Only an outlet's data can be marked."))
    if kind not in MarkKind.values:
        raise _refuse(gettext_noop("Choose what the mark reports: production stopped, facility stopped or "
                                   "maintenance."))
    if device is not None and Point.objects.filter(id=device.point_id, site_id=site.id).count() == 0:
        raise _refuse(gettext_noop("The device %(mn)s does not belong to the outlet %(site)s."), mn=device.mn,
                      site=site.name)
    reason = reason.strip()
    if not reason:
        raise _refuse(gettext_noop("Give the reason for the mark."))
    _check_period(starts_at, ends_at, now)
    if document is not None:
        _check_document(document[1])
    _check_overlap(site=site, device=device, starts_at=starts_at, ends_at=ends_at)
    with transaction.atomic():
        # Checked again under the outlet's row lock (PostgreSQL; SQLite writes one at a time anyway), so two
        # overlapping marks made at the same moment cannot both be stored.
        list(Site.objects.select_for_update().filter(id=site.id).values_list("id", flat=True))
        _check_overlap(site=site, device=device, starts_at=starts_at, ends_at=ends_at)
        mark = DataMark.objects.create(site=site, device=device, kind=kind, reason=reason[:500],
                                       starts_at=starts_at, ends_at=ends_at, document_due=document_due(starts_at),
                                       created_by=by, created_at=now, is_demo=is_demo)
        _event(mark, MarkEventKind.CREATED, by=by, at=now, text=texts.message(
            gettext_noop("%(kind)s marked from %(start)s to %(end)s; the document is due by %(due)s."),
            kind=texts.message(KIND_KEYS[MarkKind(kind)]), start=texts.moment(starts_at),
            end=texts.moment(ends_at), due=texts.moment(document_last_day(mark.document_due), precision="date")))
        if document is not None:
            _attach(mark, document, by=by, now=now)
        # Values already judged in the period are judged again, now under the mark.
        _judge_again(mark)
    return mark


def _check_overlap(*, site: Site, device: Device | None, starts_at: datetime, ends_at: datetime) -> None:
    """Refuses a period overlapping a valid mark of the outlet that covers the same values: either mark is of
    the whole outlet, or both are of the same device. One value under two marks would leave it unclear which
    document supports it and what a revocation of one of them means."""
    overlapping = DataMark.objects.filter(site=site, state__in=VALID_MARK_STATES, starts_at__lt=ends_at,
                                          ends_at__gt=starts_at)
    if device is not None:
        overlapping = overlapping.filter(Q(device__isnull=True) | Q(device=device))
    existing = overlapping.order_by("starts_at", "id").first()
    if existing is not None:
        raise _refuse(gettext_noop("The period overlaps the valid mark of this outlet from %(start)s to %(end)s "
                                   "(%(kind)s); choose a period outside it."),
                      start=texts.moment(existing.starts_at, precision="datetime"),
                      end=texts.moment(existing.ends_at, precision="datetime"),
                      kind=texts.message(KIND_KEYS[MarkKind(existing.kind)]))


def _check_document(data: bytes) -> None:
    refusal = document_refusal(data)
    if refusal is not None:
        raise MarkRefused(refusal)  # already in the reader's language


def _store(mark: DataMark, document: tuple[str, bytes], *, now: datetime) -> None:
    """Saves the file and points the mark (not yet saved) at it; the file it pointed to stays on disk."""
    name, data = document
    found = document_type(data)
    assert found is not None  # _check_document refused anything else
    content_type, extension = found
    mark.document.save(f"mark-{mark.id}-{uuid.uuid4().hex[:8]}{extension}", ContentFile(data), save=False)
    mark.document_name = (name or f"document{extension}")[:200]
    mark.document_type = content_type
    mark.documented_at = now


def _attach(mark: DataMark, document: tuple[str, bytes], *, by, now: datetime) -> None:
    _store(mark, document, now=now)
    mark.state = MarkState.DOCUMENTED
    mark.save(update_fields=["document", "document_name", "document_type", "documented_at", "state"])
    _event(mark, MarkEventKind.DOCUMENTED, by=by, at=now, text=mark.document_name)


def mark_document(*, by, mark: DataMark, name: str, data: bytes, now: datetime | None = None) -> DataMark:
    """Attaches the supporting document to a mark awaiting it, before its deadline."""
    now = now or timezone.now()
    access.require(by, "mark.document", mark)
    if mark.state != MarkState.AWAITING:
        raise _refuse(gettext_noop("This mark is not awaiting a document."))
    if now >= mark.document_due:
        raise _refuse(gettext_noop("The document was due by %(due)s; the mark reverts."),
                      due=texts.moment(document_last_day(mark.document_due), precision="date"))
    _check_document(data)
    with transaction.atomic():
        # Claimed with a conditional update: the reverting task and this upload never both succeed.
        if not DataMark.objects.filter(id=mark.id, state=MarkState.AWAITING).update(state=MarkState.DOCUMENTED):
            raise _refuse(gettext_noop("This mark is not awaiting a document."))
        _attach(mark, (name, data), by=by, now=now)
    return mark


def mark_document_replace(*, by, mark: DataMark, name: str, data: bytes,
                          now: datetime | None = None) -> DataMark:
    """Replaces the document of a valid, documented mark before its deadline (the enterprise uploaded the wrong
    file). The replaced file is kept, named in the mark's history, for the audit."""
    now = now or timezone.now()
    access.require(by, "mark.document", mark)
    if mark.state != MarkState.DOCUMENTED:
        raise _refuse(gettext_noop("Only a valid mark with its document can have the document replaced."))
    if now >= mark.document_due:
        raise _refuse(gettext_noop("The document was due by %(due)s; it can no longer be replaced."),
                      due=texts.moment(document_last_day(mark.document_due), precision="date"))
    _check_document(data)
    old_file, old_name, old_type = mark.document.name, mark.document_name, mark.document_type
    with transaction.atomic():
        # Claimed with a conditional update on the state and the file: a revocation, or another replacement of
        # the same file, and this replacement never both succeed, and no replaced file goes unrecorded.
        if not DataMark.objects.filter(id=mark.id, state=MarkState.DOCUMENTED, document=old_file).update(
                documented_at=now):
            raise _refuse(gettext_noop("The mark changed meanwhile; open it again to see its document."))
        _store(mark, (name, data), now=now)
        mark.save(update_fields=["document", "document_name", "document_type", "documented_at"])
        plain, stored = texts.split(texts.message(
            gettext_noop("The document %(old)s was replaced by %(new)s; the replaced file is kept."),
            old=old_name, new=mark.document_name))
        DataMarkEvent.objects.create(mark=mark, kind=MarkEventKind.REPLACED, by=by, at=now, text=plain[:500],
                                     text_text=stored, document=old_file, document_name=old_name,
                                     document_type=old_type)
    return mark


def mark_revoke(*, by, mark: DataMark, reason: str, now: datetime | None = None) -> DataMark:
    """The bureau sets a mark aside (a false or unsupported report): its hours count again."""
    now = now or timezone.now()
    access.require(by, "mark.revoke", mark)
    reason = reason.strip()
    if not reason:
        raise _refuse(gettext_noop("Give the reason for revoking the mark."))
    with transaction.atomic():
        if not DataMark.objects.filter(id=mark.id, state__in=VALID_MARK_STATES).update(state=MarkState.REVOKED):
            raise _refuse(gettext_noop("This mark is no longer valid."))
        mark.state = MarkState.REVOKED
        _event(mark, MarkEventKind.REVOKED, by=by, at=now, text=reason[:500])
        _judge_again(mark)
        _tell(_enterprise_users(mark), mark, texts.message(
            gettext_noop("%(enterprise)s %(site)s: the bureau revoked the mark (%(kind)s); its hours "
                         "count again."),
            kind=texts.message(KIND_KEYS[MarkKind(mark.kind)]), enterprise=_enterprise_name(mark),
            site=mark.site.name), now=now)
    return mark


def marks_revert_overdue(*, now: datetime | None = None) -> int:
    """Reverts every mark whose document is overdue; returns how many. Safe beside another worker: each mark is
    claimed with a conditional update."""
    now = now or timezone.now()
    reverted = 0
    for mark in (DataMark.objects.filter(state=MarkState.AWAITING, document_due__lte=now)
                 .select_related("site__enterprise")):
        with transaction.atomic():
            if not DataMark.objects.filter(id=mark.id, state=MarkState.AWAITING).update(state=MarkState.REVERTED):
                continue
            mark.state = MarkState.REVERTED
            due = texts.moment(document_last_day(mark.document_due), precision="date")
            _event(mark, MarkEventKind.REVERTED, by=None, at=now, text=texts.message(
                gettext_noop("No document by %(due)s: the mark reverted and its hours count again."), due=due))
            _judge_again(mark)
            _tell(_enterprise_users(mark) + _bureau_users(), mark, texts.message(
                gettext_noop("%(enterprise)s %(site)s: the mark (%(kind)s) reverted, no document by "
                             "%(due)s."),
                kind=texts.message(KIND_KEYS[MarkKind(mark.kind)]), enterprise=_enterprise_name(mark),
                site=mark.site.name, due=due), now=now)
        reverted += 1
    return reverted


@periodic("monitoring.marks_revert", every=timedelta(minutes=15))
def revert_on_schedule() -> None:
    marks_revert_overdue()


def _event(mark: DataMark, kind: str, *, by, at: datetime, text: texts.Stored | str) -> DataMarkEvent:
    plain, stored = texts.split(text)
    return DataMarkEvent.objects.create(mark=mark, kind=kind, by=by, at=at, text=plain[:500], text_text=stored)


def _enterprise_name(mark: DataMark) -> str:
    return mark.site.enterprise.name if mark.site.enterprise else ""


def _enterprise_users(mark: DataMark) -> list:
    if mark.site.enterprise_id is None:
        return []
    return list(get_user_model().objects.filter(is_active=True, membership__role=Role.ENTERPRISE,
                                                membership__enterprise_id=mark.site.enterprise_id))


def _bureau_users() -> list:
    return list(get_user_model().objects.filter(is_active=True, membership__role=Role.BUREAU))


def _tell(users: Iterable, mark: DataMark, title: texts.Stored, *, now: datetime) -> None:
    notification_send(users=users, title=title, body=texts.message(gettext_noop("Reason given: %(reason)s"),
                                                                   reason=mark.reason),
                      url=reverse("marks:detail", args=[mark.id]), now=now)


def _points_of(mark: DataMark) -> list[int]:
    if mark.device_id is not None:
        return list(Device.objects.filter(id=mark.device_id).values_list("point_id", flat=True))
    return list(Point.objects.filter(site_id=mark.site_id).values_list("id", flat=True))


def _judge_again(mark: DataMark) -> None:
    """Queues the stored hourly and daily values the mark covers for judgement (alerts.exceedances)."""
    keys = set(Measurement.objects.filter(
        point_id__in=_points_of(mark), period__in=JUDGED_PERIODS, time__gte=mark.starts_at - SPAN[Period.DAY],
        time__lt=mark.ends_at).values_list("point_id", "period", "time").distinct())
    new_values_add({key for key in keys if _covers(mark.starts_at, mark.ends_at, key[1], key[2])})


def _covers(starts_at: datetime, ends_at: datetime, period: str, time: datetime) -> bool:
    # A value whose interval the mark touches at all stands under it, as a stop marks whole hours.
    return starts_at < time + SPAN.get(period, timedelta(0)) and ends_at > time


# --- reading ----------------------------------------------------------------------------------------------------

def marked_keys(keys: set[tuple[int, str, datetime]]) -> set[tuple[int, str, datetime]]:
    """Those (point, period, time) whose value stands under a valid mark of its outlet or of its device."""
    if not keys:
        return set()
    site_of = dict(Point.objects.filter(id__in={k[0] for k in keys}).values_list("id", "site_id"))
    times = [k[2] for k in keys]
    spans: dict[int, list[tuple[int | None, datetime, datetime]]] = defaultdict(list)
    for site_id, point_id, starts_at, ends_at in DataMark.objects.filter(
            state__in=VALID_MARK_STATES, site_id__in=set(site_of.values()), starts_at__lt=max(times) + SPAN[Period.DAY],
            ends_at__gt=min(times)).values_list("site_id", "device__point_id", "starts_at", "ends_at"):
        spans[site_id].append((point_id, starts_at, ends_at))
    return {(point_id, period, time) for point_id, period, time in keys
            if any((marked is None or marked == point_id) and _covers(start, end, period, time)
                   for marked, start, end in spans.get(site_of.get(point_id, 0), ()))}


def marked_spans(*, site: Site, before: datetime) -> list[tuple[datetime, datetime]]:
    """(start, end) of the outlet's valid marks starting before `before`, whether of the outlet or a device."""
    return list(DataMark.objects.filter(site=site, state__in=VALID_MARK_STATES, starts_at__lt=before)
                .values_list("starts_at", "ends_at"))


def marks_over(*, site: Site, period: str, start: datetime, end: datetime) -> list[DataMark]:
    """The outlet's valid marks covering any value of `period` in [start, end), oldest first: the spans a chart of
    that window shades. Bounded by the window, so a long-marked outlet costs no more than a short one."""
    # A value stands for [time, time + span): one just before `end` is covered by a mark starting after it.
    return list(DataMark.objects.filter(site=site, state__in=VALID_MARK_STATES,
                                        starts_at__lt=end + SPAN.get(period, timedelta(0)), ends_at__gt=start)
                .select_related("device").order_by("starts_at", "id"))


def mark_covering(marks: Iterable[DataMark], *, point_id: int, period: str, time: datetime) -> DataMark | None:
    """The mark among `marks` (of one outlet) under which the value of (point, period, time) stands, if any; the
    same rule as :func:`marked_keys`, so a value shown under a mark is one the exceedance check skipped."""
    return next((mark for mark in marks
                 if (mark.device is None or mark.device.point_id == point_id)
                 and _covers(mark.starts_at, mark.ends_at, period, time)), None)


def shaded_from(mark: DataMark, *, period: str) -> datetime:
    """Where a chart's shading of the mark starts, in local time: the start of the first value it covers (a stop
    from 10:30 excuses the 10:00 hourly value, so that value's point lies in the shade too)."""
    local = timezone.localtime(mark.starts_at, _zone())
    if period == Period.DAY:
        return local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == Period.HOUR:
        return local.replace(minute=0, second=0, microsecond=0)
    return local.replace(second=0, microsecond=0)
