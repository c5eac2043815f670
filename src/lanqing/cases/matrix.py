"""Changes to the responsibility matrix (一岗双责): only the bureau makes them, only through here, and each one
is recorded with who, when, and the row before and after (DESIGN.md, Conventions: audit)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from lanqing.cases.models import ResponsibilityChange, ResponsibilityRule
from lanqing.org import access
from lanqing.org.models import Industry, Unit

FIELDS = ("category", "industry", "site_kind", "lead_unit", "support_units", "note", "is_active")


class MatrixError(Exception):
    """A refused change; the message is for the user and the matrix is unchanged."""


class MatrixForbidden(MatrixError, access.Forbidden):
    """The user sees the row but may not change the matrix (HTTP 403)."""


def _snapshot(row: ResponsibilityRule) -> dict:
    """The row as it reads to people, with ids where they identify something (for the history)."""
    return {
        "category": row.category, "industry": row.industry.code if row.industry is not None else "",
        "site_kind": row.site_kind, "lead_unit": row.lead_unit.name, "lead_unit_id": row.lead_unit_id,
        "support_units": sorted(u.name for u in row.support_units.all()),
        "note": row.note, "is_active": row.is_active,
    }


def _check(by, row: ResponsibilityRule | None) -> None:
    try:
        access.require(by, "matrix.edit", row)
    except access.Forbidden:
        raise MatrixForbidden(_("Only the bureau edits the responsibility matrix.")) from None


def _units_in_scope(by, lead_unit: Unit, support_units: Iterable[Unit]) -> list[Unit]:
    support = list(support_units)
    ids = {lead_unit.id} | {u.id for u in support}
    if access.units_visible_to(by).filter(id__in=ids).count() != len(ids):
        raise MatrixError(_("This unit is outside your jurisdiction."))
    return [u for u in support if u.id != lead_unit.id]


def _save(row: ResponsibilityRule) -> None:
    # The constraint is checked here too: SQLite does not enforce "NULLs not distinct" on the blank industry.
    try:
        row.validate_constraints()
        with transaction.atomic():
            row.save()
    except (ValidationError, IntegrityError):
        raise MatrixError(_("A row for this category, industry and site kind exists; edit it instead.")) from None


def _record(row: ResponsibilityRule, *, kind: str, by, now: datetime, before: dict | None,
            after: dict | None) -> None:
    ResponsibilityChange.objects.create(row_id=row.id, kind=kind, by=by, at=now, before=before, after=after,
                                        row_jurisdiction_id=row.lead_unit.jurisdiction_id)


@transaction.atomic
def responsibility_rule_create(*, by, category: str = "", industry: Industry | None = None, site_kind: str = "",
                               lead_unit: Unit, support_units: Iterable[Unit] = (), note: str = "",
                               is_active: bool = True, now: datetime | None = None) -> ResponsibilityRule:
    now = now or timezone.now()
    _check(by, None)
    support = _units_in_scope(by, lead_unit, support_units)
    row = ResponsibilityRule(category=category, industry=industry, site_kind=site_kind, lead_unit=lead_unit,
                             note=note, is_active=is_active)
    _save(row)
    row.support_units.set(support)
    _record(row, kind=ResponsibilityChange.Kind.CREATED, by=by, now=now, before=None, after=_snapshot(row))
    return row


@transaction.atomic
def responsibility_rule_update(*, row: ResponsibilityRule, by, category: str = "",
                               industry: Industry | None = None, site_kind: str = "", lead_unit: Unit,
                               support_units: Iterable[Unit] = (), note: str = "", is_active: bool = True,
                               now: datetime | None = None) -> ResponsibilityRule:
    now = now or timezone.now()
    _check(by, row)
    # No ordering: the default one joins the optional industry, which PostgreSQL will not lock FOR UPDATE.
    row = ResponsibilityRule.objects.select_for_update().order_by().get(id=row.id)
    before = _snapshot(row)
    support = _units_in_scope(by, lead_unit, support_units)
    row.category, row.industry, row.site_kind, row.lead_unit = category, industry, site_kind, lead_unit
    row.note, row.is_active = note, is_active
    _save(row)
    row.support_units.set(support)
    after = _snapshot(row)
    if after != before:
        _record(row, kind=ResponsibilityChange.Kind.UPDATED, by=by, now=now, before=before, after=after)
    return row


@transaction.atomic
def responsibility_rule_delete(*, row: ResponsibilityRule, by, now: datetime | None = None) -> None:
    now = now or timezone.now()
    _check(by, row)
    current = ResponsibilityRule.objects.select_for_update().order_by().filter(id=row.id).first()
    if current is None:
        raise Http404
    _record(current, kind=ResponsibilityChange.Kind.DELETED, by=by, now=now, before=_snapshot(current), after=None)
    current.delete()
