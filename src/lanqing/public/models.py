"""Public environmental reports (环保举报): what a member of the public filed, kept beside the case it opened."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from lanqing.org.models import Jurisdiction


class ReportCategory(models.TextChoices):
    # The pollution types of the 12369 monthly reports (specs/supervision.md 1.7).
    AIR = "air", _("Air")
    WATER = "water", _("Water")
    NOISE = "noise", _("Noise")
    SOLID_WASTE = "solid_waste", _("Solid waste")
    SOIL = "soil", _("Soil")
    ECOLOGY = "ecology", _("Ecological damage")
    OTHER = "other", _("Other")


# The same labels as message keys, for the stored texts that name a category or a reason (lanqing.texts).
CATEGORY_KEYS = {
    "air": gettext_noop("Air"), "water": gettext_noop("Water"), "noise": gettext_noop("Noise"),
    "solid_waste": gettext_noop("Solid waste"), "soil": gettext_noop("Soil"),
    "ecology": gettext_noop("Ecological damage"), "other": gettext_noop("Other"),
}


class Decision(models.TextChoices):
    PENDING = "pending", _("Awaiting acceptance")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Not accepted")


class RefusalReason(models.TextChoices):
    # 12369 办法 Art 8 as reproduced, and the MEE statistics' standard reasons (specs/supervision.md 1.2).
    NOT_OUR_REMIT = "not_our_remit", _("Not a matter for the environment authority")
    UNCLEAR = "unclear", _("The report does not say clearly enough what and where")
    LITIGATION = "litigation", _("Belongs to a court, arbitration or administrative review")
    DUPLICATE = "duplicate", _("The same matter was already accepted")
    REPEATED = "repeated", _("Repeats a matter already answered")


REASON_KEYS = {
    "not_our_remit": gettext_noop("Not a matter for the environment authority"),
    "unclear": gettext_noop("The report does not say clearly enough what and where"),
    "litigation": gettext_noop("Belongs to a court, arbitration or administrative review"),
    "duplicate": gettext_noop("The same matter was already accepted"),
    "repeated": gettext_noop("Repeats a matter already answered"),
}


class PublicReport(models.Model):
    """A report filed on the public site; the case it opened carries the workflow and the clocks."""

    code = models.CharField(_("tracking code"), max_length=16, unique=True)
    case = models.OneToOneField("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT,
                                related_name="public_report")
    category = models.CharField(_("category"), max_length=12, choices=ReportCategory.choices)
    description = models.TextField(_("description"))
    division = models.ForeignKey(Jurisdiction, verbose_name=_("township or village"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    observed_at = models.DateTimeField(_("observed"))
    submitted_at = models.DateTimeField(_("submitted"))
    # The sender's network address, for the rate limit and the audit of abuse; never shown publicly.
    client_address = models.GenericIPAddressField(_("network address"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    accept_by = models.DateTimeField(_("accept or refuse by"))
    # When the bureau was told the acceptance deadline had passed (once; 信访工作条例 Art 44 makes it a fault).
    overdue_told_at = models.DateTimeField(_("acceptance overdue notice"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    refusal_reason = models.CharField(_("reason not accepted"), max_length=16, choices=RefusalReason.choices,
                                      blank=True)
    # Typed by staff for the reporter (e.g. which organ to turn to); shown on the tracking page.
    refusal_note = models.TextField(_("explanation to the reporter"), blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_note = models.TextField(_("comment on the rating"), blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
    reopen_reason = models.TextField(_("reason for reopening"), blank=True)
    reopened_at = models.DateTimeField(_("reopened by the reporter"), null=True, blank=True)
    # Reports of the same category near the same place and time: probably the same matter (12369 办法 Art 8(4)).
    probable_duplicates = models.ManyToManyField("self", verbose_name=_("probable duplicates"), blank=True)
    # Moderation: a hidden report (spam, abuse) leaves the lists and Open311; a redacted one shows the edited
    # description. Each step is a ReportModeration row with who, when, why and the text before.
    hidden = models.BooleanField(_("hidden"), default=False)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["category", "submitted_at"], name="report_category_time_idx")]
        verbose_name = _("public report")
        verbose_name_plural = _("public reports")

    def __str__(self) -> str:
        return f"{self.case_id} {self.category} {self.submitted_at:%Y-%m-%d}"

    @property
    def place(self) -> str:
        if self.division_id:
            return self.division.name if self.division else ""
        if self.longitude is not None and self.latitude is not None:
            return f"{self.latitude:.5f}, {self.longitude:.5f}"
        return ""


class ReporterContact(models.Model):
    """The reporter's name and phone, apart from the report: read only by those lanqing.org.access allows
    ("complaint.contact"), and never on a public page or in an export."""

    report = models.OneToOneField(PublicReport, verbose_name=_("report"), on_delete=models.CASCADE,
                                  related_name="contact")
    name = models.CharField(_("name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("reporter's contact")
        verbose_name_plural = _("reporters' contacts")

    def __str__(self) -> str:
        return str(self.report_id)


class ModerationKind(models.TextChoices):
    HIDE = "hide", _("Hidden")
    SHOW = "show", _("Shown again")
    REDACT = "redact", _("Redacted")


class ReportModeration(models.Model):
    """One moderation of a report (the audit of 5. Abuse control): kept for ever, shown on the report page."""

    report = models.ForeignKey(PublicReport, verbose_name=_("report"), on_delete=models.CASCADE,
                               related_name="moderations")
    kind = models.CharField(_("moderation"), max_length=8, choices=ModerationKind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL,
                           related_name="+")
    at = models.DateTimeField(_("time"))
    reason = models.TextField(_("reason"))
    # The description before a redaction, so the bureau can always see what was removed.
    before = models.TextField(_("before"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("report moderation")
        verbose_name_plural = _("report moderations")

    def __str__(self) -> str:
        return f"{self.report_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class RateEvent(models.Model):
    """One counted attempt (a report filed, a tracking code that matched nothing) for the rate limits; the
    database holds them so that every web process sees the same counts."""

    kind = models.CharField(max_length=20)
    key = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["kind", "key", "at"], name="rate_event_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} {self.at:%Y-%m-%d %H:%M}"


class Open311Key(models.Model):
    """An api_key for an Open311 app that files reports (GeoReport v2 asks one for POST requests only)."""

    name = models.CharField(_("name"), max_length=100)
    # Only the digest is stored: the key is shown once, when it is made.
    digest = models.CharField(_("key digest"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("Open311 key")
        verbose_name_plural = _("Open311 keys")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, *, name: str) -> tuple[Open311Key, str]:
        raw = "o311_" + secrets.token_urlsafe(24)
        return cls.objects.create(name=name, digest=cls.digest_of(raw)), raw
