"""The life of a warning: issued, changed to another level (which ends it and starts the next), lifted; each
listed enterprise told and asked to acknowledge, each township told which of its enterprises are listed.

A person issues every warning (the forecast helper only shows when a trigger was met). Times are aware;
a warning's end is open until it is lifted or the document gives one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from lanqing import texts
from lanqing.notifications.services import notification_send
from lanqing.org import access
from lanqing.org.models import Jurisdiction, Role
from lanqing.texts import gettext_noop
from lanqing.winter.lists import ListRefused, list_in_force
from lanqing.winter.models import (
    LEVEL_NAMES,
    LEVEL_RANK,
    Level,
    PollutionWarning,
    ReductionEntry,
    WarningNotice,
    WarningState,
)

DEFAULT_TOLERANCE = Decimal(5)


class WarningRefused(ListRefused):
    """A warning change that would leave the record wrong; nothing is written."""


@dataclass(frozen=True)
class Document:
    number: str
    issuer: str
    text: str = ""


def _refuse(key: str, **params) -> WarningRefused:
    return WarningRefused(texts.message(key, **params))


def _check_times(starts_at: datetime, ends_at: datetime | None) -> None:
    if timezone.is_naive(starts_at) or (ends_at is not None and timezone.is_naive(ends_at)):
        raise _refuse(gettext_noop("Give times with their time zone."))
    if ends_at is not None and ends_at <= starts_at:
        raise _refuse(gettext_noop("A warning ends after it starts."))


def _check_document(document: Document) -> None:
    if not document.number.strip() or not document.issuer.strip():
        raise _refuse(gettext_noop("Give the document number and who issued it."))


def _overlapping(area: Jurisdiction, starts_at: datetime, ends_at: datetime | None):
    rows = PollutionWarning.objects.filter(jurisdiction=area)
    rows = rows.filter(ends_at__isnull=True) | rows.filter(ends_at__gt=starts_at)
    return rows.filter(starts_at__lt=ends_at) if ends_at is not None else rows


def _notify(warning: PollutionWarning, *, key: str, now: datetime, number: str = "") -> None:
    """Tells the warning's listed enterprises, and each township the list of its own."""
    notices = list(warning.notices.select_related("enterprise__township"))
    users = get_user_model().objects.filter(is_active=True)
    by_enterprise = defaultdict(list)
    for user in users.select_related("membership").filter(membership__role=Role.ENTERPRISE,
                             membership__enterprise_id__in=[n.enterprise_id for n in notices]):
        by_enterprise[user.membership.enterprise_id].append(user)
    level = texts.message(LEVEL_NAMES[Level(warning.level)])
    number = number or warning.document_number
    url = reverse("winter:warning", kwargs={"warning_id": warning.id})
    for notice in notices:
        notification_send(users=by_enterprise[notice.enterprise_id],
                          title=texts.message(key, level=level, number=number),
                          body=texts.message(gettext_noop("Carry out the measures your enterprise is listed for at "
                                                          "this level from %(start)s and acknowledge this notice."),
                                             start=texts.moment(warning.starts_at)),
                          url=reverse("winter:warnings"), now=now)
    by_township: dict[int, list[str]] = defaultdict(list)
    for notice in notices:
        by_township[notice.enterprise.township_id].append(notice.enterprise.name)
    officers = users.filter(membership__role=Role.TOWNSHIP, membership__jurisdiction_id__in=list(by_township))
    for officer in officers.select_related("membership"):
        names = sorted(by_township[officer.membership.jurisdiction_id or 0])
        notification_send(users=[officer], title=texts.message(key, level=level, number=number),
                          body=texts.message(gettext_noop("%(count)s listed enterprises of your township: "
                                                          "%(names)s."), count=len(names), names=texts.items(names)),
                          url=url, now=now)


def _start(*, area: Jurisdiction, level: str, starts_at: datetime, ends_at: datetime | None, document: Document,
           by, now: datetime, tolerance: Decimal, previous: PollutionWarning | None = None) -> PollutionWarning:
    reduction_list = list_in_force(area=area, day=timezone.localdate(starts_at))
    if reduction_list is None:
        raise _refuse(gettext_noop("There is no emission-reduction list for the heating season of %(day)s."),
                      day=texts.moment(starts_at, precision="date"))
    warning = PollutionWarning.objects.create(
        jurisdiction=area, level=level, starts_at=starts_at, ends_at=ends_at, document_number=document.number[:60],
        issuer=document.issuer[:100], document=document.text[:2000], reduction_list=reduction_list,
        previous=previous, tolerance=tolerance, issued_at=now, issued_by=by)
    enterprise_ids = (ReductionEntry.objects.filter(reduction_list=reduction_list, level=level)
                      .values_list("enterprise_id", flat=True).distinct())
    WarningNotice.objects.bulk_create([WarningNotice(warning=warning, enterprise_id=enterprise_id, notified_at=now)
                                       for enterprise_id in sorted(set(enterprise_ids))])
    return warning


