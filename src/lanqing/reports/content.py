"""What a report says: sections of sentences and tables built from the stored data of one area and period.

Figures come from the standards engine and the services the pages use (workbench.air, workbench.overview,
monitoring.quality), so a report never states a number the pages would not. Sentences are built in the
language the caller activates; a period without enough data says "insufficient data", never a number.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from lanqing import standards
from lanqing.alerts.models import Exceedance
from lanqing.cases.models import OPEN_STATES, Case, CaseState
from lanqing.monitoring import quality
from lanqing.monitoring.models import Factor, Measurement, Period, Point, Site, SiteKind
from lanqing.org.models import Jurisdiction
from lanqing.reports.models import ReportKind
from lanqing.workbench.air import area_days, station_ranking
from lanqing.workbench.overview import period_air
from lanqing.yearwork import scorecard
from lanqing.yearwork import summary as yearwork
from lanqing.yearwork.models import Indicator

Progress = Callable[[int], None]
# The pollutants of a station's row, and each one's decimals as published (CO in mg/m³ to 1 dp).
DAILY_COLUMNS = (("PM2.5", 0), ("PM10", 0), ("O3", 0), ("NO2", 0), ("SO2", 0), ("CO", 1))
MAX_SITES = 200
# The reports that state the year's work (key tasks, letters, clean heating, scorecards).
YEARWORK_KINDS = (ReportKind.MONTHLY, ReportKind.YEARLY)


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    heading: str
    lines: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass
class ReportContent:
    title: str
    period: str
    sections: list[Section]


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _fmt(value: float | None, digits: int = 0) -> str:
    if value is None or math.isnan(value):
        return _("insufficient data")
    return f"{value:.{digits}f}"


def _category(row: quality.AqiRow) -> str:
    return (row.category_en if _english() else row.category_zh) or "—"


def bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The local days first..last as a half-open span of aware datetimes."""
    zone = timezone.get_current_timezone()
    return datetime.combine(first, time(), zone), datetime.combine(last + timedelta(days=1), time(), zone)


def area_sites(area: Jurisdiction, kind: str) -> list[Site]:
    return list(Site.objects.filter(kind=kind, is_active=True, jurisdiction__code__startswith=area.prefix)
                .order_by("code")[:MAX_SITES])


def has_data(area: Jurisdiction, first: date, last: date) -> bool:
    begin, end = bounds(first, last)
    return Measurement.objects.filter(point__site__jurisdiction__code__startswith=area.prefix,
                                      period__in=[Period.HOUR, Period.DAY], time__gte=begin, time__lt=end).exists()


def data_used(area: Jurisdiction, first: date, last: date, *, kind: str | None = None) -> dict:
    """What the archive records of the data a report was made from: the hourly and daily values of the area's
    stations and sections in the period (its figures' source; outlets enter through their exceedances), and a
    monthly or yearly report's year's-work rows (under "yearwork")."""
    begin, end = bounds(first, last)
    stations, sections = area_sites(area, SiteKind.AIR), area_sites(area, SiteKind.WATER)
    # Asked by point and factor ids: SQLite then reads the period's range of each (point, factor, period) in the
    # values' natural key instead of filtering every value by its site.
    points = Point.objects.filter(site__in=[site.id for site in stations + sections]).values_list("id", flat=True)
    values = Measurement.objects.filter(point_id__in=points, factor_id__in=Factor.objects.values("id"),
                                        period__in=[Period.HOUR, Period.DAY], time__gte=begin, time__lt=end)
    # Two statements: alone, each reads the index as it is fastest (COUNT(*) its entries, MAX(time) the last of
    # each range), where one statement asking both took twice as long.
    newest = values.aggregate(newest=Max("time"))["newest"]
    used = {"values": values.count(), "newest_value": newest.isoformat() if newest else None,
            "stations": len(stations), "sections": len(sections)}
    if kind in YEARWORK_KINDS:
        used["yearwork"] = yearwork.data_used(area=area, year=first.year)
    return used


def air_of_day(stations: list[Site], day: date) -> Section:
    section = Section(_("Air quality"))
    if not stations:
        section.lines.append(_("No air station in this area."))
        return section
    area = quality.aqi_of_days(area_days(stations, first_day=day, days=1), first_day=day)[0]
    if area.aqi is None:
        section.lines.append(_("AQI of the area: insufficient data."))
    else:
        section.lines.append(_("AQI of the area: %(aqi)s, %(category)s; primary pollutant: %(primary)s.") % {
            "aqi": area.display, "category": _category(area), "primary": ", ".join(area.primary) or "—"})
    rows = []
    for site in stations:
        daily = quality.air_days(site, first_day=day, days=1)
        row = quality.aqi_of_days(daily, first_day=day)[0]
        values = daily[standards.air_standard_for(day, today=timezone.localdate())]
        rows.append([site.name, row.display, _category(row), ", ".join(row.primary) or "—",
                     *[_fmt(float(values[name][0]), digits) for name, digits in DAILY_COLUMNS]])
    section.tables.append(Table(_("Stations"), [
        _("Station"), "AQI", _("Category"), _("Primary pollutant"), "PM2.5", "PM10", "O3 (8h)", "NO2", "SO2",
        "CO (mg/m³)"], rows))
    return section


