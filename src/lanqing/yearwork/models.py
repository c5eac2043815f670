"""The year's work: a year's key-task plan, its tasks, targets, milestones and progress reports."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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


class ImportKind(models.TextChoices):
    TASKS = "tasks", _("Key tasks")
    HOUSEHOLDS = "households", _("Clean-heating households")
    PROJECTS = "projects", _("Projects and funds")
    SOIL = "soil", _("Soil register")
    LETTERS = "letters", _("Targets of responsibility letters")


class ImportState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    CHECKING = "checking", _("Checking the rows")
    WRITING = "writing", _("Writing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportRun(models.Model):
    """A workbook imported by the background worker: the file as received, how far the job has got (rows
    checked, rows written) and, when a row is bad, every problem with sheet, row and column (nothing written).
    It belongs to whoever uploaded it."""

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    # The plan a task list goes into (empty for the other kinds).
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
    file = models.FileField(_("file"), upload_to="yearwork/imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                           on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=ImportState.choices, default=ImportState.QUEUED)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_checked = models.PositiveIntegerField(_("rows checked"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    # Problems as stored texts (lanqing.texts), each naming sheet, row and column.
    errors = models.JSONField(_("problems"), default=list, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.original_name

    @property
    def running(self) -> bool:
        return self.state in (ImportState.QUEUED, ImportState.CHECKING, ImportState.WRITING)


class Letter(models.Model):
    """A target responsibility letter (目标责任书): what a township or a unit signed for the year, and the signed
    letter itself as a file."""

    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT,
                                     related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    township = models.ForeignKey(Jurisdiction, verbose_name=_("township"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="responsibility_letters")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="responsibility_letters")
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    file = models.FileField(_("signed letter"), upload_to="yearwork/letters/%Y/", blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    file_type = models.CharField(_("content type"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("created"))
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["-year", "township__code", "unit__name", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(township__isnull=True) ^ models.Q(unit__isnull=True),
                                   name="letter_township_or_unit"),
            models.UniqueConstraint(fields=["year", "township"], name="letter_unique_township"),
            models.UniqueConstraint(fields=["year", "unit"], name="letter_unique_unit"),
        ]
        verbose_name = _("target responsibility letter")
        verbose_name_plural = _("target responsibility letters")

    def __str__(self) -> str:
        return f"{self.year} {self.party_name}"

    @property
    def party_name(self) -> str:
        return self.township.name if self.township_id and self.township else (self.unit.name if self.unit else "")


class Measure(models.TextChoices):
    """What a letter's target is measured by, where lanqing has the figure (none: entered by the bureau)."""

    PM25_ANNUAL_MEAN = "pm25_mean", _("PM2.5 annual mean")
    GOOD_DAYS_RATIO = "good_days", _("Good-days ratio (%)")
    HOUSEHOLDS_CONVERTED = "households", _("Households converted to clean heating")
    SECTION_CLASS = "section_class", _("Water section class (worst day)")
    CASES_ON_TIME = "cases_on_time", _("Cases closed on time (%)")
    OTHER = "other", _("Other (entered by hand)")


