"""A site's daily figures, computed once from its hourly values and kept (``SiteDay``), so that pages reading
years of days read a row a day instead of 24 hours of every pollutant.

A day is kept only once it is over (in local time); the days of a period without a kept figure are computed
on the request that needs them, in one read of their hours, and kept. Late data make a kept day stale: every
writer of hourly or daily values (the receiver's ``rows_write``, ``measurements_upsert`` of imports) calls
``days_invalidate`` in its storing transaction, which blanks the figures of the days it touched and raises
their version. A stale day is computed again when next read (or by the worker's pass), and stored only if no
other late value arrived meanwhile (same version), so a figure read from older values never overwrites the
mark: a page never shows a figure the stored values no longer give.

What pages compute from many sites' kept days (an area's year-to-date statistics, the air analysis) is kept
the same way (``AreaFigures``, ``area_read``), one row per what, sites, period and day it is as of: the row is
made (blank) before the days are read, ``days_invalidate`` blanks and versions the rows of the sites and days
it touches, and a computation is stored only if the version it started from is still the row's. The worker's
pass computes the blank rows of the day again (``areas_keep``) with the functions the apps register.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from lanqing.monitoring.models import AreaFigures, Point, Site, SiteDay, SiteKind

# The site kinds whose days are kept: air stations (HJ 663 daily indicators) and water sections (day samples).
KEPT_KINDS = (SiteKind.AIR, SiteKind.WATER)

Figures = dict[str, Any]
Compute = Callable[[date, int], list[Figures]]
# What an area's figures are computed by: (sites, first day, last day, the day they are as of) → figures.
AreaCompute = Callable[[list[Site], date, date, date], Figures]
AREA_COMPUTERS: dict[str, AreaCompute] = {}
KEY_LENGTH = 300  # AreaFigures.key's max_length


def area_computer(what: str) -> Callable[[AreaCompute], AreaCompute]:
    """Registers the function computing `what` (apps above this one register theirs when imported)."""
    def register(compute: AreaCompute) -> AreaCompute:
        AREA_COMPUTERS[what] = compute
        return compute
    return register


def _zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def local_today() -> date:
    return timezone.localtime(timezone.now(), _zone()).date()


def days_read(site: Site, *, kind: str, first_day: date, days: int, compute: Compute) -> list[Figures]:
    """The `kind` figures of each of `days` days from first_day, oldest first: kept ones as kept, the others
    computed by ``compute(first, count)`` (one call per run of consecutive days) and kept if the day is over."""
    today = local_today()  # taken before any value is read: a day over by then is complete in what is read
    last_day = first_day + timedelta(days=days - 1)
    kept = {day: (figures, version) for day, figures, version in SiteDay.objects.filter(
        site=site, day__gte=first_day, day__lte=last_day).values_list("day", "figures", "version")}
    result: list[Figures | None] = []
    for index in range(days):
        figures = kept.get(first_day + timedelta(days=index), (None, 0))[0]
        result.append(figures[kind] if figures and kind in figures else None)
    index = 0
    while index < days:
        if result[index] is not None:
            index += 1
            continue
        end = index
        while end < days and result[end] is None:
            end += 1
        first = first_day + timedelta(days=index)
        computed = compute(first, end - index)
        result[index:end] = computed
        _keep(site, kind, first, computed, kept=kept, today=today)
        index = end
    return [figures if figures is not None else {} for figures in result]


def _keep(site: Site, kind: str, first: date, computed: list[Figures], *, kept: dict, today: date) -> None:
    new = []
    for index, figures in enumerate(computed):
        day = first + timedelta(days=index)
        if day >= today:
            break
        if day not in kept:
            new.append(SiteDay(site=site, day=day, figures={kind: figures}))
        elif kept[day][0] is None:
            _store_if_current(SiteDay.objects.filter(site=site, day=day), version=kept[day][1],
                              figures={kind: figures})
    # A row made meanwhile by a writer (stale mark) or another reader stays as it is.
    SiteDay.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)


def _store_if_current(row: QuerySet, *, version: int, figures: Figures) -> int:
    """Stores figures computed from values read when the row was at `version`, only if no late value has
    blanked the row since (its version is still the same); the number of rows stored (0 or 1)."""
    return row.filter(version=version, figures__isnull=True).update(figures=figures)


def _local_day(value: datetime | str) -> date:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # stored times are UTC
    return moment.astimezone(_zone()).date()


def area_read(what: str, sites: list[Site], *, kind: str, first_day: date, last_day: date) -> Figures:
    """The `what` figures of `sites` over first_day..last_day as of today: as kept, else computed by the
    registered function and kept unless a value under them was stored meanwhile."""
    today = local_today()
    ids = ",".join(str(site.id) for site in sorted(sites, key=lambda site: site.id))
    key = f"{what}:{today}:{first_day}:{last_day}:{ids}"
    if len(key) > KEY_LENGTH:  # a very large area: computed each time
        return AREA_COMPUTERS[what](sites, first_day, last_day, today)
    # Made before anything is read: a writer storing a value of these days from now on blanks it.
    row, _created = AreaFigures.objects.get_or_create(key=key, defaults={
        "what": what, "kind": kind, "sites": f",{ids},", "first_day": first_day, "last_day": last_day,
        "made_on": today})
    if row.figures is not None:
        return row.figures
    figures = AREA_COMPUTERS[what](sites, first_day, last_day, today)
    _store_if_current(AreaFigures.objects.filter(id=row.id), version=row.version, figures=figures)
    return figures


def areas_keep() -> int:
    """Computes the blank area figures of today again (made by a page's read, blanked by late data), and
    drops those of earlier days (no page asks for them again); returns the number computed."""
    today = local_today()
    AreaFigures.objects.filter(made_on__lt=today).delete()
    done = 0
    for row in AreaFigures.objects.filter(made_on=today, figures__isnull=True).order_by("id"):
        compute = AREA_COMPUTERS.get(row.what)
        ids = [int(part) for part in row.sites.strip(",").split(",") if part]
        by_id = Site.objects.in_bulk(ids)
        if compute is None or len(by_id) != len(ids):
            continue
        figures = compute([by_id[site_id] for site_id in ids], row.first_day, row.last_day, today)
        done += _store_if_current(AreaFigures.objects.filter(id=row.id), version=row.version, figures=figures)
    return done


def days_invalidate(keys: Iterable[tuple[int, datetime | str]]) -> None:
    """Marks stale the kept days of the (point id, time) of hourly or daily values just stored; call it in the
    storing transaction. Days not kept yet get the mark too, so a reader that read the hours before this write
    cannot keep what it computed from them."""
    pairs = {(point, _local_day(when)) for point, when in keys}
    if not pairs:
        return
    adapt = connection.ops.adapt_datefield_value
    table, points, sites = (connection.ops.quote_name(model._meta.db_table) for model in (SiteDay, Point, Site))
    kinds = ", ".join(f"'{kind.value}'" for kind in KEPT_KINDS)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (site_id, day, figures, version) "
            f"SELECT s.id, %s, NULL, 1 FROM {points} p JOIN {sites} s ON s.id = p.site_id "
            f"WHERE p.id = %s AND s.kind IN ({kinds}) "
            f"ON CONFLICT (site_id, day) DO UPDATE SET figures = NULL, version = {table}.version + 1",
            [(adapt(day), point) for point, day in sorted(pairs)],
        )
        areas = connection.ops.quote_name(AreaFigures._meta.db_table)
        cursor.executemany(
            f"UPDATE {areas} SET figures = NULL, version = version + 1 "
            f"WHERE first_day <= %s AND last_day >= %s AND EXISTS (SELECT 1 FROM {points} p "
            f"JOIN {sites} s ON s.id = p.site_id WHERE p.id = %s AND s.kind = {areas}.kind "
            f"AND {areas}.sites LIKE '%%,' || CAST(s.id AS TEXT) || ',%%')",
            [(adapt(day), adapt(day), point) for point, day in sorted(pairs)],
        )