def air_of_period(stations: list[Site], first: date, last: date) -> Section:
    section = Section(_("Air quality"))
    if not stations:
        section.lines.append(_("No air station in this area."))
        return section
    figures = period_air(stations, first_day=first, last_day=last)
    if figures is not None:
        ratio = _fmt(figures.good_ratio, 1) + ("%" if figures.good_ratio is not None else "")
        section.lines.append(_("PM2.5 mean: %(pm25)s µg/m³; good days ratio: %(ratio)s (%(days)s valid days).")
                             % {"pm25": _fmt(figures.pm25), "ratio": ratio, "days": figures.valid_days})
    rows = quality.aqi_of_days(area_days(stations, first_day=first, days=(last - first).days + 1), first_day=first)
    polluted = [row for row in rows if row.aqi is not None and row.aqi > 100]
    section.lines.append(_("Days with AQI above 100: %(days)s.") % {"days": len(polluted)})
    by_primary = Counter(name for row in polluted for name in row.primary)
    if by_primary:
        section.lines.append(_("Their primary pollutants: %(list)s.") % {
            "list": ", ".join(f"{name} {count}" for name, count in by_primary.most_common())})
    ranking = station_ranking(stations, first_day=first, last_day=last)
    section.tables.append(Table(_("Station ranking"), [_("Rank"), _("Station"), _("Composite index"), "PM2.5",
                                                      _("Good days ratio")],
                                [[str(r.rank or "—"), r.site.name, _fmt(r.composite, 2), _fmt(r.pm25),
                                  _fmt(r.good_ratio, 1)] for r in ranking]))
    return section


def water_of_period(sections: list[Site], first: date, last: date) -> Section:
    section = Section(_("Surface water"))
    if not sections:
        section.lines.append(_("No water section in this area."))
        return section
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    rows = []
    for site in sections:
        classes = [m for m in quality.monthly_water_class(site, first_month=first.replace(day=1), months=months)
                   if m is not None]
        judged = [m for m in classes if m.result.meets_target is not None]
        worst = max(classes, key=lambda m: m.result.water_class, default=None)
        rows.append([site.name, site.get_target_class_display() if site.target_class else "—",
                     worst.result.class_name if worst else _("insufficient data"),
                     f"{sum(1 for m in judged if m.result.meets_target)} / {len(judged)}",
                     ", ".join(worst.result.main_pollutants) if worst and worst.result.main_pollutants else "—"])
    section.tables.append(Table(_("Sections"), [_("Section"), _("Target"), _("Worst monthly class"),
                                                _("Months meeting the target"), _("Main pollutants")], rows))
    return section


def sources_of_period(area: Jurisdiction, first: date, last: date) -> Section:
    section = Section(_("Pollution sources"))
    begin, end = bounds(first, last)
    counts = (Exceedance.objects.filter(point__site__jurisdiction__code__startswith=area.prefix, time__gte=begin,
                                        time__lt=end)
              .values("point__site__enterprise__name").annotate(n=Count("id")).order_by("-n")[:20])
    if not counts:
        section.lines.append(_("No value above an outlet's limit in the period."))
        return section
    section.tables.append(Table(_("Enterprises with values above their limits"),
                                [_("Enterprise"), _("Values above the limit")],
                                [[row["point__site__enterprise__name"] or "—", str(row["n"])] for row in counts]))
    return section


def cases_of_period(area: Jurisdiction, first: date, last: date) -> Section:
    section = Section(_("Supervision cases"))
    begin, end = bounds(first, last)
    cases = Case.objects.filter(jurisdiction__code__startswith=area.prefix)
    opened = cases.filter(created_at__gte=begin, created_at__lt=end).count()
    closed = cases.filter(state=CaseState.CLOSED, closed_at__gte=begin, closed_at__lt=end).count()
    overdue = cases.filter(state__in=OPEN_STATES, deadline_at__lt=end, created_at__lt=end).count()
    section.lines.append(_("Opened: %(opened)s; closed: %(closed)s; open and overdue now: %(overdue)s.") % {
        "opened": opened, "closed": closed, "overdue": overdue})
    return section


