"""When the last days' AQI at the county's stations met a warning level's trigger: a helper for the person who
issues the warning, never a warning by itself.

Rule set: MEE 2024 for key regions (环大气〔2024〕6号, yearwork.md §1.1), read on observed daily AQI (the 24-h
mean of each day, HJ 633): yellow when AQI > 150 for 2 days running; orange when AQI > 200 for 2 days or > 150
for 3; red when AQI > 200 for 3 days with one of them > 300. A level counts only where the higher one is not
met. The forecast part ("forecast daily AQI > 200") needs a forecast the platform does not have.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from lanqing.monitoring.models import Site
from lanqing.monitoring.quality import AqiRow, daily_aqi
from lanqing.winter.models import Level

DAYS_SHOWN = 7


def _run_above(values: Sequence[int | None], end: int, threshold: int) -> int:
    """How many days up to and including `end` in a row had AQI above `threshold`."""
    count = 0
    for index in range(end, -1, -1):
        value = values[index]
        if value is None or value <= threshold:
            break
        count += 1
    return count


def level_met(values: Sequence[int | None], end: int) -> str | None:
    """The highest level whose trigger the days up to `end` meet, or None."""
    above_200 = _run_above(values, end, 200)
    if above_200 >= 3 and any((v or 0) > 300 for v in values[end - above_200 + 1: end + 1]):
        return Level.RED
    above_150 = _run_above(values, end, 150)
    if above_200 >= 2 or above_150 >= 3:
        return Level.ORANGE
    if above_150 >= 2:
        return Level.YELLOW
    return None


@dataclass(frozen=True)
class StationDays:
    site: Site
    days: list[tuple[AqiRow, str | None]]  # each day's AQI and the level met by the run ending that day


def station_days(sites: Sequence[Site], *, last_day: date, days: int = DAYS_SHOWN) -> list[StationDays]:
    # Two more days are read than shown so that a run reaching into the first shown day is counted whole.
    rows = []
    for site in sites:
        aqi = daily_aqi(site, last_day=last_day, days=days + 2)
        values = [row.aqi for row in aqi]
        rows.append(StationDays(site, [(aqi[i], level_met(values, i)) for i in range(2, len(aqi))]))
    return rows
