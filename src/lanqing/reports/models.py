from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lanqing import texts
from lanqing.org.models import Jurisdiction
from lanqing.winter.models import PollutionWarning


class ReportKind(models.TextChoices):
    DAILY_AIR = "daily_air", _("Daily air-quality report")
    MONTHLY = "monthly", _("Monthly environmental situation report")
    YEARLY = "yearly", _("Yearly environmental situation report")
    EPISODE = "episode", _("Heavy-pollution episode report")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being generated")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


IN_PROGRESS = (ReportStatus.QUEUED, ReportStatus.RUNNING)


class Report(models.Model):
    """One generation of a report, kept in the archive: what, for which area and period, who asked, when, from
    which data, and the files."""

    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("area"), on_delete=models.PROTECT,
                                     related_name="+")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    # An episode report's warning: the first of its chain of levels (reports/episode.py).
    warning = models.ForeignKey(PollutionWarning, verbose_name=_("warning"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    language = models.CharField(_("language"), max_length=10)
    status = models.CharField(_("status"), max_length=8, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress, per cent"), default=0)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested"))
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # The data it was made from: stations, sections, values read and the newest value's time.
    sources = models.JSONField(_("data used"), default=dict, blank=True)
    pdf = models.BinaryField(_("PDF"), null=True, blank=True, editable=False)
    xlsx = models.BinaryField(_("Excel workbook"), null=True, blank=True, editable=False)
    # Why generation failed, as a stored text (lanqing.texts).
    failure_text = models.JSONField(_("reason of the failure"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            # Two requests or two workers never make two archive entries of one report at once.
            models.UniqueConstraint(fields=["kind", "jurisdiction", "period_start"],
                                    condition=Q(status__in=["queued", "running"]),
                                    name="report_one_in_progress"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.jurisdiction_id} {self.period_start}"

    @property
    def display_failure(self) -> str:
        return texts.render(self.failure_text) if self.failure_text else ""
