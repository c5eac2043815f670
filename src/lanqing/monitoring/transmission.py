"""Transmission and validity rates, hourly gaps, and device online state.

Per device and factor, per Beijing day and month, counted on hourly values (the unit the national
"数据传输有效率" is assessed on):
* expected — 24 per day (fewer for the current day: the hours that have ended); per month, every hour of
  the month that has ended, whether or not anything arrived;
* received — hours with a value: the device's own hourly value, or our aggregate where the device sent
  minute data only;
* valid — received hours flagged N (HJ 212-2017 Table 8: only N is valid).
transmission rate = received / expected, validity rate = valid / received, and their product = valid /
expected. The factors of a device are those its point reported in the last 30 days, so a silent day
counts as 0 % instead of disappearing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db.models import Max, Sum
from django.utils import timezone

from lanqing.hj212 import CHINA
from lanqing.hj212.codes import VALID_FLAG
from lanqing.jobs.registry import periodic
from lanqing.monitoring.ingest.offline import devices_mark_offline
from lanqing.monitoring.models import Aggregate, Device, Measurement, Period, Source, Span, TransmissionStat

HOUR = timedelta(hours=1)
FACTOR_MEMORY = timedelta(days=30)


def device_hourly_gaps(
    *, device_id: int, until: datetime, lookback: timedelta
) -> list[tuple[datetime, datetime]]:
    """Missing hours between the first and the last hourly value the device sent in the window, as
    (first missing hour, last missing hour) ranges of interval starts in UTC, oldest first."""
    point_id = Device.objects.values_list("point_id", flat=True).get(id=device_id)
    since = until - lookback
    times = sorted(
        set(
            Measurement.objects.filter(
                point_id=point_id,
                period=Period.HOUR,
                source=Source.DEVICE,
                time__gte=since,
                time__lte=until,
            ).values_list("time", flat=True)
        )
    )
    gaps = []
    for before, after in zip(times, times[1:], strict=False):
        if after - before > HOUR:
            gaps.append((before + HOUR, after - HOUR))
    return gaps


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=CHINA).astimezone(UTC)
    return start, start + timedelta(days=1)


def transmission_compute_day(*, day: date, now: datetime | None = None) -> int:
    """Upserts the day's statistics of every active device; returns the number of rows."""
    now = now or timezone.now()
    start, end = _day_bounds(day)
    if start >= now:
        return 0
    expected = int((min(end, now.replace(minute=0, second=0, microsecond=0)) - start) / HOUR) or 1
    rows = []
    for device in Device.objects.filter(is_active=True).only("id", "point_id"):
        hours: dict[int, dict[datetime, str]] = defaultdict(dict)
        for factor_id, time, flag in Aggregate.objects.filter(
            point_id=device.point_id, period=Period.HOUR, time__gte=start, time__lt=end
        ).values_list("factor_id", "time", "flag"):
            hours[factor_id][time] = flag
        # The device's own hourly values win over our aggregates: they are what it reported.
        for factor_id, time, flag in Measurement.objects.filter(
            point_id=device.point_id, period=Period.HOUR, source=Source.DEVICE, time__gte=start, time__lt=end
        ).values_list("factor_id", "time", "flag"):
            hours[factor_id][time] = flag
        factors = set(hours) | set(
            Measurement.objects.filter(
                point_id=device.point_id,
                period=Period.HOUR,
                time__gte=start - FACTOR_MEMORY,
                time__lt=end,
            )
            # An enterprise's lab results are not the device's factors: it is not expected to send them.
            .exclude(source=Source.MANUAL)
            .values_list("factor_id", flat=True)
            .distinct()
        )
        for factor_id in factors:
            flags = hours.get(factor_id, {})
            received = min(len(flags), 24)
            valid = min(sum(1 for flag in flags.values() if flag == VALID_FLAG), received)
            rows.append(
                TransmissionStat(
                    device=device,
                    factor_id=factor_id,
                    span=Span.DAY,
                    start=day,
                    expected=max(expected, received),
                    received=received,
                    valid=valid,
                    computed_at=now,
                )
            )
    _upsert(rows)
    return len(rows)


def transmission_compute_month(*, month: date, now: datetime | None = None) -> int:
    """Upserts the month's statistics of every device and factor with day rows; returns the number of rows.

    Hours expected are every hour of the month that has ended by `now`, hours with no value at all included
    (the national assessment's denominator), so not only the days that happen to have rows. Received and valid
    are the sums of the day rows; a day of the month whose rows are missing or were computed before its last
    ended hour (the hourly job was not running) is computed first."""
    now = now or timezone.now()
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    month_start, month_end = _day_bounds(first)[0], _day_bounds(following)[0]
    ended = now.replace(minute=0, second=0, microsecond=0)
    if month_start >= ended:
        return 0
    computed = dict(
        TransmissionStat.objects.filter(span=Span.DAY, start__gte=first, start__lt=following)
        .values("start")
        .annotate(latest=Max("computed_at"))
        .values_list("start", "latest")
    )
    day = first
    while day < following and _day_bounds(day)[0] < ended:
        latest = computed.get(day)
        if latest is None or latest < min(_day_bounds(day)[1], ended):
            transmission_compute_day(day=day, now=now)
        day += timedelta(days=1)
    expected = int((min(month_end, ended) - month_start) / HOUR)
    sums = (
        TransmissionStat.objects.filter(span=Span.DAY, start__gte=first, start__lt=following)
        .values("device_id", "factor_id")
        .annotate(received=Sum("received"), valid=Sum("valid"))
    )
    rows = [
        TransmissionStat(
            device_id=row["device_id"],
            factor_id=row["factor_id"],
            span=Span.MONTH,
            start=first,
            expected=max(expected, row["received"]),
            received=row["received"],
            valid=row["valid"],
            computed_at=now,
        )
        for row in sums
    ]
    _upsert(rows)
    return len(rows)


@dataclass(frozen=True)
class Rates:
    """Counts of hourly values and the three rates in per cent (None where there is nothing to divide by)."""

    label: str
    expected: int
    received: int
    valid: int

    @property
    def transmission(self) -> float | None:
        return 100 * self.received / self.expected if self.expected else None

    @property
    def validity(self) -> float | None:
        return 100 * self.valid / self.received if self.received else None

    @property
    def transmission_validity(self) -> float | None:
        # The national figure, transmission × validity = valid / expected.
        return 100 * self.valid / self.expected if self.expected else None


def rates_by_device(stats: Iterable[TransmissionStat]) -> dict[int, tuple[Rates, list[Rates]]]:
    """Device id → (the device over all its factors, then each factor), from one span's statistics."""
    factors: dict[int, list[Rates]] = defaultdict(list)
    for stat in stats:
        factors[stat.device_id].append(
            Rates(stat.factor.display_name, stat.expected, stat.received, stat.valid)
        )
    return {
        device_id: (
            Rates("", sum(r.expected for r in rows), sum(r.received for r in rows), sum(r.valid for r in rows)),
            rows,
        )
        for device_id, rows in factors.items()
    }


def _upsert(rows: list[TransmissionStat]) -> None:
    if rows:
        TransmissionStat.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["device", "factor", "span", "start"],
            update_fields=["expected", "received", "valid", "computed_at"],
        )


@periodic("monitoring.transmission_rates", every=timedelta(hours=1))
def transmission_recent() -> None:
    today = timezone.now().astimezone(CHINA).date()
    for day in (today - timedelta(days=1), today):
        transmission_compute_day(day=day)
        transmission_compute_month(month=day)


@periodic("monitoring.devices_offline", every=timedelta(minutes=1))
def devices_offline() -> None:
    devices_mark_offline()
