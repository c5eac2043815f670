"""Catching every change to the watched models, whoever makes it (docs/audit.md says why this way).

Model signals (save, delete, many-to-many) see every writer that goes through the ORM: the services behind the
pages and the API, the Django admin, the CLI commands, the worker and a shell. The services' conditional
``QuerySet.update()`` calls, which send no signal, go through ``AuditedQuerySet`` on the models that use them.
Who acts comes from a context variable: the request (web, admin, API) set by ``AuditMiddleware``, the command
(OS user and command name) set by ``lanqing.cli.main``, and "system" for anything else.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.utils import timezone, translation

from lanqing.audit.actor import current
from lanqing.audit.models import AuditRecord, Change

# Shown instead of the value of a secret; the record still says that the field changed.
MASK = "******"
# Secrets never written to the trail, by field name: login and device passwords, API key digests, sealed SM4 keys.
SECRET_FIELDS = frozenset({"password", "password_hash", "digest", "sealed", "secret", "sm4_key"})

# The watched models and, for each, the fields that running processes change on their own (last login, the
# receiver's last-seen time): a change to only these is not an audited change.
WATCHED: dict[str, frozenset[str]] = {
    # users, their roles and scopes
    "auth.user": frozenset({"last_login"}),
    "auth.group": frozenset(),
    "org.membership": frozenset(),
    # divisions, units, the registry (enterprises, sites, points, outlet limits, devices and their keys)
    "org.jurisdiction": frozenset(),
    "org.unit": frozenset(),
    "org.industry": frozenset(),
    "org.enterprise": frozenset(),
    "org.dischargepermit": frozenset(),
    "monitoring.site": frozenset(),
    "monitoring.point": frozenset(),
    "monitoring.device": frozenset({"last_seen_at", "is_online"}),
    "monitoring.devicekey": frozenset(),
    "monitoring.factor": frozenset(),
    # enterprises' data marks: set aside from exceedance judgement, so who marked, documented or revoked matters;
    # the document's content type is read from its bytes, the stored file is what counts
    "monitoring.datamark": frozenset({"document_type"}),
    # what an enterprise uploads as its self-monitoring (the file itself is kept on the upload row)
    "monitoring.labupload": frozenset({"content"}),
    # alert rules; cases, their extensions and accountability records; the matrix and deadline configuration
    "alerts.alertrule": frozenset(),
    "cases.case": frozenset({"updated_at"}),
    "cases.extensionrequest": frozenset(),
    "cases.accountabilityrecord": frozenset(),
    "cases.responsibilityrule": frozenset(),
    "cases.deadlinerule": frozenset(),
    "cases.holidaycorrection": frozenset(),
    "api.apitoken": frozenset({"last_used_at"}),
}


def _who() -> tuple[Any, str, str, str]:
    actor = current()
    user = actor.user
    if actor.request is not None:
        candidate = getattr(actor.request, "user", None)
        user = candidate if candidate is not None and candidate.is_authenticated else None
    name = user.get_username() if user is not None else (actor.name or "anonymous")
    return user, name, actor.channel, actor.source


# --- values -------------------------------------------------------------------------------------------------------

def _label(model) -> str:
    return model._meta.label_lower


def _fields(model) -> list[models.Field]:
    ignored = WATCHED[_label(model)]
    return [f for f in model._meta.concrete_fields if f.name not in ignored]


def _plain(value: Any) -> Any:
    """A value as JSON keeps it."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return MASK  # binary columns hold sealed secrets
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return str(value)


def _shown(name: str, value: Any) -> Any:
    return MASK if name in SECRET_FIELDS and value not in (None, "") else _plain(value)


def _row_of(instance) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in _fields(type(instance))}


def _rows_in_database(model, pks) -> dict[Any, dict[str, Any]]:
    names = [f.attname for f in _fields(model)]
    return {row["pk"]: row for row in model._base_manager.filter(pk__in=pks).order_by().values("pk", *names)}


