"""What an accepted packet stores: its measurements, facility states and site information, as rows."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from lanqing import hj212
from lanqing.hj212 import Packet
from lanqing.monitoring.ingest.devices import DeviceCache, KnownDevice
from lanqing.monitoring.ingest.times import db_time
from lanqing.monitoring.ingest.write import Rows
from lanqing.monitoring.measurements import JUDGED_PERIODS


def decode_packet(
    packet: Packet,
    device: KnownDevice,
    cache: DeviceCache,
    received_at: datetime,
    rows: Rows,
    notes: list[str],
) -> int:
    """Adds the packet's measurements, facility states and site information to ``rows``; returns the number
    of measurements, and appends to ``notes`` what was not stored and why.

    Rows are stored as the finished parameter tuples of their INSERT, times already in the database's
    form, so that writing them builds nothing more per row (this loop runs 60,000 times a second).
    """
    count = 0
    if isinstance(packet, hj212.DataUpload):
        unknown: list[str] = []
        factors = cache.factors()
        scales = device.scales
        point_id = device.point_id
        measurements = rows.measurements
        # Every value of a packet shares its period and DataTime.
        period = packet.period
        period_value = period.value
        when: Any = cache.data_time(packet.data_time)
        if when is None and period is hj212.Period.RTD:
            when = db_time(received_at.astimezone(UTC).replace(microsecond=0))
        # Hours and days are history: the packet is remembered, should it try to change stored values.
        origins = rows.origins if period_value in JUDGED_PERIODS else None
        origin = (device.mn, received_at)
        for code, value, flag, converted, cumulative in packet.stored_values():
            factor_id = factors.get(code)
            if factor_id is None:
                factor_id = cache.factor_id(code)  # refreshes the catalogue now and then
                if factor_id is None:
                    unknown.append(code)
                    continue
            if when is None:
                notes.append(f"{code}: no usable DataTime, value not stored")
                continue
            scale = scales.get(code, 1.0)
            measurements[(point_id, factor_id, period_value, when)] = (
                point_id,
                factor_id,
                period_value,
                when,
                _finite(value, scale),
                (flag or "N")[:2],
                "device",
                _finite(converted, scale),
                _finite(cumulative, 1.0),
            )
            if origins is not None:
                origins[(point_id, factor_id, period_value, when)] = origin
            count += 1
        if unknown:
            notes.append(
                "factor codes not in the catalogue, kept only in the raw packet: "
                + ", ".join(sorted(set(unknown))[:10])
            )
    elif isinstance(packet, hj212.FacilityStatus):
        when = cache.data_time(packet.data_time) or db_time(received_at.astimezone(UTC).replace(microsecond=0))
        cn = packet.header.cn or ""
        for state in packet.facilities():
            facility = state.facility[:20]
            rows.facilities[(device.id, facility, cn, when)] = (
                device.id,
                facility,
                cn,
                when,
                state.state,
                _finite(state.run_hours, 1.0),
            )
    elif isinstance(packet, hj212.SiteInfo):
        when = cache.data_time(packet.data_time) or db_time(received_at.astimezone(UTC).replace(microsecond=0))
        for info in packet.items():
            pol_id, code = (info.pol_id or "")[:16], info.code[:16]
            rows.info[(device.id, pol_id, code, when)] = (device.id, pol_id, code, when, info.value)
    return count


def _finite(value: float | None, scale: float) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return value * scale
