"""The audit trail: one row per change to a watched object (lanqing.audit.capture decides which)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Channel(models.TextChoices):
    WEB = "web", _("web page")
    ADMIN = "admin", _("administration pages")
    API = "api", _("API")
    CLI = "cli", _("command line")
    SYSTEM = "system", _("system")


class Change(models.TextChoices):
    CREATED = "created", pgettext_lazy("audit change", "created")
    UPDATED = "updated", pgettext_lazy("audit change", "changed")
    DELETED = "deleted", pgettext_lazy("audit change", "deleted")


class AuditRecord(models.Model):
    """Who changed what and when, with the changed fields' values before and after (secrets masked).

    Rows are only ever added: the admin shows them read-only, no page or API route writes them, and the
    services never update or delete them.
    """

    at = models.DateTimeField(_("time"), db_index=True)
    # DO_NOTHING without a database constraint: deleting a user leaves its records exactly as they were.
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True,
                              on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    # The user's name when the change was made (kept if the user is deleted), or the OS user of a command.
    actor_name = models.CharField(_("by"), max_length=150, db_index=True)
    channel = models.CharField(_("through"), max_length=10, choices=Channel.choices)
    # "POST /admin/cases/case/3/change/" or "lanqing createuser": where the change came from.
    source = models.CharField(_("source"), max_length=200, blank=True)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    change = models.CharField(_("change"), max_length=10, choices=Change.choices)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    # The object, the source and the changed values as one text, for the search box: JSON columns are stored
    # with escaped characters on SQLite, where a search for Chinese text would find nothing in them.
    search_text = models.TextField(_("search text"), blank=True, editable=False)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.change} {self.object_type} {self.object_id}"
