"""Working days per China's holiday arrangement (调休 included), corrected by the bureau's own table.

The `holidays` package knows the State Council's arrangement for the years it ships; HolidayCorrection rows win
over it, which is also how a year the library does not know yet is entered.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
from django.conf import settings

from lanqing.cases.models import HolidayCorrection


@lru_cache(maxsize=32)
def _china(year: int) -> holidays.HolidayBase:
    return holidays.China(years=year)


class Calendar:
    """Working-day arithmetic over a span of dates, with the corrections read once."""

    def __init__(self, start: date, end: date) -> None:
        self.corrections = dict(HolidayCorrection.objects.filter(
            date__gte=start - timedelta(days=7), date__lte=end + timedelta(days=400),
        ).values_list("date", "is_working_day"))

    def is_working_day(self, day: date) -> bool:
        if day in self.corrections:
            return self.corrections[day]
        return bool(_china(day.year).is_working_day(day))

    def add(self, start: date, working_days: int) -> date:
        """The day on which `working_days` working days after `start` end; the start day is not counted
        (民法典 Art 201: the period begins the next day)."""
        day = start
        left = working_days
        while left > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def count_after(self, start: date, end: date) -> int:
        """Working days d with start < d <= end."""
        count = 0
        day = start + timedelta(days=1)
        while day <= end:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return count


def local_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def local_date(moment: datetime) -> date:
    return moment.astimezone(local_zone()).date()


def end_of_day(day: date) -> datetime:
    """The last second of a local day: a deadline "by the 5th" lasts through the 5th."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=local_zone())


def is_working_day(day: date) -> bool:
    return Calendar(day, day).is_working_day(day)


def deadline_after(start: datetime, working_days: int) -> datetime:
    day = local_date(start)
    return end_of_day(Calendar(day, day).add(day, working_days))


def working_days_late(deadline: datetime, now: datetime) -> int:
    first, last = local_date(deadline), local_date(now)
    if last <= first:
        return 0
    return Calendar(first, last).count_after(first, last)


def working_days_left(now: datetime, deadline: datetime) -> int:
    """Working days from today (exclusive) up to the deadline's day (inclusive); 0 on the deadline day."""
    first, last = local_date(now), local_date(deadline)
    if last <= first:
        return 0
    return Calendar(first, last).count_after(first, last)