def warning_issue(*, by, level: str, starts_at: datetime, ends_at: datetime | None, document: Document,
                  tolerance: Decimal = DEFAULT_TOLERANCE, now: datetime | None = None) -> PollutionWarning:
    access.require(by, "warning.issue")
    now = now or timezone.now()
    if not 0 <= tolerance <= 100:
        raise _refuse(gettext_noop("The tolerance is between 0 and 100 percentage points."))
    if level not in Level.values:
        raise _refuse(gettext_noop("Choose a warning level."))
    _check_times(starts_at, ends_at)
    _check_document(document)
    area = access.root_jurisdiction(by)
    if area is None:
        raise _refuse(gettext_noop("Your account has no area to warn."))
    with transaction.atomic():
        Jurisdiction.objects.select_for_update().get(pk=area.pk)  # two bureaus' clerks cannot both issue one
        clash = _overlapping(area, starts_at, ends_at).first()
        if clash is not None:
            raise _refuse(gettext_noop("The warning %(number)s already covers part of this time; change its level "
                                       "or lift it instead."), number=clash.document_number)
        warning = _start(area=area, level=level, starts_at=starts_at, ends_at=ends_at, document=document, by=by,
                         now=now, tolerance=tolerance)
        _notify(warning, key=gettext_noop("%(level)s warning issued (%(number)s)"), now=now)
    return warning


def warning_change_level(*, by, warning: PollutionWarning, level: str, at: datetime, document: Document,
                         now: datetime | None = None) -> PollutionWarning:
    """Ends `warning` at `at` and starts the same episode at `level` from then, to the same end."""
    access.require(by, "warning.issue", warning)
    now = now or timezone.now()
    if level not in Level.values or level == warning.level:
        raise _refuse(gettext_noop("Choose a level other than the present one."))
    _check_times(at, None)
    _check_document(document)
    with transaction.atomic():
        Jurisdiction.objects.select_for_update().get(pk=warning.jurisdiction_id)
        warning.refresh_from_db()
        if warning.state != WarningState.ACTIVE:
            raise _refuse(gettext_noop("This warning is no longer in force."))
        if at <= warning.starts_at or (warning.ends_at is not None and at >= warning.ends_at):
            raise _refuse(gettext_noop("The change must fall within the warning's time."))
        ends_at = warning.ends_at
        warning.ends_at, warning.state = at, WarningState.CHANGED
        warning.end_document_number, warning.end_issuer = document.number[:60], document.issuer[:100]
        warning.save(update_fields=["ends_at", "state", "end_document_number", "end_issuer"])
        following = _start(area=warning.jurisdiction, level=level, starts_at=at, ends_at=ends_at, document=document,
                           by=by, now=now, previous=warning, tolerance=warning.tolerance)
        key = (gettext_noop("Warning raised to %(level)s (%(number)s)")
               if LEVEL_RANK[Level(level)] > LEVEL_RANK[Level(warning.level)]
               else gettext_noop("Warning lowered to %(level)s (%(number)s)"))
        _notify(following, key=key, now=now)
    return following


def warning_lift(*, by, warning: PollutionWarning, at: datetime, document: Document,
                 now: datetime | None = None) -> PollutionWarning:
    access.require(by, "warning.issue", warning)
    now = now or timezone.now()
    _check_times(at, None)
    _check_document(document)
    with transaction.atomic():
        Jurisdiction.objects.select_for_update().get(pk=warning.jurisdiction_id)
        warning.refresh_from_db()
        if warning.state != WarningState.ACTIVE:
            raise _refuse(gettext_noop("This warning is no longer in force."))
        if at <= warning.starts_at:
            raise _refuse(gettext_noop("A warning cannot be lifted before it starts (%(start)s)."),
                          start=texts.moment(warning.starts_at, precision="datetime"))
        if warning.ends_at is None or at < warning.ends_at:
            warning.ends_at = at
        warning.state = WarningState.LIFTED
        warning.end_document_number, warning.end_issuer = document.number[:60], document.issuer[:100]
        warning.save(update_fields=["ends_at", "state", "end_document_number", "end_issuer"])
        _notify(warning, key=gettext_noop("%(level)s warning lifted (%(number)s)"), now=now,
                number=warning.end_document_number)
    return warning


def notice_acknowledge(*, by, notice: WarningNotice, now: datetime | None = None) -> WarningNotice:
    access.require(by, "warning.acknowledge", notice)
    if notice.acknowledged_at is None:
        notice.acknowledged_at, notice.acknowledged_by = now or timezone.now(), by
        notice.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return notice
