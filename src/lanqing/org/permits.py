"""Discharge permits (排污许可证) in an enterprise's file: the bureau adds, changes and removes them.

The services judge what the form only reads: the number (required, unique in the installation), the issuing
authority, the period of validity, and the permitted annual emissions (only the pollutants of PERMIT_POLLUTANTS,
tonnes a year, not negative, at most three decimals and at most MAX_TONNES). Every change and removal reaches the
audit trail through the model's signals (docs/audit.md), like every other bureau edit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from lanqing.org import access
from lanqing.org.models import PERMIT_POLLUTANTS, DischargePermit, Enterprise

# Our own bound, not a rule's: a single plant's permitted emission of any pollutant is far below a million tonnes a
# year, so a larger figure is a slip of the keyboard (kilograms typed as tonnes).
MAX_TONNES = Decimal(1_000_000)
# Permits state tonnes a year to at most three decimals (kilograms).
TONNE_PLACES = 3
# 排污许可管理条例 (2021) Art 14: a permit is valid for 5 years; a longer period is a typing error.
MAX_YEARS = 5
NUMBER_LENGTH = DischargePermit._meta.get_field("number").max_length or 40
ISSUER_LENGTH = DischargePermit._meta.get_field("issued_by").max_length or 100

Cap = Decimal | int | float | str | None


@dataclass
class PermitRefused(ValueError):
    """What is wrong with a permit, by field ("number", "issued_by", "valid_from", "valid_to", a pollutant's name
    for its cap, "annual_caps" for the caps as a whole), in the user's language."""

    errors: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return " ".join(self.errors.values())


@dataclass(frozen=True)
class _Judged:
    number: str
    issued_by: str
    valid_from: date
    valid_to: date
    annual_caps: dict[str, int | float]


def _tonnes(name: str, value: Cap, errors: dict[str, str]) -> int | float | None:
    label = str(PERMIT_POLLUTANTS[name])
    if value is None or (isinstance(value, str) and not value.strip()):
        return None  # no cap for this pollutant
    if isinstance(value, bool):
        errors[name] = gettext("%(pollutant)s: give the permitted emission in tonnes a year.") % {"pollutant": label}
        return None
    try:
        tonnes = Decimal(str(value).strip())
    except InvalidOperation:
        tonnes = Decimal("NaN")
    if not tonnes.is_finite():
        errors[name] = gettext("%(pollutant)s: give the permitted emission in tonnes a year.") % {"pollutant": label}
    elif tonnes < 0:
        errors[name] = gettext("%(pollutant)s: a permitted emission cannot be negative.") % {"pollutant": label}
    elif tonnes > MAX_TONNES:
        errors[name] = gettext("%(pollutant)s: at most %(max)s t/a.") % {"pollutant": label, "max": f"{MAX_TONNES:,}"}
    elif -int(tonnes.normalize().as_tuple().exponent) > TONNE_PLACES:
        errors[name] = gettext("%(pollutant)s: give tonnes with at most %(places)s decimals.") % {
            "pollutant": label, "places": TONNE_PLACES}
    else:
        return int(tonnes) if tonnes == tonnes.to_integral_value() else float(tonnes)
    return None


def _end_of_longest_period(start: date) -> date:
    try:
        return start.replace(year=start.year + MAX_YEARS)
    except ValueError:  # 29 February
        return start.replace(year=start.year + MAX_YEARS, day=28)


