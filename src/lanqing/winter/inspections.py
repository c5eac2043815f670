"""Spot checks during a warning: an officer records what was found at a listed enterprise, with photos; a
violation opens a case through the cases services, routed to the enterprise and its township like the cases of
the compliance alerts, and the check keeps a link to it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from lanqing import texts
from lanqing.cases.evidence import EvidenceRefused, evidence_check
from lanqing.cases.models import CaseSource, Category, EvidenceKind
from lanqing.cases.transitions import case_open
from lanqing.org import access
from lanqing.texts import gettext_noop
from lanqing.winter.lists import ListRefused
from lanqing.winter.models import LEVEL_NAMES, Level, SpotCheck, SpotCheckPhoto, WarningNotice

MAX_DESCRIPTION = 2000


class CheckRefused(ListRefused):
    """A spot check that cannot be recorded as given; nothing is written."""


def _refuse(key: str, **params) -> CheckRefused:
    return CheckRefused(texts.message(key, **params))


def spot_check_record(*, by, notice: WarningNotice, checked_at: datetime, compliant: bool, description: str = "",
                      photos: Iterable = (), now: datetime | None = None) -> SpotCheck:
    """Records the check of the notice's enterprise during its warning; a violation opens a case."""
    access.require(by, "warning.inspect", notice)
    now = now or timezone.now()
    warning = notice.warning
    description = description.strip()
    if timezone.is_naive(checked_at):
        raise _refuse(gettext_noop("Give times with their time zone."))
    if checked_at > now:
        raise _refuse(gettext_noop("A check cannot lie in the future."))
    if checked_at < warning.starts_at or (warning.ends_at is not None and checked_at >= warning.ends_at):
        raise _refuse(gettext_noop("The check must fall within the warning's time."))
    if not compliant and not description:
        raise _refuse(gettext_noop("Describe the violation."))
    if len(description) > MAX_DESCRIPTION:
        raise _refuse(gettext_noop("The description is longer than %(count)s characters."), count=MAX_DESCRIPTION)
    try:
        checked = evidence_check(photos)
    except EvidenceRefused as refusal:
        # The evidence check's reason is already in the request's language, and a refusal is shown at once.
        raise CheckRefused(texts.names(zh=str(refusal), en=str(refusal))) from None
    if any(file.kind != EvidenceKind.PHOTO for file in checked):
        raise _refuse(gettext_noop("Attach photos (JPEG or PNG) only."))
    with transaction.atomic():
        check = SpotCheck.objects.create(warning=warning, enterprise=notice.enterprise, checked_at=checked_at,
                                         compliant=compliant, description=description, by=by, recorded_at=now)
        for number, file in enumerate(checked, start=1):
            photo = SpotCheckPhoto(check_row=check, original_name=file.name, content_type=file.content_type)
            photo.file.save(f"check-{check.id}-{number}{file.extension}", ContentFile(file.data), save=False)
            photo.save()
        if not compliant:
            check.case = case_open(
                title=texts.message(gettext_noop("%(enterprise)s did not carry out its measures during the "
                                                 "%(level)s warning"), enterprise=notice.enterprise.name,
                                    level=texts.message(LEVEL_NAMES[Level(warning.level)])),
                description=texts.message(gettext_noop("Spot check on %(time)s (warning %(number)s, %(photos)s "
                                                       "photos): %(found)s"),
                                          time=texts.moment(checked_at, precision="datetime"),
                                          number=warning.document_number, photos=len(checked), found=description),
                category=Category.INSPECTION, source=CaseSource.INSPECTION, by=by, enterprise=notice.enterprise,
                subject=check, now=now, is_demo=notice.enterprise.is_demo)
            SpotCheck.objects.filter(id=check.id).update(case=check.case)
    return check
