"""The rows a batch of frames stores, and which table each kind goes to.

Rows wait in :class:`Rows` as the finished parameter tuples of their INSERT, in the column order that
:func:`rows_write` names, so that writing them builds nothing more per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter

from django.db import connection

from lanqing.monitoring.daily import days_invalidate
from lanqing.monitoring.ingest.sql import insert_rows
from lanqing.monitoring.ingest.times import arrival_adapter
from lanqing.monitoring.measurements import JUDGED_PERIODS, new_values_announce
from lanqing.monitoring.models import Device, MeasurementRevision, NewValue, RawPacket


@dataclass(slots=True)
class Rows:
    raw: list[tuple] = field(default_factory=list)
    # natural key → the row's INSERT parameters; keyed so that a batch holds each key once (PostgreSQL
    # refuses to upsert one row twice in a statement) and the last value sent wins, as it would in order.
    measurements: dict[tuple, tuple] = field(default_factory=dict)
    facilities: dict[tuple, tuple] = field(default_factory=dict)
    info: dict[tuple, tuple] = field(default_factory=dict)
    seen: dict[int, datetime] = field(default_factory=dict)
    # Hourly and daily rows only: the packet each came from (MN, arrival), and values sent later for a key
    # already held, which are written as revisions (``MeasurementRevision``), never over the first values.
    origins: dict[tuple, tuple[str, datetime]] = field(default_factory=dict)
    revisions: list[tuple[tuple, tuple[str, datetime]]] = field(default_factory=list)


def _values(row: tuple) -> tuple:
    """What a revision compares of a measurement row: value, flag, converted, cumulative."""
    return (row[4], row[5], row[7], row[8])


def measurements_merge(
    measurements: dict[tuple, tuple],
    origins: dict[tuple, tuple[str, datetime]],
    revisions: list[tuple[tuple, tuple[str, datetime]]],
    new: Rows,
) -> None:
    """Adds the measurement rows of ``new`` to rows held for one write.

    Of an hour or day, the first values held stay and different later ones become revisions; an identical
    resend changes nothing. Of other periods the later value replaces the earlier, as writing in order would.
    """
    if new.origins:
        for key, row in new.measurements.items():
            origin = new.origins.get(key)
            held = measurements.get(key)
            if origin is None or held is None:
                measurements[key] = row
                if origin is not None:
                    origins[key] = origin
            elif _values(held) != _values(row):
                revisions.append((row, origin))
    else:
        measurements.update(new.measurements)
    revisions.extend(new.revisions)


# Measurement rows in natural-key order: consecutive upserts then land on neighbouring pages of the
# natural-key index instead of jumping across it for every row (measured: ~20 % less SQLite time), and two
# PostgreSQL writers storing some of the same keys lock them in the same order, so neither waits for the
# other in a deadlock. A batch holds each key once, so the order within a series loses nothing.
_BY_KEY = itemgetter(0, 1, 2, 3)


def rows_write(rows: Rows) -> None:
    """Writes every row of ``rows``; the caller holds the transaction."""
    adapt = arrival_adapter()
    measurements = list(rows.measurements.values())
    history: list[tuple] = []
    revisions = list(rows.revisions)
    if rows.origins:
        # Hours and days are history: a key already stored keeps its values (``_history_split``).
        origins = rows.origins
        history = [m for m in measurements if m[:4] in origins]
        measurements = [m for m in measurements if m[:4] not in origins]
        history, revised = _history_split(history)
        revisions += [(m, origins[m[:4]]) for m in revised]
        history.sort(key=_BY_KEY)
    measurements.sort(key=_BY_KEY)
    insert_rows(
        RawPacket._meta.db_table,
        "received_at, peer, mn, device_id, data, verdict, reason",
        "",
        [(adapt(r[0]), r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows.raw],
    )
    # Upserts on natural keys: equal values rewrite the same row, so a replayed packet changes nothing.
    insert_rows(
        "monitoring_measurement",
        "point_id, factor_id, period, time, value, flag, source, converted, cumulative",
        "ON CONFLICT (point_id, factor_id, period, time) DO UPDATE SET value = excluded.value, "
        "flag = excluded.flag, source = excluded.source, converted = excluded.converted, "
        "cumulative = excluded.cumulative",
        measurements,
    )
    # A key stored since it was read keeps what was first stored: another PostgreSQL receiver worker may have
    # stored it meanwhile (its transaction was not committed when ``_history_split`` read), and this insert
    # then waits for that commit and skips the key. Skipped keys are read again, now committed: values
    # other than ours are a revision, never lost; the same values were a resend.
    inserted = insert_rows(
        "monitoring_measurement",
        "point_id, factor_id, period, time, value, flag, source, converted, cumulative",
        "ON CONFLICT (point_id, factor_id, period, time) DO NOTHING",
        history,
    )
    if inserted < len(history):
        history, lost = _history_split(history, ours=True)
        revisions += [(m, origins[m[:4]]) for m in lost]
    if revisions:
        _revisions_write(revisions, adapt)
    # Hourly and daily values wait for detection's judgement (one row per point and hour, a few per packet
    # at most), and one job is queued for all of them: detection follows the receiver within seconds.
    new = {(m[0], m[2], m[3]) for m in (*measurements, *history) if m[2] in JUDGED_PERIODS}
    if new:
        insert_rows(NewValue._meta.db_table, "point_id, period, time", "", list(new))
        new_values_announce()
        days_invalidate((point, when) for point, _period, when in new)
    insert_rows(
        "monitoring_facilityrun",
        "device_id, facility, cn, time, state, run_hours",
        "ON CONFLICT (device_id, facility, cn, time) DO UPDATE SET "
        "state = excluded.state, run_hours = excluded.run_hours",
        list(rows.facilities.values()),
    )
    insert_rows(
        "monitoring_deviceinfo",
        "device_id, pol_id, code, time, value",
        "ON CONFLICT (device_id, pol_id, code, time) DO UPDATE SET value = excluded.value",
        list(rows.info.values()),
    )
    if rows.seen:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {Device._meta.db_table} SET last_seen_at = %s, is_online = %s WHERE id = %s "
                "AND (last_seen_at IS NULL OR last_seen_at < %s)",
                [(adapt(when), True, device_id, adapt(when)) for device_id, when in rows.seen.items()],
            )


def _stored_values(table: str, keys: list[tuple]) -> dict[tuple, set[tuple]]:
    """key → the (value, flag, converted, cumulative) stored under it in ``table``."""
    found: dict[tuple, set[tuple]] = {}
    if not keys:
        return found
    wanted = set(keys)
    # On SQLite read the time as the text it is stored as, which is how keys hold it (``db_time``).
    time = "time || ''" if connection.vendor == "sqlite" else "time"
    points = sorted({key[0] for key in keys})
    times = sorted({key[3] for key in keys}, key=str)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT point_id, factor_id, period, {time}, value, flag, converted, cumulative FROM {table} "
            f"WHERE point_id IN ({', '.join(['%s'] * len(points))}) "
            f"AND time IN ({', '.join(['%s'] * len(times))})",
            [*points, *times],
        )
        for point, factor, period, when, *values in cursor.fetchall():
            key = (point, factor, period, when)
            if key in wanted:
                found.setdefault(key, set()).add(tuple(values))
    return found


def _history_split(rows: list[tuple], *, ours: bool = False) -> tuple[list[tuple], list[tuple]]:
    """Hourly and daily rows → (rows not stored yet, rows whose key is stored with other values). Rows whose
    values are the stored ones (a resend, a replay) are in neither.

    ``ours``: the rows were just inserted where their key was free, so a row stored with its own values
    counts as not stored before (it is new to detection); only the others' values make a revision."""
    stored = _stored_values("monitoring_measurement", [row[:4] for row in rows])
    fresh: list[tuple] = []
    revised: list[tuple] = []
    for row in rows:
        values = stored.get(row[:4])
        if values is None:
            fresh.append(row)
        elif _values(row) not in values:
            revised.append(row)
        elif ours:
            fresh.append(row)
    return fresh, revised


