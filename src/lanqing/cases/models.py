from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from lanqing import texts
from lanqing.alerts.models import Severity
from lanqing.audit.capture import AuditedQuerySet
from lanqing.monitoring.models import SiteKind
from lanqing.org.models import Enterprise, Industry, Jurisdiction, Unit

SEVERITY_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}


class Category(models.TextChoices):
    EXCEEDANCE = "exceedance", _("Emission exceedance")
    OFFLINE = "offline", _("Monitoring offline")
    DATA_ANOMALY = "data_anomaly", _("Data anomaly")
    AIR_QUALITY = "air_quality", _("Ambient air quality")
    WATER_QUALITY = "water_quality", _("Surface water quality")
    INSPECTION = "inspection", _("Inspection finding")
    COMPLAINT = "complaint", _("Public complaint")
    OVERDUE_TASK = "overdue_task", _("Overdue key task")
    OTHER = "other", _("Other")


class CaseSource(models.TextChoices):
    ALERT = "alert", _("Alert")
    INSPECTION = "inspection", _("Inspection")
    COMPLAINT = "complaint", _("Complaint")
    OVERDUE_TASK = "overdue_task", _("Overdue task")
    MANUAL = "manual", _("Entered by hand")
    PUBLIC_REPORT = "public_report", _("Public report (12369)")


class CaseState(models.TextChoices):
    DRAFT = "draft", _("Awaiting dispatch")
    DISPATCHED = "dispatched", _("Dispatched")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Rectification submitted")
    RETURNED = "returned", _("Returned for more work")
    CLOSED = "closed", _("Verified and closed")


OPEN_STATES = (CaseState.DISPATCHED, CaseState.ACCEPTED, CaseState.IN_PROGRESS, CaseState.RETURNED)
# States in which the deadline runs against the handling unit (the bureau's own review time does not count).
CLOCK_STATES = OPEN_STATES


class EscalationLevel(models.IntegerChoices):
    NONE = 0, _("None")
    URGED = 1, _("Urged")
    UNIT_LEADER = 2, _("Escalated to the unit's leader")
    LEADERSHIP = 3, _("Escalated to county leadership")


