from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lanqing import texts
from lanqing.monitoring.models import Device, Factor, Point, Site


# Alert rules and cases both grade by it; it lives in alerts, the lower layer of the two (docs/architecture.md).
class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class RuleKind(models.TextChoices):
    EXCEEDANCE = "exceedance", _("Hourly emission above the outlet's limit")
    DEVICE_OFFLINE = "device_offline", _("Device offline")
    FACTOR_GAP = "factor_gap", _("No values for a factor")
    CONSTANT = "constant", _("Constant value")
    NON_POSITIVE = "non_positive", _("Zero or negative value")
    JUMP = "jump", _("Sudden jump")
    FLAG = "flag", _("Fault, calibration or over-range flag lasting")
    AQI = "aqi", _("Ambient AQI above a level")
    WATER_CLASS = "water_class", _("Water section worse than its target class")
    PASSWORD = "password", _("Wrong device passwords (guessing)")
    # Checked by lanqing.winter, which registers the check (alerts.rules.register_check).
    REDUCTION_SHORT = "reduction_short", _("Emission not cut as listed during a heavy-pollution warning")
    REDUCTION_GAP = "reduction_gap", _("Data missing during a heavy-pollution warning")


# The parameters each kind reads from AlertRule.params, with defaults; the bureau edits the numbers.
DEFAULT_PARAMS: dict[str, dict] = {
    RuleKind.EXCEEDANCE: {"lookback_hours": 3},
    RuleKind.DEVICE_OFFLINE: {"minutes": 30},
    RuleKind.FACTOR_GAP: {"hours": 2, "lookback_hours": 48},
    RuleKind.CONSTANT: {"hours": 6},
    RuleKind.NON_POSITIVE: {"hours": 1},
    RuleKind.JUMP: {"ratio": 5.0, "min_delta": 10.0},
    RuleKind.FLAG: {"hours": 4, "flags": ["D", "C", "T"]},
    RuleKind.AQI: {"level": 200},
    RuleKind.WATER_CLASS: {"lookback_hours": 48},
    RuleKind.PASSWORD: {"minutes": 60, "attempts": 20},
    # Warnings in force or ended within lookback_hours are judged; the shortfall tolerance is the warning's own.
    RuleKind.REDUCTION_SHORT: {"lookback_hours": 24},
    RuleKind.REDUCTION_GAP: {"hours": 1, "lookback_hours": 24},
}


class AlertRule(models.Model):
    """A rule the worker evaluates; kind picks the check, params hold its thresholds (data, not code)."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=15, choices=RuleKind.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    params = models.JSONField(_("thresholds"), default=dict, blank=True)
    factor = models.ForeignKey(Factor, verbose_name=_("only this factor"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    creates_case = models.BooleanField(_("open a case automatically"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")

    def __str__(self) -> str:
        return self.name

    def param(self, name: str):
        return self.params.get(name, DEFAULT_PARAMS.get(self.kind, {}).get(name))

    def clean(self) -> None:
        known = DEFAULT_PARAMS.get(self.kind, {})
        unknown = sorted(set(self.params or {}) - set(known))
        if unknown:
            raise ValidationError({"params": gettext("Unknown thresholds for this kind: %(names)s.") % {
                "names": ", ".join(unknown)}})
        for name, default in known.items():
            value = (self.params or {}).get(name, default)
            if isinstance(default, (int, float)) and not (isinstance(value, (int, float)) and value > 0):
                raise ValidationError({"params": gettext("%(name)s must be a positive number.") % {"name": name}})


class AlertStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLEARED = "cleared", _("Cleared")


class Alert(models.Model):
    """A condition a rule found at one source; repeats update it, and it clears when the condition ends."""

    rule = models.ForeignKey(AlertRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="alerts")
    # What the rule looked at, e.g. "point:12/factor:3" or "device:7"; one active alert per (rule, source).
    source_key = models.CharField(_("source"), max_length=80)
    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="alerts")
    point = models.ForeignKey(Point, verbose_name=_("monitoring point"), null=True, blank=True,
                              on_delete=models.CASCADE, related_name="+")
    device = models.ForeignKey(Device, verbose_name=_("device"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="+")
    factor = models.ForeignKey(Factor, verbose_name=_("factor"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    status = models.CharField(_("status"), max_length=8, choices=AlertStatus.choices, default=AlertStatus.ACTIVE)
    message = models.CharField(_("message"), max_length=300)
    # The message as a stored text (lanqing.texts); `message` keeps its rendering for search.
    message_text = models.JSONField(_("message (stored text)"), null=True, blank=True, editable=False)
    first_seen_at = models.DateTimeField(_("first seen"))
    last_seen_at = models.DateTimeField(_("last seen"))
    count = models.PositiveIntegerField(_("times seen"), default=1)
    last_value = models.FloatField(_("latest value"), null=True, blank=True)
    worst_value = models.FloatField(_("worst value"), null=True, blank=True)
    limit_value = models.FloatField(_("limit"), null=True, blank=True)
    cleared_at = models.DateTimeField(_("cleared"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("acknowledged by"), null=True,
                                        blank=True, on_delete=models.SET_NULL, related_name="+")
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["rule", "source_key"], condition=models.Q(status="active"),
                                               name="alert_one_active_per_source")]
        indexes = [models.Index(fields=["status", "rule"], name="alert_status_rule_idx")]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self) -> str:
        return self.display_message

    @property
    def display_message(self) -> str:
        return texts.render(self.message_text or self.message)


class Exceedance(models.Model):
    """An hourly (flue gas) or daily (wastewater) value judged above its outlet's limit, recorded once per value
    when it is stored, late ones too; alerts are raised from these and reports count exceedance hours here."""

    point = models.ForeignKey(Point, verbose_name=_("monitoring point"), on_delete=models.CASCADE,
                              related_name="+")
    factor = models.ForeignKey(Factor, verbose_name=_("factor"), on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("period"), max_length=4)
    time = models.DateTimeField(_("data time"))
    # As judged: converted to the reference oxygen where the limit asks for it.
    value = models.FloatField(_("judged value"))
    limit = models.FloatField(_("limit"), null=True, blank=True)
    judged_at = models.DateTimeField(_("judged"), db_index=True)

    class Meta:
        ordering = ["-time"]
        constraints = [models.UniqueConstraint(fields=["point", "factor", "period", "time"],
                                               name="exceedance_one_per_value")]
        verbose_name = _("exceedance")
        verbose_name_plural = _("exceedances")

    def __str__(self) -> str:
        return f"{self.point_id}/{self.factor_id}/{self.period}/{self.time:%Y-%m-%d %H:%M} = {self.value}"
