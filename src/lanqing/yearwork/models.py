"""The year's work: a year's key-task plan, its tasks, targets, milestones and progress reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lanqing.org.models import Jurisdiction, Unit


class Plan(models.Model):
    """A year's key tasks as a meeting deployed them (e.g. the county's 2020 environmental work meeting)."""

    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT,
                                     related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    meeting = models.CharField(_("meeting"), max_length=200, blank=True)
    meeting_date = models.DateField(_("meeting date"), null=True, blank=True)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"))
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["-year", "title"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "year", "title"], name="plan_unique_title")]
        verbose_name = _("key-task plan")
        verbose_name_plural = _("key-task plans")

    def __str__(self) -> str:
        return f"{self.year} {self.title}"


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    OVERDUE = "overdue", _("Behind schedule")
    DONE = "done", _("Completed")


class Task(models.Model):
    """One key task: who leads, who supports, where, by when. Status and completion are computed from its
    milestones and targets (lanqing.yearwork.completion) and stored for lists and scorecards."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="tasks")
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("task"), max_length=300)
    lead_unit = models.ForeignKey(Unit, verbose_name=_("lead unit"), on_delete=models.PROTECT,
                                  related_name="lead_tasks")
    support_units = models.ManyToManyField(Unit, verbose_name=_("supporting units"), blank=True,
                                           related_name="supporting_tasks")
    townships = models.ManyToManyField(Jurisdiction, verbose_name=_("townships"), blank=True,
                                       related_name="key_tasks")
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=12, choices=TaskStatus.choices,
                              default=TaskStatus.NOT_STARTED)
    completion = models.DecimalField(_("completion"), max_digits=5, decimal_places=4, default=0)
    computed_at = models.DateTimeField(_("last computed"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["plan", "number", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="task_unique_number")]
        indexes = [models.Index(fields=["status", "deadline"], name="task_status_deadline_idx")]
        verbose_name = _("key task")
        verbose_name_plural = _("key tasks")

    def __str__(self) -> str:
        return self.title

    @property
    def completion_percent(self) -> int:
        return int(self.completion * 100)


class Target(models.Model):
    """A number with a unit (3000 户, 0.5 km) or, without a number, a deliverable (a plan, an acceptance)."""

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="targets")
    description = models.CharField(_("target"), max_length=200, blank=True)
    planned = models.DecimalField(_("planned"), max_digits=14, decimal_places=2, null=True, blank=True)
    unit = models.CharField(_("unit of measure"), max_length=20, blank=True)
    achieved = models.DecimalField(_("achieved"), max_digits=14, decimal_places=2, null=True, blank=True)
    delivered = models.BooleanField(_("delivered"), default=False)

    class Meta:
        ordering = ["task", "id"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")

    def __str__(self) -> str:
        return self.description

    @property
    def is_deliverable(self) -> bool:
        return self.planned is None


class Milestone(models.Model):
    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    due_date = models.DateField(_("due date"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    # The supervision case an overdue milestone opened (once); the case's own clock reminds and escalates.
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")

    class Meta:
        ordering = ["task", "due_date", "id"]
        indexes = [models.Index(fields=["done_at", "due_date"], name="milestone_open_due_idx")]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.title


class ProgressReport(models.Model):
    """A responsible unit's or township's report: what was done, optionally a milestone reached and a
    target's figure so far, with evidence files."""

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="reports")
    text = models.TextField(_("progress"))
    milestone = models.ForeignKey(Milestone, verbose_name=_("milestone reached"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="reports")
    target = models.ForeignKey(Target, verbose_name=_("target"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="reports")
    achieved = models.DecimalField(_("achieved so far"), max_digits=14, decimal_places=2, null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reported by"), null=True,
                           on_delete=models.SET_NULL, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    township = models.ForeignKey(Jurisdiction, verbose_name=_("township"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(_("reported"))

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")

    def __str__(self) -> str:
        return self.text[:50]


class ReportFile(models.Model):
    """Evidence attached to a progress report; its kind was read from its bytes (lanqing.cases.evidence)."""

    report = models.ForeignKey(ProgressReport, verbose_name=_("progress report"), on_delete=models.CASCADE,
                               related_name="files")
    kind = models.CharField(_("kind"), max_length=8)
    file = models.FileField(_("file"), upload_to="yearwork/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded"))

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.original_name


class TaskImport(models.Model):
    """An uploaded task list, kept as received for audit with what became of it."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="imports")
    file = models.FileField(_("file"), upload_to="yearwork/imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                           on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"))
    # Row problems as stored texts (lanqing.texts) with sheet, row and column; empty when the tasks were written.
    errors = models.JSONField(_("problems"), default=list, blank=True)
    task_count = models.PositiveIntegerField(_("tasks written"), default=0)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("task import")
        verbose_name_plural = _("task imports")

    def __str__(self) -> str:
        return self.original_name
