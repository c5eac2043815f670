"""Soil (净土): key supervision units with their yearly self-monitoring reports and hidden-danger checks, and
contaminated plots with the step each is at. A missing yearly report, or a plot's step past its due date,
opens one case (routed by the matrix for a unit's enterprise, to the plot's lead unit for a plot)."""

from __future__ import annotations

from datetime import date, datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lanqing import texts
from lanqing.cases.evidence import EvidenceRefused, evidence_check
from lanqing.cases.models import CaseSource, Category
from lanqing.cases.transitions import case_open
from lanqing.cases.workdays import local_date
from lanqing.org import access
from lanqing.yearwork.models import Plot, PlotStage, SoilReport, SoilReportKind, SoilUnit

# A year's reports are due by this day of the following year [U]: the county's own rule was not found; the
# 2017 industrial-enterprise soil measures ask for yearly self-monitoring without naming a day in what we read.
REPORTS_DUE = (1, 31)


# The English msgids of the kinds and stages (the models' labels), for stored texts rendered in the reader's language.
KIND_KEYS = {SoilReportKind.SELF_MONITORING: texts.gettext_noop("Self-monitoring report"),
             SoilReportKind.HIDDEN_DANGER: texts.gettext_noop("Hidden-danger check")}
STAGE_KEYS = {PlotStage.SUSPECTED: texts.gettext_noop("Suspected"),
              PlotStage.INVESTIGATION: texts.gettext_noop("Under investigation"),
              PlotStage.CONFIRMED: texts.gettext_noop("Confirmed contaminated"),
              PlotStage.RISK_ASSESSMENT: texts.gettext_noop("Risk assessment"),
              PlotStage.RISK_CONTROL: texts.gettext_noop("Risk control or remediation"),
              PlotStage.CLOSED: texts.gettext_noop("Removed from the list")}


class SoilError(ValueError):
    pass


@transaction.atomic
def soil_report_submit(*, by, unit: SoilUnit, year: int, kind: str, upload, now: datetime | None = None) -> SoilReport:
    """The enterprise (or the bureau for it) files a year's report; a second file for the same year replaces it."""
    access.require(by, "soil.report", unit)
    now = now or timezone.now()
    if kind not in SoilReportKind.values or not 2000 <= year <= local_date(now).year:
        raise SoilError(_("Choose the kind of report and a year that has begun."))
    if upload is None:
        raise SoilError(_("Choose a file to upload."))
    try:
        checked = evidence_check([upload])[0]
    except EvidenceRefused as refusal:
        raise SoilError(str(refusal)) from None
    report, _created = SoilReport.objects.get_or_create(unit=unit, year=year, kind=kind, defaults={
        "submitted_at": now, "by": by, "file_name": checked.name})
    report.submitted_at, report.by, report.file_name = now, by, checked.name
    report.file.save(f"soil-{unit.id}-{year}-{kind}{checked.extension}", ContentFile(checked.data), save=False)
    report.save()
    return report


@transaction.atomic
def plot_stage_set(*, by, plot: Plot, stage: str, stage_due: date | None) -> Plot:
    access.require(by, "soil.manage", plot)
    if stage not in PlotStage.values:
        raise SoilError(_("Unknown stage."))
    # A new step starts a new clock; a case about the previous step stays on the plot's history in cases.
    Plot.objects.filter(id=plot.id).update(stage=stage, stage_due=stage_due, case=None)
    plot.stage, plot.stage_due, plot.case = stage, stage_due, None
    return plot


@transaction.atomic
def _unit_case(unit_id: int, year: int, now: datetime) -> bool:
    unit = SoilUnit.objects.select_for_update(of=("self",)).select_related("enterprise").get(id=unit_id)
    filed = set(unit.reports.filter(year=year).values_list("kind", flat=True))
    missing = [texts.message(KIND_KEYS[SoilReportKind(kind)]) for kind in SoilReportKind.values if kind not in filed]
    if unit.case_id is not None or unit.listed_year > year or not missing:
        return False
    case = case_open(
        title=texts.message(texts.gettext_noop("Soil supervision unit without its %(year)s reports: %(name)s"),
                            year=year, name=unit.enterprise.name),
        description=texts.message(texts.gettext_noop("Missing: %(missing)s."), missing=texts.items(missing)),
        category=Category.INSPECTION, source=CaseSource.INSPECTION, enterprise=unit.enterprise, subject=unit,
        now=now, is_demo=unit.is_demo)
    SoilUnit.objects.filter(id=unit.id).update(case=case)
    return True


@transaction.atomic
def _plot_case(plot_id: int, now: datetime) -> bool:
    plot = Plot.objects.select_for_update(of=("self",)).select_related("township", "lead_unit").get(id=plot_id)
    if plot.case_id is not None or plot.stage_due is None or plot.stage_due >= local_date(now):
        return False
    case = case_open(
        title=texts.message(texts.gettext_noop("Contaminated plot step overdue: %(name)s (%(stage)s, due %(due)s)"),
                            name=plot.name, stage=texts.message(STAGE_KEYS[PlotStage(plot.stage)]),
                            due=plot.stage_due.isoformat()),
        category=Category.OVERDUE_TASK, source=CaseSource.OVERDUE_TASK, jurisdiction=plot.township, subject=plot,
        lead_unit=plot.lead_unit, now=now, is_demo=plot.is_demo)
    Plot.objects.filter(id=plot.id).update(case=case)
    return True


def soil_check(*, now: datetime | None = None) -> int:
    """Cases for last year's missing reports (once the due day has passed) and for plots' overdue steps."""
    now = now or timezone.now()
    today = local_date(now)
    year = today.year - 1
    opened = 0
    if today > date(today.year, *REPORTS_DUE):
        opened += sum(_unit_case(unit_id, year, now)
                      for unit_id in SoilUnit.objects.filter(case__isnull=True).values_list("id", flat=True))
    open_plots = Plot.objects.filter(case__isnull=True, stage_due__lt=today).exclude(stage=PlotStage.CLOSED)
    opened += sum(_plot_case(plot_id, now) for plot_id in open_plots.values_list("id", flat=True))
    return opened
