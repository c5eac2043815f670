"""Emission-reduction lists (应急减排清单) per heating season, warnings, and the notices of each warning."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, pgettext, pgettext_lazy

from lanqing.monitoring.models import Factor, Site
from lanqing.org.models import Enterprise, Jurisdiction


class Level(models.TextChoices):
    """Warning levels under Shanxi's plan (晋政办发〔2020〕50号 dropped blue): yellow Ⅲ, orange Ⅱ, red Ⅰ."""

    YELLOW = "yellow", _("Yellow (Ⅲ)")
    ORANGE = "orange", _("Orange (Ⅱ)")
    RED = "red", _("Red (Ⅰ)")


# The levels' names as message keys, for texts stored for people (notifications).
LEVEL_NAMES = {Level.YELLOW: gettext_noop("Yellow (Ⅲ)"), Level.ORANGE: gettext_noop("Orange (Ⅱ)"),
               Level.RED: gettext_noop("Red (Ⅰ)")}
# Higher is stronger: an upgrade moves up, a downgrade down.
LEVEL_RANK = {Level.YELLOW: 1, Level.ORANGE: 2, Level.RED: 3}


class Grade(models.TextChoices):
    """Performance grade (绩效分级, 环办大气〔2026〕2号 adds A+); exempt: 保障类 / 民生豁免."""

    A_PLUS = "a_plus", "A+"
    A = "a", "A"
    B = "b", "B"
    C = "c", "C"
    D = "d", "D"
    EXEMPT = "exempt", pgettext_lazy("performance grade", "Exempt")
    NONE = "", pgettext_lazy("performance grade", "Not graded")


class ReductionList(models.Model):
    """One version of a county's list for a heating season; the newest version of a season is in force."""

    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT,
                                     related_name="+")
    season = models.CharField(_("heating season"), max_length=9)  # "2026-2027"
    version = models.PositiveIntegerField(_("version"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-season", "-version"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "season", "version"],
                                               name="reductionlist_unique_version")]
        verbose_name = _("emission-reduction list")
        verbose_name_plural = _("emission-reduction lists")

    def __str__(self) -> str:
        return f"{self.season} v{self.version}"


