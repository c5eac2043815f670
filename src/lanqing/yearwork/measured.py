"""The measured figure of a signed target, where lanqing has one: air from the standards engine over the
year's days so far, a water section's class from monitoring, cases from the supervision workflow, households
from the clean-heating ledger. Each figure is stored with the time it was computed and what it covers."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import F, Q
from django.utils import timezone

from lanqing import standards, texts
from lanqing.cases.models import Case
from lanqing.cases.workdays import local_date
from lanqing.monitoring import quality
from lanqing.monitoring.models import Site, SiteKind
from lanqing.standards.versions import EFFECTIVE_2026
from lanqing.yearwork.heating import households_converted
from lanqing.yearwork.models import Letter, LetterTarget, Measure

Figure = tuple[Decimal | None, texts.Stored]


def _days_so_far(year: int, today: date) -> tuple[date, int]:
    first = date(year, 1, 1)
    last = min(date(year, 12, 31), today - timedelta(days=1))
    return first, (last - first).days + 1


def _covered(first: date, days: int) -> texts.Stored:
    return texts.message(texts.gettext_noop("%(first)s to %(last)s"), first=first.isoformat(),
                         last=(first + timedelta(days=days - 1)).isoformat())


def air_year(site: Site, *, year: int, today: date) -> tuple[float | None, float | None, date, int]:
    """The site's PM2.5 annual mean (µg/m³, rounded as published) and good-days ratio (%) over the year's
    days so far (HJ 663 statistics of the standards engine); None where data are insufficient."""
    first, days = _days_so_far(year, today)
    if days <= 0:
        return None, None, first, 0
    # A period's daily values use the windows of its first day's version, as the standards engine does.
    version = standards.AirStandard.V2026 if first >= EFFECTIVE_2026 else standards.AirStandard.V2012
    start = datetime.combine(first, time(), timezone.get_default_timezone())
    grid = quality._hourly_grid(site, quality.AIR_POLLUTANTS, start, days * 24)
    daily = standards.daily_values({name: values.reshape(1, -1) for name, values in grid.items()}, standard=version)
    result = standards.evaluate_daily(daily, first_day=first, by="year", standard=version)
    pm25 = float(result.statistics["PM2.5_mean"].rounded[0, 0])
    good = float(result.good_ratio[0, 0])
    return (None if math.isnan(pm25) else pm25), (None if math.isnan(good) else good), first, days


def _air(target: LetterTarget, year: int, today: date) -> Figure:
    site = target.site
    if site is None or site.kind != SiteKind.AIR:
        return None, texts.message(texts.gettext_noop("Choose an air station to measure this target."))
    pm25, good, first, days = air_year(site, year=year, today=today)
    value = pm25 if target.measure == Measure.PM25_ANNUAL_MEAN else good
    if days <= 0:
        return None, texts.message(texts.gettext_noop("The year has not begun."))
    if value is None:
        return None, texts.message(texts.gettext_noop("Not enough valid days at %(site)s (%(period)s)."),
                                   site=site.name, period=_covered(first, days))
    return Decimal(str(value)), texts.message(texts.gettext_noop("%(site)s, %(period)s"), site=site.name,
                                              period=_covered(first, days))


def _section(target: LetterTarget, year: int, today: date) -> Figure:
    site = target.site
    if site is None or site.kind != SiteKind.WATER:
        return None, texts.message(texts.gettext_noop("Choose a water section to measure this target."))
    first, days = _days_so_far(year, today)
    rows = quality.daily_water_class(site, last_day=first + timedelta(days=max(days, 1) - 1), days=max(days, 1))
    if not rows:
        return None, texts.message(texts.gettext_noop("No water data at %(site)s this year."), site=site.name)
    worst = max(rows, key=lambda row: row.water_class)
    return Decimal(worst.water_class), texts.message(texts.gettext_noop("%(site)s, worst day %(day)s"),
                                                     site=site.name, day=worst.day.isoformat())


def _cases_on_time(letter: Letter, year: int, now: datetime) -> Figure:
    """The share of the party's cases due this year that were closed by their deadline (open ones past it
    count as late)."""
    owner = Q(township=letter.township) if letter.township_id else Q(lead_unit=letter.unit)
    due = Case.objects.filter(owner, deadline_at__year=year, deadline_at__lte=now)
    total = due.count()
    if not total:
        return None, texts.message(texts.gettext_noop("No case was due yet this year."))
    on_time = due.filter(closed_at__isnull=False, closed_at__lte=F("deadline_at")).count()
    share = (Decimal(on_time * 100) / total).quantize(Decimal("0.1"))
    return share, texts.message(texts.gettext_noop("%(on_time)d of %(total)d cases due"), on_time=on_time,
                                total=total)


def _households(letter: Letter, year: int) -> Figure:
    if not letter.township_id or letter.township is None:
        return None, texts.message(texts.gettext_noop("The clean-heating ledger counts households by township."))
    count = households_converted(township=letter.township, year=year)
    return Decimal(count), texts.message(texts.gettext_noop("Households converted in %(year)s in the ledger"),
                                         year=year)


def figure_for(target: LetterTarget, *, now: datetime) -> Figure:
    letter, today = target.letter, local_date(now)
    if target.measure in (Measure.PM25_ANNUAL_MEAN, Measure.GOOD_DAYS_RATIO):
        return _air(target, letter.year, today)
    if target.measure == Measure.SECTION_CLASS:
        return _section(target, letter.year, today)
    if target.measure == Measure.CASES_ON_TIME:
        return _cases_on_time(letter, letter.year, now)
    if target.measure == Measure.HOUSEHOLDS_CONVERTED:
        return _households(letter, letter.year)
    return target.measured, target.basis_text or texts.message(texts.gettext_noop("Entered by the bureau."))


def letter_targets_compute(*, letter: Letter, now: datetime | None = None) -> int:
    """Recomputes every measured target of the letter; returns how many have a figure."""
    now = now or timezone.now()
    with_figure = 0
    for target in letter.targets.select_related("site", "letter__township", "letter__unit"):
        if target.measure == Measure.OTHER:
            with_figure += target.measured is not None
            continue
        value, basis = figure_for(target, now=now)
        LetterTarget.objects.filter(id=target.id).update(measured=value, measured_at=now, basis_text=basis)
        with_figure += value is not None
    return with_figure


def letters_compute(*, year: int | None = None, now: datetime | None = None) -> int:
    now = now or timezone.now()
    year = year or local_date(now).year
    return sum(letter_targets_compute(letter=letter, now=now) for letter in Letter.objects.filter(year=year))
