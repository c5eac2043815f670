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


def _field(model: Any, attname: str) -> Any:
    if model is None:
        return None
    for field in model._meta.get_fields():
        if getattr(field, "attname", None) == attname or field.name == attname:
            return field
    return None


def _label(field: Any, value: Any) -> Any:
    """A value of a field with choices as people read it (its label, in the reader's language)."""
    choices = getattr(field, "flatchoices", None) if field is not None else None
    if not choices or isinstance(value, (dict, list)):
        return value
    return next((str(label) for code, label in choices if code == value), value)


def field_changes(record: AuditRecord) -> list[FieldChange]:
    """The record's fields with their names as people read them; None where a side has no value."""
    try:
        model = apps.get_model(record.object_type)
    except (LookupError, ValueError):
        model = None
    before, after = record.before or {}, record.after or {}
    names = list(dict.fromkeys([*before, *after]))
    changes = []
    for name in names:
        # A system text's plain field repeats its stored text in the installation's language: the stored text,
        # shown in the reader's language, says it.
        if before.get(f"{name}_text") or after.get(f"{name}_text"):
            continue
        field = _field(model, name)
        label = str(getattr(field, "verbose_name", name)) if field is not None else name
        changes.append(FieldChange(label, _label(field, before.get(name)), _label(field, after.get(name))))
    return changes



def object_names(records: list[AuditRecord]) -> dict[int, str]:
    """How each record's object is named now, in the reader's language, where it still exists (a deleted one
    keeps the name it had when the record was written)."""
    wanted: dict[str, set[str]] = {}
    for record in records:
        wanted.setdefault(record.object_type, set()).add(record.object_id)
    live: dict[tuple[str, str], str] = {}
    for label, ids in wanted.items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        keys = [pk for pk in ids if pk.isdigit()] if model._meta.pk.get_internal_type().endswith("AutoField") else list(ids)
        for obj in model._base_manager.filter(pk__in=keys):
            live[(label, str(obj.pk))] = str(obj)
    return {record.id: live.get((record.object_type, record.object_id), record.object_repr) for record in records}