def _revisions_write(revisions: list[tuple[tuple, tuple[str, datetime]]], adapt) -> None:
    """Stores values sent later for a stored hour or day, once each, linked to their raw packet, and marks the
    measurement as revised."""
    known = _stored_values(MeasurementRevision._meta.db_table, [row[:4] for row, _ in revisions])
    packets: dict[tuple[str, datetime], int | None] = {}
    new: list[tuple] = []
    marked: set[tuple] = set()
    for row, (mn, received_at) in revisions:
        key = row[:4]
        values = known.setdefault(key, set())
        if _values(row) in values:
            continue  # the same revision sent again
        values.add(_values(row))
        if (mn, received_at) not in packets:
            packets[(mn, received_at)] = (
                RawPacket.objects.filter(mn=mn, received_at=received_at, verdict="accepted")
                .order_by("-id").values_list("id", flat=True).first()
            )
        new.append((*key, *_values(row), packets[(mn, received_at)], adapt(received_at)))
        marked.add(key)
    insert_rows(
        MeasurementRevision._meta.db_table,
        "point_id, factor_id, period, time, value, flag, converted, cumulative, raw_packet_id, received_at",
        "",
        new,
    )
    if marked:
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE monitoring_measurement SET revised = %s WHERE point_id = %s AND factor_id = %s "
                "AND period = %s AND time = %s",
                [(True, *key) for key in sorted(marked)],  # in key order, as the inserts lock them
            )