def _percent(share: Decimal | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def _tasks_part(section: Section, area: Jurisdiction, year: int) -> None:
    tasks = yearwork.task_summary(area=area, year=year)
    if not tasks.count:
        section.lines.append(_("No key task in the plans of %(year)s.") % {"year": year})
        return
    section.lines.append(_("Key tasks: %(count)s; completed: %(completed)s; behind schedule: %(behind)s; mean "
                           "completion: %(mean)s.") % {"count": tasks.count, "completed": tasks.completed,
                                                       "behind": tasks.behind,
                                                       "mean": _percent(tasks.mean_completion)})
    if tasks.behind_tasks:
        section.tables.append(Table(_("Key tasks behind schedule"), [
            _("Task"), _("Lead unit"), pgettext("key task", "Deadline"), _("Completion")],
            [[task.title, task.lead_unit.name, task.deadline.isoformat(), _percent(task.completion)]
             for task in tasks.behind_tasks]))


def _letters_part(section: Section, area: Jurisdiction, year: int) -> None:
    letters = yearwork.letter_summary(area=area, year=year)
    if not letters.lines:
        section.lines.append(_("No target responsibility letter for %(year)s.") % {"year": year})
        return
    section.lines.append(_("Target responsibility letters: %(count)s; met: %(met)s; not met: %(not_met)s; not yet "
                           "decided: %(undecided)s (signed targets met: %(targets_met)s, not met: "
                           "%(targets_not_met)s).") % {
        "count": len(letters.lines), "met": letters.met, "not_met": letters.not_met, "undecided": letters.undecided,
        "targets_met": letters.targets_met, "targets_not_met": letters.targets_not_met})
    verdicts = {True: pgettext("letter verdict", "Met"), False: pgettext("letter verdict", "Not met"),
                None: _("Not yet decided")}
    section.tables.append(Table(_("Responsibility letters"), [
        _("Township or unit"), _("Signed targets"), pgettext("count of targets", "Met"),
        pgettext("count of targets", "Not met"), _("Without a figure"), _("Letter")],
        [[line.letter.party_name, str(line.targets), str(line.met), str(line.not_met), str(line.unmeasured),
          verdicts[line.verdict]] for line in letters.lines]))


def _heating_part(section: Section, area: Jurisdiction, year: int, last: date) -> None:
    heating = yearwork.heating_summary(area=area, year=year, until=last)
    if not heating.lines:
        section.lines.append(_("No clean-heating target or conversion for %(year)s.") % {"year": year})
        return
    section.lines.append(_("Clean heating: %(converted)s households converted by %(day)s against the year's target "
                           "of %(target)s (%(share)s).") % {
        "converted": heating.converted, "day": last.isoformat(), "target": heating.target,
        "share": _percent(heating.share)})
    section.tables.append(Table(_("Clean-heating progress"), [
        _("Township"), _("Households to convert"), _("Households converted"), _("Progress")],
        [[line.township.name, str(line.target), str(line.converted), _percent(line.share)]
         for line in heating.lines]))


def _ranking_part(section: Section, area: Jurisdiction, period: scorecard.Period) -> None:
    cards = yearwork.area_ranking(area=area, period=period)
    indicators = [Indicator(key) for key in Indicator.values if key != Indicator.OVERDUE_DAYS]
    rows = []
    for card in cards:
        shares = {line.indicator: _percent(line.share) for line in card.lines}
        rows.append([str(card.rank or "—"), card.party.name, *[shares.get(i.value, "—") for i in indicators],
                     str(card.overdue_days), "—" if card.score is None else str(card.score)])
    section.tables.append(Table(_("Scorecard ranking"), [
        _("Rank"), _("Township or unit"), *[str(i.label) for i in indicators], _("Working days overdue"),
        _("Score")], rows))


def year_work(area: Jurisdiction, first: date, last: date, *, monthly: bool) -> Section:
    """The year's work as yearwork's services count it: key tasks, letters, clean heating, the scorecards of the
    month (a monthly report) or of the year."""
    section = Section(_("The year's work"))
    section.lines.append(_("Key tasks and signed targets as recorded when the report was made (%(day)s); "
                           "equal scores share a rank.") % {"day": timezone.localdate().isoformat()})
    _tasks_part(section, area, first.year)
    _letters_part(section, area, first.year)
    _heating_part(section, area, first.year, last)
    _ranking_part(section, area, scorecard.Period(first.year, first.month if monthly else None))
    return section


def build(kind: str, area: Jurisdiction, first: date, last: date, *, progress: Progress) -> ReportContent:
    """The report's content, telling `progress` how far it has come (per cent) after each part."""
    stations = area_sites(area, SiteKind.AIR)
    if kind == ReportKind.DAILY_AIR:
        section = air_of_day(stations, first)
        progress(80)
        return ReportContent(_("%(area)s air-quality daily report") % {"area": area.name}, first.isoformat(),
                             [section])
    parts: list[Section] = [air_of_period(stations, first, last)]
    progress(40)
    parts.append(water_of_period(area_sites(area, SiteKind.WATER), first, last))
    progress(60)
    parts.append(sources_of_period(area, first, last))
    parts.append(cases_of_period(area, first, last))
    progress(70)
    parts.append(year_work(area, first, last, monthly=kind == ReportKind.MONTHLY))
    progress(80)
    title = (_("%(area)s environmental situation, monthly report") if kind == ReportKind.MONTHLY
             else _("%(area)s environmental situation, yearly report")) % {"area": area.name}
    return ReportContent(title, f"{first.isoformat()} – {last.isoformat()}", parts)
