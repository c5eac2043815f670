"""Reading the audit trail: the records a user may search, and how a record's fields read to people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils import timezone

from lanqing.audit.capture import WATCHED
from lanqing.audit.models import AuditRecord
from lanqing.org import access


@dataclass(frozen=True)
class AuditFilter:
    object_type: str = ""
    object_id: str = ""
    actor: str = ""
    since: date | None = None
    until: date | None = None  # inclusive
    text: str = ""


def audit_records_for(user, search: AuditFilter) -> QuerySet[AuditRecord]:
    """The records matching `search`, newest first, for a user who may read the trail (Forbidden otherwise).

    The trail is the installation's: a county has one bureau, and its users, configuration and registry are
    county-wide, so no row of it belongs to a township alone.
    """
    access.require(user, "audit.view")
    records = AuditRecord.objects.select_related("actor")
    if search.object_type:
        records = records.filter(object_type=search.object_type)
    if search.object_id:
        records = records.filter(object_id=search.object_id)
    if search.actor:
        records = records.filter(actor_name__icontains=search.actor)
    zone = timezone.get_current_timezone()
    if search.since:
        records = records.filter(at__gte=datetime.combine(search.since, time.min, tzinfo=zone))
    if search.until:
        records = records.filter(at__lt=datetime.combine(search.until + timedelta(days=1), time.min, tzinfo=zone))
    if search.text:
        records = records.filter(Q(search_text__icontains=search.text) | Q(object_id=search.text))
    return records


def object_types() -> list[tuple[str, str]]:
    """(label, name as people read it) of every watched model, for the search form."""
    found = []
    for label in WATCHED:
        found.append((label, str(apps.get_model(label)._meta.verbose_name)))
    return sorted(found, key=lambda pair: pair[1])


def type_name(label: str) -> str:
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


@dataclass(frozen=True)
class FieldChange:
    name: str
    before: Any
    after: Any


def _field_name(model, attname: str) -> str:
    if model is None:
        return attname
    for field in model._meta.get_fields():
        if getattr(field, "attname", None) == attname or field.name == attname:
            return str(getattr(field, "verbose_name", attname))
    return attname


def field_changes(record: AuditRecord) -> list[FieldChange]:
    """The record's fields with their names as people read them; None where a side has no value."""
    try:
        model = apps.get_model(record.object_type)
    except (LookupError, ValueError):
        model = None
    before, after = record.before or {}, record.after or {}
    names = list(dict.fromkeys([*before, *after]))
    return [FieldChange(_field_name(model, name), before.get(name), after.get(name)) for name in names]