def _judge(*, by, permit: DischargePermit | None, number: str, issued_by: str, valid_from: date | None,
           valid_to: date | None, annual_caps: Mapping[str, Cap]) -> _Judged:
    errors: dict[str, str] = {}
    number = " ".join((number or "").split()).upper()
    if not number:
        errors["number"] = gettext("Give the permit number.")
    elif len(number) > NUMBER_LENGTH:
        errors["number"] = gettext("A permit number has at most %(length)s characters.") % {"length": NUMBER_LENGTH}
    else:
        others = DischargePermit.objects.filter(number__iexact=number)
        if permit is not None:
            others = others.exclude(pk=permit.pk)
        clash = others.select_related("enterprise").first()
        if clash is not None:
            errors["number"] = _clash_message(by, clash)
    issued_by = " ".join((issued_by or "").split())
    if not issued_by:
        errors["issued_by"] = gettext("Give the authority that issued the permit.")
    elif len(issued_by) > ISSUER_LENGTH:
        errors["issued_by"] = gettext("At most %(length)s characters.") % {"length": ISSUER_LENGTH}
    if valid_from is None:
        errors["valid_from"] = gettext("Give the first day of validity.")
    if valid_to is None:
        errors["valid_to"] = gettext("Give the last day of validity.")
    if valid_from is not None and valid_to is not None:
        if valid_to < valid_from:
            errors["valid_to"] = gettext("A permit cannot end before it begins.")
        elif valid_to > _end_of_longest_period(valid_from):
            errors["valid_to"] = gettext("A permit is valid for at most %(years)s years.") % {"years": MAX_YEARS}
    unknown = sorted(str(name) for name in annual_caps if name not in PERMIT_POLLUTANTS)
    if unknown:
        errors["annual_caps"] = gettext("A permit caps only %(known)s; not %(unknown)s.") % {
            "known": ", ".join(PERMIT_POLLUTANTS), "unknown": ", ".join(unknown)}
    caps: dict[str, int | float] = {}
    for name in PERMIT_POLLUTANTS:  # in the permit table's order
        tonnes = _tonnes(name, annual_caps.get(name), errors)
        if tonnes is not None:
            caps[name] = tonnes
    if errors:
        raise PermitRefused(errors)
    assert valid_from is not None  # both refused above when missing
    assert valid_to is not None
    return _Judged(number, issued_by, valid_from, valid_to, caps)


def _clash_message(by, clash: DischargePermit) -> str:
    # The clash is named only as far as the user may see it: another county's enterprise stays unnamed.
    if access.sees(by, clash.enterprise):
        return gettext("The permit number %(number)s is already recorded for %(enterprise)s.") % {
            "number": clash.number, "enterprise": clash.enterprise.name}
    return gettext("The permit number %(number)s is already recorded for an enterprise outside your "
                   "jurisdiction.") % {"number": clash.number}


def _save(by, permit: DischargePermit, judged: _Judged) -> DischargePermit:
    permit.number, permit.issued_by = judged.number, judged.issued_by
    permit.valid_from, permit.valid_to, permit.annual_caps = judged.valid_from, judged.valid_to, judged.annual_caps
    try:
        with transaction.atomic():
            permit.save()
    except IntegrityError:
        # Another clerk stored the same number between our check and our write.
        clash = DischargePermit.objects.select_related("enterprise").filter(number=judged.number).first()
        if clash is None:
            raise
        raise PermitRefused({"number": _clash_message(by, clash)}) from None
    return permit


def permit_create(*, by, enterprise: Enterprise, number: str, issued_by: str, valid_from: date | None,
                  valid_to: date | None, annual_caps: Mapping[str, Cap]) -> DischargePermit:
    """Records a permit in the enterprise's file; PermitRefused says what is wrong, and nothing is stored."""
    access.require(by, "permit.create", enterprise)
    judged = _judge(by=by, permit=None, number=number, issued_by=issued_by, valid_from=valid_from,
                    valid_to=valid_to, annual_caps=annual_caps)
    return _save(by, DischargePermit(enterprise=enterprise), judged)


def permit_change(*, by, permit: DischargePermit, number: str, issued_by: str, valid_from: date | None,
                  valid_to: date | None, annual_caps: Mapping[str, Cap]) -> DischargePermit:
    """Changes a permit's facts as a whole (the caps given replace the old ones); PermitRefused leaves it as it was."""
    access.require(by, "permit.change", permit)
    judged = _judge(by=by, permit=permit, number=number, issued_by=issued_by, valid_from=valid_from,
                    valid_to=valid_to, annual_caps=annual_caps)
    return _save(by, permit, judged)


def permit_delete(*, by, permit: DischargePermit) -> None:
    """Removes a permit from the enterprise's file; the trail keeps all its facts as they were."""
    access.require(by, "permit.delete", permit)
    permit.delete()
