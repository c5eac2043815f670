"""Projects and funds: money by source (Decimal yuan, never float), progress reports with photos, and the
check that opens a case for a project behind schedule or over budget (once per project, routed to its lead
unit; the case's clock then reminds and escalates)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from lanqing import texts
from lanqing.cases.evidence import EvidenceRefused, evidence_check
from lanqing.cases.models import CaseSource, Category
from lanqing.cases.transitions import case_open
from lanqing.cases.workdays import local_date
from lanqing.org import access
from lanqing.org.models import Jurisdiction, Level, Unit
from lanqing.yearwork.models import Project, ProjectFund, ProjectKind, ProjectReport

# A project this many points behind the share of its planned time already spent is behind schedule.
BEHIND_BY_POINTS = 30
MAX_YUAN = Decimal("1e12")


class ProjectError(ValueError):
    pass


@transaction.atomic
def project_create(*, by, jurisdiction: Jurisdiction, year: int, kind: str, name: str, lead_unit: Unit,
                   planned_start: date, planned_end: date, township: Jurisdiction | None = None,
                   area_mu: Decimal | None = None, now: datetime | None = None, is_demo: bool = False) -> Project:
    access.require(by, "project.manage")
    if kind not in ProjectKind.values or not name.strip():
        raise ProjectError(_("Give the project a kind and a name."))
    if planned_end < planned_start:
        raise ProjectError(_("The planned completion lies before the start."))
    if area_mu is not None and (not area_mu.is_finite() or area_mu < 0):
        raise ProjectError(_("The area cannot be negative."))
    if township is not None and (township.level != Level.TOWNSHIP or not jurisdiction.contains(township)):
        raise ProjectError(_("Choose a township of the jurisdiction."))
    if not access.units_visible_to(by).filter(id=lead_unit.id).exists():
        raise ProjectError(_("This unit is outside your jurisdiction."))
    return Project.objects.create(jurisdiction=jurisdiction, year=year, kind=kind, name=name.strip()[:200],
                                  lead_unit=lead_unit, township=township, area_mu=area_mu,
                                  planned_start=planned_start, planned_end=planned_end,
                                  created_at=now or timezone.now(), is_demo=is_demo)


def _yuan(value: Decimal) -> Decimal:
    if not value.is_finite() or value < 0 or value >= MAX_YUAN:
        raise ProjectError(_("An amount is a number of yuan, 0 or more."))
    return value.quantize(Decimal("0.01"))


@transaction.atomic
def project_fund_set(*, by, project: Project, source: str, budget: Decimal, allocated: Decimal,
                     spent: Decimal) -> ProjectFund:
    access.require(by, "project.manage", project)
    fund, _created = ProjectFund.objects.update_or_create(project=project, source=source, defaults={
        "budget": _yuan(budget), "allocated": _yuan(allocated), "spent": _yuan(spent)})
    return fund


@transaction.atomic
def project_report(*, by, project: Project, text: str, progress: int, photo=None,
                   now: datetime | None = None) -> ProjectReport:
    access.require(by, "project.report", project)
    now = now or timezone.now()
    if not text.strip():
        raise ProjectError(_("Say what was done."))
    if not 0 <= progress <= 100:
        raise ProjectError(_("Progress is a percentage from 0 to 100."))
    report = ProjectReport(project=project, text=text.strip(), progress=progress, by=by, reported_at=now)
    if photo is not None:
        try:
            checked = evidence_check([photo])[0]
        except EvidenceRefused as refusal:
            raise ProjectError(str(refusal)) from None
        report.photo.save(f"project-{project.id}{checked.extension}", ContentFile(checked.data), save=False)
    report.save()
    Project.objects.filter(id=project.id).update(progress=progress)
    project.progress = progress
    return report


def money(project: Project) -> dict[str, Decimal]:
    totals = project.funds.aggregate(budget=Sum("budget"), allocated=Sum("allocated"), spent=Sum("spent"))
    return {key: value or Decimal(0) for key, value in totals.items()}


def behind_schedule(project: Project, today: date) -> bool:
    if project.progress >= 100:
        return False
    if today > project.planned_end:
        return True
    span = (project.planned_end - project.planned_start).days or 1
    elapsed = max((today - project.planned_start).days, 0)
    return elapsed * 100 // span - project.progress >= BEHIND_BY_POINTS


@transaction.atomic
def _project_case_open(project_id: int, now: datetime) -> bool:
    project = Project.objects.select_for_update(of=("self",)).select_related(
        "lead_unit", "township", "jurisdiction").get(id=project_id)
    if project.case_id is not None:
        return False
    totals = money(project)
    over = totals["spent"] > totals["budget"]
    late = behind_schedule(project, local_date(now))
    if not (over or late):
        return False
    if over:
        title = texts.message(texts.gettext_noop("Project over budget: %(name)s (spent %(spent)s of %(budget)s yuan)"),
                              name=project.name, spent=str(totals["spent"]), budget=str(totals["budget"]))
    else:
        title = texts.message(texts.gettext_noop("Project behind schedule: %(name)s (%(progress)s%% done, due "
                                                 "%(due)s)"), name=project.name, progress=project.progress,
                              due=project.planned_end.isoformat())
    case = case_open(title=title, category=Category.OVERDUE_TASK if late and not over else Category.OTHER,
                     source=CaseSource.OVERDUE_TASK, jurisdiction=project.township or project.jurisdiction,
                     subject=project, lead_unit=project.lead_unit, now=now, is_demo=project.is_demo)
    Project.objects.filter(id=project.id).update(case=case)
    return True


def projects_check(*, now: datetime | None = None) -> int:
    """Opens a case for each project behind schedule or over budget that has none; returns how many."""
    now = now or timezone.now()
    return sum(_project_case_open(project_id, now)
               for project_id in Project.objects.filter(case__isnull=True).values_list("id", flat=True))