def _text(instance: Any) -> str:
    """How the record names the object: in the installation's language, whatever language the writer used, as
    the plain fields of stored texts are; the audit page names objects that still exist afresh, in the reader's
    language, and shows this name only for deleted ones."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(instance)


def _write(*, model, pk, text: str, change: str, before: dict | None, after: dict | None) -> None:
    user, name, channel, source = _who()
    values = [f"{key}={value}" for side in (before, after) if side for key, value in side.items()]
    AuditRecord.objects.create(
        at=timezone.now(), actor=user, actor_name=name[:150], channel=channel, source=source[:200],
        object_type=_label(model), object_id=str(pk), object_repr=text[:200], change=change,
        before=before, after=after, search_text="\n".join([text, source, *values]))


def _write_difference(model, pk, text: str, before: dict, after: dict) -> None:
    changed = [name for name in after if name != "pk" and before.get(name) != after[name]]
    if changed:
        _write(model=model, pk=pk, text=text, change=Change.UPDATED,
               before={name: _shown(name, before.get(name)) for name in changed},
               after={name: _shown(name, after[name]) for name in changed})


def _everything(row: dict[str, Any]) -> dict[str, Any]:
    return {name: _shown(name, value) for name, value in row.items() if name != "pk"}


# --- signal receivers ---------------------------------------------------------------------------------------------

def _watched(sender) -> bool:
    return _label(sender) in WATCHED


def _before_save(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    if raw or not _watched(sender):
        return
    if update_fields is not None and set(update_fields) <= WATCHED[_label(sender)]:
        instance._audit_before = "skip"
        return
    found = _rows_in_database(sender, [instance.pk]) if instance.pk is not None else {}
    instance._audit_before = found.get(instance.pk)


def _after_save(sender, instance, created=False, raw=False, **kwargs) -> None:
    if raw or not _watched(sender):
        return
    before = instance.__dict__.pop("_audit_before", None)
    if before == "skip":
        return
    after = _row_of(instance)
    if created or before is None:
        _write(model=sender, pk=instance.pk, text=_text(instance), change=Change.CREATED, before=None,
               after=_everything(after))
    else:
        _write_difference(sender, instance.pk, _text(instance), before, after)


def _after_delete(sender, instance, **kwargs) -> None:
    if _watched(sender):
        _write(model=sender, pk=instance.pk, text=_text(instance), change=Change.DELETED,
               before=_everything(_row_of(instance)), after=None)


def _m2m_field(sender_through, instance) -> models.ManyToManyField | None:
    for field in type(instance)._meta.many_to_many:
        if field.remote_field.through is sender_through:
            return field
    return None


def _related_ids(instance, field) -> list:
    return sorted(getattr(instance, field.name).values_list("pk", flat=True))


def _m2m(sender, instance, action, reverse, **kwargs) -> None:
    if reverse or not _watched(type(instance)):
        return
    field = _m2m_field(sender, instance)
    if field is None:
        return
    if action.startswith("pre_"):
        instance.__dict__.setdefault("_audit_m2m", {})[field.name] = _related_ids(instance, field)
    elif action.startswith("post_"):
        before = instance.__dict__.get("_audit_m2m", {}).pop(field.name, None)
        if before is not None:
            _write_difference(type(instance), instance.pk, _text(instance), {field.name: before},
                              {field.name: _related_ids(instance, field)})


class AuditedQuerySet(models.QuerySet):
    """`update()` that records, for each row it changes, the changed fields before and after.

    For the models whose services change rows with conditional updates (a case's state, an extension's decision):
    those send no save signal. The rows are read (and locked on PostgreSQL) before the update in the same
    transaction, and read again after it.
    """

    def update(self, **kwargs):
        model = self.model
        if not _watched(model) or {model._meta.get_field(k).name for k in kwargs} <= WATCHED[_label(model)]:
            return super().update(**kwargs)
        with transaction.atomic(using=self.db):
            before = {row["pk"]: row for row in self.order_by().select_for_update()
                      .values("pk", *[f.attname for f in _fields(model)])}
            count = super().update(**kwargs)
            if count and before:
                after = _rows_in_database(model, list(before))
                texts = {obj.pk: _text(obj) for obj in model._base_manager.filter(pk__in=list(after))}
                for pk, row in after.items():
                    _write_difference(model, pk, texts.get(pk, ""), before[pk], row)
        return count


def connect() -> None:
    """Connects the receivers for every watched model (AuditConfig.ready)."""
    for label in WATCHED:
        model = apps.get_model(label)
        uid = f"lanqing.audit:{label}"
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"{uid}:pre")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"{uid}:post")
        post_delete.connect(_after_delete, sender=model, dispatch_uid=f"{uid}:delete")
        for field in model._meta.many_to_many:
            m2m_changed.connect(_m2m, sender=field.remote_field.through, dispatch_uid=f"{uid}:{field.name}")