class LetterTarget(models.Model):
    letter = models.ForeignKey(Letter, verbose_name=_("letter"), on_delete=models.CASCADE, related_name="targets")
    measure = models.CharField(_("measured by"), max_length=16, choices=Measure.choices)
    description = models.CharField(_("target"), max_length=200)
    target_value = models.DecimalField(_("target value"), max_digits=12, decimal_places=2)
    # True: the figure must not exceed the target (PM2.5, a section's class); False: must reach it.
    at_most = models.BooleanField(_("at most"), default=False)
    site = models.ForeignKey("monitoring.Site", verbose_name=_("site"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    measured = models.DecimalField(_("measured"), max_digits=12, decimal_places=2, null=True, blank=True)
    measured_at = models.DateTimeField(_("last computed"), null=True, blank=True)
    # Why there is no figure or what it covers, as a stored text (lanqing.texts).
    basis_text = models.JSONField(_("basis"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["letter", "id"]
        verbose_name = _("signed target")
        verbose_name_plural = _("signed targets")

    def __str__(self) -> str:
        return self.description

    @property
    def met(self) -> bool | None:
        if self.measured is None:
            return None
        return self.measured <= self.target_value if self.at_most else self.measured >= self.target_value


class Heating(models.TextChoices):
    SCATTERED_COAL = "coal", _("Scattered coal")
    CLEAN_COAL = "clean_coal", _("Clean coal")
    GAS = "gas", _("Natural gas")
    ELECTRIC = "electric", _("Electricity")
    CENTRAL = "central", _("Central heating")
    BIOMASS = "biomass", _("Biomass")
    OTHER = "other", pgettext_lazy("heating", "Other")


class VillageHeating(models.Model):
    """A village's year in the clean-heating programme: households to convert, and whether it lies in a
    coal-free zone (禁煤区)."""

    village = models.ForeignKey(Jurisdiction, verbose_name=_("village or community"), on_delete=models.PROTECT,
                                related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    households_target = models.PositiveIntegerField(_("households to convert"))
    coal_free_zone = models.BooleanField(_("coal-free zone"), default=False)

    class Meta:
        ordering = ["-year", "village__code"]
        constraints = [models.UniqueConstraint(fields=["village", "year"], name="village_heating_unique")]
        verbose_name = _("village heating target")
        verbose_name_plural = _("village heating targets")

    def __str__(self) -> str:
        return f"{self.year} {self.village}"


class Household(models.Model):
    """A household of the clean-heating ledger. Head and ID number are personal data: only its township and
    the bureau read them (lanqing.org.access, "household.personal"); every other view and export masks them."""

    township = models.ForeignKey(Jurisdiction, verbose_name=_("township"), on_delete=models.PROTECT,
                                 related_name="+")
    village = models.ForeignKey(Jurisdiction, verbose_name=_("village or community"), on_delete=models.PROTECT,
                                related_name="+")
    head_name = models.CharField(_("head of household"), max_length=50)
    id_number = models.CharField(_("ID number"), max_length=18, unique=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    heating_before = models.CharField(_("heating before"), max_length=12, choices=Heating.choices,
                                      default=Heating.SCATTERED_COAL)
    heating_after = models.CharField(_("heating after"), max_length=12, choices=Heating.choices, blank=True)
    converted_on = models.DateField(_("converted on"), null=True, blank=True)
    subsidy_granted = models.DecimalField(_("subsidy granted (yuan)"), max_digits=10, decimal_places=2, default=0)
    subsidy_paid = models.DecimalField(_("subsidy paid (yuan)"), max_digits=10, decimal_places=2, default=0)
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["village__code", "id"]
        indexes = [models.Index(fields=["township", "converted_on"], name="household_township_conv_idx"),
                   models.Index(fields=["village", "converted_on"], name="household_village_conv_idx")]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return f"{self.village} #{self.id}"


class HeatingTally(models.Model):
    """How many ledger households a village has that were converted in a year (``converted_year`` empty: not
    converted yet). The progress page reads these few rows instead of counting a province's million
    households on every view; lanqing.yearwork.heating keeps them true whenever households are written."""

    village = models.ForeignKey(Jurisdiction, verbose_name=_("village or community"), on_delete=models.CASCADE,
                                related_name="+")
    converted_year = models.PositiveSmallIntegerField(_("year converted"), null=True, blank=True)
    households = models.PositiveIntegerField(_("households"))

    class Meta:
        indexes = [models.Index(fields=["village", "converted_year"], name="heating_tally_village_idx")]
        verbose_name = _("clean-heating tally")
        verbose_name_plural = _("clean-heating tallies")

    def __str__(self) -> str:
        return f"{self.village} {self.converted_year}: {self.households}"


class Visit(models.Model):
    """A verification visit or spot check (入户核查); a household found back on coal opens a case."""

    household = models.ForeignKey(Household, verbose_name=_("household"), on_delete=models.CASCADE,
                                  related_name="visits")
    visited_on = models.DateField(_("visited on"))
    back_on_coal = models.BooleanField(_("back on coal"), default=False)
    note = models.TextField(_("note"), blank=True)
    photo = models.FileField(_("photo"), upload_to="yearwork/visits/%Y/%m/", blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("visited by"), null=True,
                           on_delete=models.SET_NULL, related_name="+")
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    recorded_at = models.DateTimeField(_("recorded"))

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("verification visit")
        verbose_name_plural = _("verification visits")

    def __str__(self) -> str:
        return f"{self.household} {self.visited_on}"


class Indicator(models.TextChoices):
    CASES_ON_TIME = "cases_on_time", _("Cases closed on time")
    TASK_COMPLETION = "task_completion", _("Key-task completion")
    TARGETS_MET = "targets_met", _("Signed targets met")
    HEATING_PROGRESS = "heating_progress", _("Clean-heating progress")
    OVERDUE_DAYS = "overdue_days", _("Working days overdue (deduction per day)")


class ScoreWeight(models.Model):
    """The bureau's weights for a year's scorecards: points per indicator (or points deducted per overdue day)."""

    year = models.PositiveSmallIntegerField(_("year"))
    indicator = models.CharField(_("indicator"), max_length=20, choices=Indicator.choices)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["-year", "indicator"]
        constraints = [models.UniqueConstraint(fields=["year", "indicator"], name="score_weight_unique")]
        verbose_name = _("scorecard weight")
        verbose_name_plural = _("scorecard weights")

    def __str__(self) -> str:
        return f"{self.year} {self.indicator} {self.weight}"


class ProjectKind(models.TextChoices):
    GAS = "gas", _("Natural-gas replacement")
    MINE = "mine", _("Mine ecological restoration")
    RURAL = "rural", _("Rural sewage and garbage")
    TOWN = "town", _("Town sewage and garbage")
    WATER = "water", _("Water pollution control")
    UPGRADE = "upgrade", _("Enterprise upgrade (industrial restructuring)")
    OTHER = "other", pgettext_lazy("project", "Other")


class FundSource(models.TextChoices):
    CENTRAL = "central", _("Central")
    PROVINCIAL = "provincial", _("Provincial")
    COUNTY = "county", _("County")
    ENTERPRISE = "enterprise", pgettext_lazy("funds", "Enterprise")


# 1 hectare = 15 mu (市亩).
MU_PER_HECTARE = 15


class Project(models.Model):
    """An environmental project with its funds by source; behind schedule or over budget opens a case."""

    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT,
                                     related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=10, choices=ProjectKind.choices)
    name = models.CharField(_("name"), max_length=200)
    lead_unit = models.ForeignKey(Unit, verbose_name=_("lead unit"), on_delete=models.PROTECT, related_name="projects")
    township = models.ForeignKey(Jurisdiction, verbose_name=_("township"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="projects")
    area_mu = models.DecimalField(_("area (mu)"), max_digits=12, decimal_places=2, null=True, blank=True)
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned completion"))
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    created_at = models.DateTimeField(_("created"))
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["-year", "name", "id"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self) -> str:
        return self.name

    @property
    def area_hectares(self):
        return None if self.area_mu is None else (self.area_mu / MU_PER_HECTARE).quantize(Decimal("0.01"))


class ProjectFund(models.Model):
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="funds")
    source = models.CharField(_("source of funds"), max_length=12, choices=FundSource.choices)
    budget = models.DecimalField(_("budget (yuan)"), max_digits=14, decimal_places=2, default=0)
    allocated = models.DecimalField(_("allocated (yuan)"), max_digits=14, decimal_places=2, default=0)
    spent = models.DecimalField(_("spent (yuan)"), max_digits=14, decimal_places=2, default=0)

    class Meta:
        ordering = ["project", "source"]
        constraints = [models.UniqueConstraint(fields=["project", "source"], name="project_fund_unique")]
        verbose_name = _("project fund")
        verbose_name_plural = _("project funds")

    def __str__(self) -> str:
        return f"{self.project} {self.source}"


class ProjectReport(models.Model):
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="reports")
    text = models.TextField(_("progress"))
    progress = models.PositiveSmallIntegerField(_("progress (%)"))
    photo = models.FileField(_("photo"), upload_to="yearwork/projects/%Y/%m/", blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reported by"), null=True,
                           on_delete=models.SET_NULL, related_name="+")
    reported_at = models.DateTimeField(_("reported"))

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("project report")
        verbose_name_plural = _("project reports")

    def __str__(self) -> str:
        return self.text[:50]


class SoilUnit(models.Model):
    """A key soil-pollution supervision unit (土壤污染重点监管单位): an enterprise on the year's list, which owes a
    self-monitoring report and a hidden-danger check every year."""

    enterprise = models.ForeignKey("org.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                   related_name="soil_listings")
    listed_year = models.PositiveSmallIntegerField(_("listed in"))
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["enterprise__name"]
        constraints = [models.UniqueConstraint(fields=["enterprise"], name="soil_unit_unique")]
        verbose_name = _("key soil supervision unit")
        verbose_name_plural = _("key soil supervision units")

    def __str__(self) -> str:
        return str(self.enterprise)


class SoilReportKind(models.TextChoices):
    SELF_MONITORING = "monitoring", _("Self-monitoring report")
    HIDDEN_DANGER = "hidden_danger", _("Hidden-danger check")


class SoilReport(models.Model):
    unit = models.ForeignKey(SoilUnit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="reports")
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=14, choices=SoilReportKind.choices)
    file = models.FileField(_("file"), upload_to="yearwork/soil/%Y/")
    file_name = models.CharField(_("file name"), max_length=200)
    submitted_at = models.DateTimeField(_("submitted"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True,
                           on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-year", "kind"]
        constraints = [models.UniqueConstraint(fields=["unit", "year", "kind"], name="soil_report_unique")]
        verbose_name = _("soil report")
        verbose_name_plural = _("soil reports")

    def __str__(self) -> str:
        return f"{self.unit} {self.year} {self.kind}"


class PlotStage(models.TextChoices):
    SUSPECTED = "suspected", _("Suspected")
    INVESTIGATION = "investigation", _("Under investigation")
    CONFIRMED = "confirmed", _("Confirmed contaminated")
    RISK_ASSESSMENT = "assessment", _("Risk assessment")
    RISK_CONTROL = "control", _("Risk control or remediation")
    CLOSED = "closed", _("Removed from the list")


class Plot(models.Model):
    """A suspected or confirmed contaminated plot and the step it is at; a step past its due date opens a case."""

    name = models.CharField(_("name"), max_length=200)
    township = models.ForeignKey(Jurisdiction, verbose_name=_("township"), on_delete=models.PROTECT, related_name="+")
    area_mu = models.DecimalField(_("area (mu)"), max_digits=12, decimal_places=2, null=True, blank=True)
    lead_unit = models.ForeignKey(Unit, verbose_name=_("lead unit"), on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(_("stage"), max_length=14, choices=PlotStage.choices, default=PlotStage.SUSPECTED)
    stage_due = models.DateField(_("step due"), null=True, blank=True)
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        ordering = ["township__code", "name"]
        verbose_name = _("contaminated plot")
        verbose_name_plural = _("contaminated plots")

    def __str__(self) -> str:
        return self.name
