"""Writing measurements: one idempotent upsert used by imports, the receiver and the demo."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from lanqing.jobs.models import Job, JobStatus
from lanqing.jobs.services import job_enqueue
from lanqing.locked import retry_locked
from lanqing.monitoring.daily import days_invalidate
from lanqing.monitoring.models import Measurement, NewValue, Period

# Queued when hourly or daily values were stored; the alerts app handles it (judges the new values).
NEW_VALUES_JOB = "monitoring.new_values"
JUDGED_PERIODS = (Period.HOUR, Period.DAY)


@dataclass(frozen=True)
class MeasurementRow:
    point_id: int
    factor_id: int
    period: str
    time: datetime  # aware, interval start
    value: float | None
    flag: str = "N"
    source: str = "device"

    @property
    def key(self) -> tuple[int, int, str, datetime]:
        return (self.point_id, self.factor_id, self.period, self.time)


@dataclass
class UpsertCount:
    written: int = 0
    unchanged: int = 0


def measurements_upsert(rows: Iterable[MeasurementRow], *, batch_size: int = 2000) -> UpsertCount:
    """Insert or update on (point, factor, period, time); a row equal to what is stored is left alone."""
    count = UpsertCount()
    batch: list[MeasurementRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            _upsert_batch(batch, count)
            batch = []
    if batch:
        _upsert_batch(batch, count)
    return count


def _upsert_batch(batch: list[MeasurementRow], count: UpsertCount) -> None:
    unique = {row.key: row for row in batch}  # the last of repeated keys wins, as a replay would do
    existing = _existing(unique.values())
    changed = [row for key, row in unique.items() if existing.get(key) != (row.value, row.flag, row.source)]
    count.unchanged += len(unique) - len(changed)
    if not changed:
        return

    def write() -> None:
        with transaction.atomic():
            Measurement.objects.bulk_create(
                [Measurement(point_id=r.point_id, factor_id=r.factor_id, period=r.period, time=r.time,
                             value=r.value, flag=r.flag, source=r.source) for r in changed],
                update_conflicts=True,
                unique_fields=["point", "factor", "period", "time"],
                update_fields=["value", "flag", "source"],
            )
            new_values_add({(r.point_id, r.period, r.time) for r in changed if r.period in JUDGED_PERIODS})
            days_invalidate((r.point_id, r.time) for r in changed if r.period in JUDGED_PERIODS)

    # One batch per transaction; another process's write lock is waited out rather than failing the import.
    retry_locked(write, what="measurement import")
    count.written += len(changed)


def new_values_add(keys: set[tuple[int, str, datetime]]) -> None:
    """Marks (point, period, time) as stored for detection to judge; call it in the storing transaction."""
    if keys:
        NewValue.objects.bulk_create([NewValue(point_id=p, period=period, time=t) for p, period, t in keys])
        new_values_announce()


def new_values_announce() -> None:
    """Queues the judgement of new values unless a queued one is waiting already: one job row for however
    many commits happen before a worker takes it."""
    if not Job.objects.filter(kind=NEW_VALUES_JOB, status=JobStatus.QUEUED).exists():
        job_enqueue(kind=NEW_VALUES_JOB)


def new_values_from_history(*, since: datetime, until: datetime) -> int:
    """Marks the hourly and daily values already stored between two times as new (data loaded without the
    writers, as the demo's history is); returns how many (point, period, time) were marked."""
    keys = set(Measurement.objects.filter(period__in=JUDGED_PERIODS, time__gte=since, time__lte=until)
               .values_list("point_id", "period", "time").distinct())
    with transaction.atomic():
        new_values_add(keys)
    return len(keys)


def _existing(rows: Iterable[MeasurementRow]) -> dict[tuple, tuple]:
    by_series: dict[tuple[int, int, str], list[datetime]] = {}
    for row in rows:
        by_series.setdefault((row.point_id, row.factor_id, row.period), []).append(row.time)
    found: dict[tuple, tuple] = {}
    for (point_id, factor_id, period), times in by_series.items():
        stored = Measurement.objects.filter(
            point_id=point_id, factor_id=factor_id, period=period, time__gte=min(times), time__lte=max(times),
        ).values_list("time", "value", "flag", "source")
        wanted = set(times)
        for time, value, flag, source in stored:
            if time in wanted:
                found[(point_id, factor_id, period, time)] = (value, flag, source)
    return found