class ReductionEntry(models.Model):
    """What one enterprise does at one level for one outlet or process: it keeps its emission or load at
    `allowed_share` per cent of normal (0 = stops), proven by `factor` at the outlet."""

    reduction_list = models.ForeignKey(ReductionList, verbose_name=_("emission-reduction list"),
                                       on_delete=models.CASCADE, related_name="entries")
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                   related_name="+")
    level = models.CharField(_("warning level"), max_length=6, choices=Level.choices)
    grade = models.CharField(_("performance grade"), max_length=6, choices=Grade.choices, blank=True)
    site = models.ForeignKey(Site, verbose_name=_("outlet"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    process = models.CharField(_("process or line"), max_length=100, blank=True)
    allowed_share = models.DecimalField(_("share of normal emission or load (%)"), max_digits=5, decimal_places=1,
                                        validators=[MinValueValidator(0), MaxValueValidator(100)])
    factor = models.ForeignKey(Factor, verbose_name=_("proving factor"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    measure = models.CharField(_("measure"), max_length=300)

    class Meta:
        ordering = ["enterprise__township__code", "enterprise__name", "level", "id"]
        verbose_name = _("list entry")
        verbose_name_plural = _("list entries")

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.get_level_display()}"

    @property
    def required_reduction(self):
        return 100 - self.allowed_share

    @property
    def stops(self) -> bool:
        return self.allowed_share == 0


class WarningState(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("warning state", "In force")
    CHANGED = "changed", pgettext_lazy("warning state", "Changed level")
    LIFTED = "lifted", pgettext_lazy("warning state", "Lifted")


class PollutionWarning(models.Model):
    """A warning over an area for a span of time; a change of level ends it and starts the next one."""

    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("area"), on_delete=models.PROTECT,
                                     related_name="+")
    level = models.CharField(_("warning level"), max_length=6, choices=Level.choices)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    document_number = models.CharField(_("document number"), max_length=60)
    issuer = models.CharField(_("issued by"), max_length=100)
    document = models.CharField(_("document text"), max_length=2000, blank=True)
    reduction_list = models.ForeignKey(ReductionList, verbose_name=_("emission-reduction list"),
                                       on_delete=models.PROTECT, related_name="warnings")
    # The document that ended it: the lifting notice, or the one that changed its level.
    end_document_number = models.CharField(_("ended by document"), max_length=60, blank=True)
    end_issuer = models.CharField(_("ended by"), max_length=100, blank=True)
    previous = models.OneToOneField("self", verbose_name=_("previous level"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="next")
    state = models.CharField(_("state"), max_length=8, choices=WarningState.choices, default=WarningState.ACTIVE)
    # Percentage points an outlet's cut may fall short of its list's requirement before an alert is raised.
    tolerance = models.DecimalField(_("tolerance (percentage points)"), max_digits=4, decimal_places=1, default=5,
                                    validators=[MinValueValidator(0), MaxValueValidator(100)])
    issued_at = models.DateTimeField(_("entered"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True,
                                  on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.document_number}"

    def ended(self, now: datetime | None = None) -> bool:
        return self.ends_at is not None and self.ends_at <= (now or timezone.now())

    @property
    def state_label(self) -> str:
        """The state as people read it: a warning whose stated end has passed has ended without being lifted."""
        if self.state == WarningState.ACTIVE and self.ended():
            return pgettext("warning state", "Ended")
        return str(self.get_state_display())


class WarningNotice(models.Model):
    """A listed enterprise told of a warning, and its acknowledgement."""

    warning = models.ForeignKey(PollutionWarning, verbose_name=_("warning"), on_delete=models.CASCADE, related_name="notices")
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                   related_name="+")
    notified_at = models.DateTimeField(_("notified"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("acknowledged by"), null=True,
                                        blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["enterprise__township__code", "enterprise__name"]
        constraints = [models.UniqueConstraint(fields=["warning", "enterprise"], name="warningnotice_unique")]
        verbose_name = _("warning notice")
        verbose_name_plural = _("warning notices")

    def __str__(self) -> str:
        return f"{self.warning} · {self.enterprise}"


class OutletStop(models.Model):
    """A marked stop of an outlet (停产, maintenance): its hours are left out of a warning's baseline."""

    site = models.ForeignKey(Site, verbose_name=_("outlet"), on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("marked stop")
        verbose_name_plural = _("marked stops")

    def __str__(self) -> str:
        return f"{self.site} {self.starts_at:%Y-%m-%d %H:%M}"


class SpotCheck(models.Model):
    """An officer's spot check of a listed enterprise during a warning; a violation opened `case`."""

    warning = models.ForeignKey(PollutionWarning, verbose_name=_("warning"), on_delete=models.PROTECT,
                                related_name="spot_checks")
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                   related_name="+")
    checked_at = models.DateTimeField(_("checked"))
    compliant = models.BooleanField(_("measures carried out"))
    description = models.TextField(_("what was found"), max_length=2000, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("checked by"), null=True,
                           on_delete=models.SET_NULL, related_name="+")
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        ordering = ["-checked_at", "-id"]
        verbose_name = _("spot check")
        verbose_name_plural = _("spot checks")

    def __str__(self) -> str:
        return f"{self.enterprise} {self.checked_at:%Y-%m-%d %H:%M}"


class SpotCheckPhoto(models.Model):
    """A photo taken at a spot check; its kind was read from its bytes, not its name."""

    check_row = models.ForeignKey(SpotCheck, verbose_name=_("spot check"), on_delete=models.CASCADE,
                                  related_name="photos")
    file = models.FileField(_("photo"), upload_to="winter/checks/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)

    class Meta:
        ordering = ["id"]
        verbose_name = _("spot-check photo")
        verbose_name_plural = _("spot-check photos")

    def __str__(self) -> str:
        return self.original_name
