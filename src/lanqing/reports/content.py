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

from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from lanqing import standards
from lanqing.alerts.models import Exceedance
from lanqing.cases.models import OPEN_STATES, Case, CaseState
from lanqing.monitoring import quality
from lanqing.monitoring.models import Measurement, Period, Site, SiteKind
from lanqing.org.models import Jurisdiction
from lanqing.reports.models import ReportKind
from lanqing.workbench.air import area_days, station_ranking
from lanqing.workbench.overview import period_air

Progress = Callable[[int], None]
# The pollutants of a station's row, and each one's decimals as published (CO in mg/m³ to 1 dp).
DAILY_COLUMNS = (("PM2.5", 0), ("PM10", 0), ("O3", 0), ("NO2", 0), ("SO2", 0), ("CO", 1))
MAX_SITES = 200


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


def data_used(area: Jurisdiction, first: date, last: date) -> dict:
    """What the archive records of the data a report was made from."""
    begin, end = bounds(first, last)
    values = Measurement.objects.filter(point__site__jurisdiction__code__startswith=area.prefix,
                                        period__in=[Period.HOUR, Period.DAY], time__gte=begin, time__lt=end)
    newest = values.aggregate(newest=Max("time"))["newest"]
    return {"values": values.count(), "newest_value": newest.isoformat() if newest else None,
            "stations": len(area_sites(area, SiteKind.AIR)), "sections": len(area_sites(area, SiteKind.WATER))}


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
    progress(80)
    title = (_("%(area)s environmental situation, monthly report") if kind == ReportKind.MONTHLY
             else _("%(area)s environmental situation, yearly report")) % {"area": area.name}
    return ReportContent(title, f"{first.isoformat()} – {last.isoformat()}", parts)
