"""Writing target responsibility letters (目标责任书): the bureau records each letter, its signed file and its
targets; figures lanqing measures are computed by lanqing.yearwork.measured."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lanqing.cases.evidence import EvidenceRefused, evidence_check
from lanqing.monitoring.models import Site
from lanqing.org import access
from lanqing.org.models import Jurisdiction, Level, Unit
from lanqing.yearwork.measured import letter_targets_compute
from lanqing.yearwork.models import Letter, LetterTarget, Measure


class LetterError(ValueError):
    pass


@transaction.atomic
def letter_create(*, by, jurisdiction: Jurisdiction, year: int, township: Jurisdiction | None = None,
                  unit: Unit | None = None, signed_on: date | None = None, signed_file=None,
                  now: datetime | None = None, is_demo: bool = False) -> Letter:
    access.require(by, "letter.manage")
    if (township is None) == (unit is None):
        raise LetterError(_("A letter is signed by one township or one unit."))
    if township is not None and (township.level != Level.TOWNSHIP or not jurisdiction.contains(township)):
        raise LetterError(_("Choose a township of the jurisdiction."))
    if unit is not None and not jurisdiction.contains(unit.jurisdiction):
        raise LetterError(_("Choose a unit of the jurisdiction."))
    if not access.jurisdictions_visible_to(by).filter(id=jurisdiction.id).exists():
        raise LetterError(_("This place is outside your jurisdiction."))
    if Letter.objects.filter(year=year, township=township, unit=unit).exists():
        raise LetterError(_("This party already has a letter for the year."))
    letter = Letter(jurisdiction=jurisdiction, year=year, township=township, unit=unit, signed_on=signed_on,
                    created_at=now or timezone.now(), is_demo=is_demo)
    if signed_file is not None:
        try:
            checked = evidence_check([signed_file])[0]
        except EvidenceRefused as refusal:
            raise LetterError(str(refusal)) from None
        letter.file_name, letter.file_type = checked.name, checked.content_type
        letter.file.save(f"letter-{year}{checked.extension}", ContentFile(checked.data), save=False)
    letter.save()
    return letter


@transaction.atomic
def letter_target_add(*, by, letter: Letter, measure: str, description: str, target_value: Decimal,
                      at_most: bool = False, site: Site | None = None, measured: Decimal | None = None,
                      now: datetime | None = None) -> LetterTarget:
    access.require(by, "letter.manage", letter)
    if measure not in Measure.values:
        raise LetterError(_("Unknown measure."))
    if not description.strip():
        raise LetterError(_("Describe the target."))
    if not target_value.is_finite() or target_value < 0:
        raise LetterError(_("The target value must be a number, 0 or more."))
    if site is not None and not access.visible(by, Site.objects.filter(id=site.id)).exists():
        raise LetterError(_("This site is outside your jurisdiction."))
    target = LetterTarget.objects.create(
        letter=letter, measure=measure, description=description.strip()[:200], target_value=target_value,
        at_most=at_most, site=site, measured=measured if measure == Measure.OTHER else None,
        measured_at=(now or timezone.now()) if measure == Measure.OTHER and measured is not None else None)
    letter_targets_compute(letter=letter, now=now)
    return target


def letter_compute(*, by, letter: Letter, now: datetime | None = None) -> int:
    access.require(by, "letter.manage", letter)
    return letter_targets_compute(letter=letter, now=now)