class Case(models.Model):
    """A supervision case (督办单): one model for every source, owned by a unit and a township."""

    number = models.CharField(_("case number"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # Title, description and deadline basis the system wrote, as stored texts (lanqing.texts); the plain
    # fields keep what a person typed, or the system text's rendering for search.
    title_text = models.JSONField(_("title (stored text)"), null=True, blank=True, editable=False)
    description_text = models.JSONField(_("description (stored text)"), null=True, blank=True, editable=False)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    source = models.CharField(_("source"), max_length=15, choices=CaseSource.choices)
    alert = models.ForeignKey("alerts.Alert", verbose_name=_("alert"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="cases")
    # Every alert on the case: the one that opened it and the later ones about the same subject and
    # category that joined it instead of opening another case.
    alerts = models.ManyToManyField("alerts.Alert", verbose_name=_("alerts"), blank=True,
                                    related_name="linked_cases")
    # The subject (enterprise, site, household, project…) whatever its model; enterprise and site are also
    # kept as plain keys because routing and scope use them.
    subject_type = models.ForeignKey(ContentType, verbose_name=_("subject type"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField(_("subject id"), null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("rectifying enterprise"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="cases")
    site = models.ForeignKey("monitoring.Site", verbose_name=_("site"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="cases")
    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT,
                                     related_name="cases")
    township = models.ForeignKey(Jurisdiction, verbose_name=_("township"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    location = models.CharField(_("location"), max_length=200, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    lead_unit = models.ForeignKey(Unit, verbose_name=_("lead unit"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="lead_cases")
    support_units = models.ManyToManyField(Unit, verbose_name=_("supporting units"), blank=True,
                                           related_name="supporting_cases")
    state = models.CharField(_("state"), max_length=12, choices=CaseState.choices, default=CaseState.DRAFT)
    deadline_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    deadline_basis = models.CharField(_("basis of the deadline"), max_length=200, blank=True)
    deadline_basis_text = models.JSONField(_("basis of the deadline (stored text)"), null=True, blank=True,
                                           editable=False)
    escalation_level = models.PositiveSmallIntegerField(_("escalation"), choices=EscalationLevel.choices,
                                                        default=EscalationLevel.NONE)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = AuditedQuerySet.as_manager()  # its conditional updates reach the audit trail too

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "deadline_at"], name="case_state_deadline_idx"),
            models.Index(fields=["lead_unit", "state"], name="case_unit_state_idx"),
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return f"{self.number} {self.display_title}"

    @property
    def display_title(self) -> str:
        return texts.render(self.title_text or self.title)

    @property
    def display_description(self) -> str:
        return texts.render(self.description_text or self.description)

    @property
    def display_deadline_basis(self) -> str:
        return texts.render(self.deadline_basis_text or self.deadline_basis)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def is_overdue(self, now) -> bool:
        return self.state in CLOCK_STATES and self.deadline_at is not None and self.deadline_at < now

    def days_left(self, now) -> int | None:
        """Calendar days from today to the deadline's day, both in local time (negative: days overdue); None
        when no deadline runs for the case."""
        if self.state not in CLOCK_STATES or self.deadline_at is None:
            return None
        return (timezone.localdate(self.deadline_at) - timezone.localdate(now)).days


class CaseEvent(models.Model):
    """One step on a case's timeline: who did what, when, from which state to which."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(_("action"), max_length=30)
    from_state = models.CharField(_("from state"), max_length=12, blank=True)
    to_state = models.CharField(_("to state"), max_length=12, blank=True)
    note = models.TextField(_("note"), blank=True)
    # A note the system wrote, as a stored text (lanqing.texts); `note` keeps what a person typed.
    note_text = models.JSONField(_("note (stored text)"), null=True, blank=True, editable=False)
    data = models.JSONField(_("details"), default=dict, blank=True)
    # Shown to the member of the public who filed the case's report (its tracking page); everything else on
    # the timeline is for staff only.
    public = models.BooleanField(_("shown to the reporter"), default=False)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    @property
    def display_note(self) -> str:
        return texts.render(self.note_text or self.note)

    @property
    def action_label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))

    @property
    def from_state_label(self) -> str:
        return str(CaseState(self.from_state).label) if self.from_state in CaseState.values else self.from_state

    @property
    def to_state_label(self) -> str:
        return str(CaseState(self.to_state).label) if self.to_state in CaseState.values else self.to_state


# What each timeline step is called on the page (CaseEvent.action is a stable code for exports and the API).
EVENT_LABELS = {
    "opened": _("Opened"),
    "dispatched": _("Dispatched"),
    "accepted": pgettext_lazy("case step", "Accepted"),
    "started": _("Work started"),
    "submitted": _("Rectification submitted"),
    "closed": _("Verified and closed"),
    "returned": _("Returned for more work"),
    "reopened": _("Reopened"),
    "extension_requested": _("Extension requested"),
    "extension_approved": _("Extension approved"),
    "extension_rejected": _("Extension refused"),
    "urged": _("Urged"),
    "instructed": _("Leadership instruction"),
    "contributed": _("Supporting unit's report"),
    "reminded": _("Deadline reminder"),
    "alert_cleared": _("Alert cleared"),
    "alert_joined": _("Alert joined"),
    "escalated_1": _("Overdue: urge notice"),
    "escalated_2": _("Escalated to the unit's leader"),
    "escalated_3": _("Escalated to county leadership"),
    "report_received": _("Public report received"),
    "report_accepted": _("Public report accepted"),
    "acceptance_overdue": _("Public report not decided in time"),
    "report_refused": _("Public report not accepted"),
    "public_reply": _("Reply to the reporter"),
    "internal_note": _("Internal note"),
    "reporter_reopened": _("Reopened by the reporter"),
    "reporter_rated": _("Rated by the reporter"),
}


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    PDF = "pdf", _("PDF document")


class Evidence(models.Model):
    """A file attached to a rectification report; its kind was read from its bytes, not its name."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="evidence")
    event = models.ForeignKey(CaseEvent, verbose_name=_("timeline entry"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=8, choices=EvidenceKind.choices)
    file = models.FileField(_("file"), upload_to="cases/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"))

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.original_name


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ExtensionRequest(models.Model):
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("requested"))
    new_deadline = models.DateTimeField(_("requested deadline"))
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=8, choices=ExtensionStatus.choices,
                              default=ExtensionStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    objects = AuditedQuerySet.as_manager()  # its conditional updates reach the audit trail too

    class Meta:
        ordering = ["-requested_at"]
        constraints = [models.UniqueConstraint(fields=["case"], condition=models.Q(status="pending"),
                                               name="extension_one_pending_per_case")]
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")

    def __str__(self) -> str:
        return f"{self.case_id} → {self.new_deadline:%Y-%m-%d}"


class AccountabilityOutcome(models.TextChoices):
    OPEN = "open", _("Still overdue")
    CLOSED_LATE = "closed_late", _("Closed late")
    EXTENDED = "extended", _("Deadline extended")


class AccountabilityRecord(models.Model):
    """Who was late on which case, by how much, and how it ended; scorecards read these."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="accountability")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    township = models.ForeignKey(Jurisdiction, verbose_name=_("township"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    deadline_at = models.DateTimeField(_("deadline missed"))
    recorded_at = models.DateTimeField(_("recorded"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    working_days_late = models.PositiveIntegerField(_("working days late"), default=0)
    highest_escalation = models.PositiveSmallIntegerField(_("highest escalation"),
                                                          choices=EscalationLevel.choices, default=0)
    outcome = models.CharField(_("outcome"), max_length=12, choices=AccountabilityOutcome.choices,
                               default=AccountabilityOutcome.OPEN)

    objects = AuditedQuerySet.as_manager()  # its conditional updates reach the audit trail too

    class Meta:
        ordering = ["-recorded_at"]
        constraints = [models.UniqueConstraint(fields=["case", "deadline_at"], name="accountability_once")]
        verbose_name = _("accountability record")
        verbose_name_plural = _("accountability records")

    def __str__(self) -> str:
        return f"{self.case_id} {self.unit_id} {self.working_days_late}"


class ResponsibilityRule(models.Model):
    """A row of the responsibility matrix (一岗双责): blank fields match anything; the most specific row wins."""

    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    industry = models.ForeignKey(Industry, verbose_name=_("industry"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    site_kind = models.CharField(_("site kind"), max_length=10, choices=SiteKind.choices, blank=True)
    lead_unit = models.ForeignKey(Unit, verbose_name=_("lead unit"), on_delete=models.PROTECT, related_name="+")
    support_units = models.ManyToManyField(Unit, verbose_name=_("supporting units"), blank=True,
                                           related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["category", "industry__code", "site_kind", "id"]
        constraints = [models.UniqueConstraint(fields=["category", "industry", "site_kind"],
                                               name="responsibility_unique_key",
                                               nulls_distinct=False)]
        verbose_name = _("responsibility matrix row")
        verbose_name_plural = _("responsibility matrix")

    def __str__(self) -> str:
        # Labels, not codes: the name shows on pages (the audit trail, the admin) in the reader's language.
        return (f"{self.get_category_display() or '*'} / {self.industry or '*'} / {self.get_site_kind_display() or '*'}"
                f" → {self.lead_unit}")


class ResponsibilityChange(models.Model):
    """One change to the responsibility matrix: who made it, when, and the row before and after (audit)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Row added")
        UPDATED = "updated", _("Row changed")
        DELETED = "deleted", _("Row deleted")

    # A plain number, not a key: the history outlives a deleted row.
    row_id = models.PositiveBigIntegerField(_("matrix row"))
    kind = models.CharField(_("change"), max_length=10, choices=Kind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL,
                           related_name="+")
    at = models.DateTimeField(_("time"))
    # The jurisdiction of the row's lead unit, so the history is scoped like the rows themselves.
    row_jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT,
                                         related_name="+")
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("responsibility matrix change")
        verbose_name_plural = _("responsibility matrix changes")

    def __str__(self) -> str:
        return f"{self.row_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    @staticmethod
    def _readable(snapshot: dict | None) -> dict | None:
        # Codes are stored (they do not change with the language); labels are shown in the reader's language.
        if not snapshot:
            return None
        category, kind = snapshot.get("category", ""), snapshot.get("site_kind", "")
        return {**snapshot,
                "category": Category(category).label if category in Category.values else category,
                "site_kind": SiteKind(kind).label if kind in SiteKind.values else kind}

    @property
    def before_shown(self) -> dict | None:
        return self._readable(self.before)

    @property
    def after_shown(self) -> dict | None:
        return self._readable(self.after)


class DeadlineRule(models.Model):
    """Working days allowed by category and severity (blank matches anything); the most specific row wins."""

    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, blank=True)
    working_days = models.PositiveSmallIntegerField(_("working days to rectify"))
    remind_before_days = models.PositiveSmallIntegerField(_("remind this many working days before"), default=1)
    unit_leader_after_days = models.PositiveSmallIntegerField(
        _("escalate to the unit's leader after this many working days overdue"), default=2)
    leadership_after_days = models.PositiveSmallIntegerField(
        _("escalate to county leadership after this many working days overdue"), default=5)
    basis = models.CharField(_("legal or policy basis"), max_length=200, blank=True)

    class Meta:
        ordering = ["category", "severity"]
        constraints = [models.UniqueConstraint(fields=["category", "severity"], name="deadline_rule_unique")]
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")

    def __str__(self) -> str:
        return f"{self.get_category_display() or '*'} / {self.get_severity_display() or '*'}: {self.working_days}"

    def clean(self) -> None:
        if self.working_days < 1:
            raise ValidationError({"working_days": gettext("Allow at least one working day.")})
        if self.leadership_after_days < self.unit_leader_after_days:
            raise ValidationError({"leadership_after_days": gettext(
                "County leadership is told after the unit's leader, not before.")})


class HolidayCorrection(models.Model):
    """The bureau's corrections to the holiday calendar, and the arrangement of years no library knows."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday correction")
        verbose_name_plural = _("holiday corrections")

    def __str__(self) -> str:
        return f"{self.date} {'working' if self.is_working_day else 'rest'}"
