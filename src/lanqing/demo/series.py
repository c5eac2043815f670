"""Hourly demo data for air stations, water sections and outlets: pure numpy, no Django.

Every value is a function of (seed, series identity, absolute hour) and of nothing else, so the hour
2026-01-05 08:00 has the same value whether a year or a week ending there is generated. Three rules make
that exact:
- random numbers come in fixed blocks of absolute hours, each block from its own generator seeded by
  (seed, stable hash of the series and stream, block number);
- smoothed (autocorrelated) noise is a finite moving sum over earlier hours, never a recursion from a start;
- values are computed one canonical block of hours at a time, each from the same padded window, and only
  then cut to the requested range (a different cut would let numpy sum in a different order).

Times are hours since 1970-01-01T00:00Z (interval start, UTC); the local (Beijing) hour drives the cycles.
Levels are the demo's picture of a Fenwei-Plain county: heating-season PM2.5 episodes, summer ozone, coal SO2.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from lanqing.demo.catalogue import (
    AIR_FACTORS,
    AIR_STATIONS,
    LIMIT_SETS,
    OUTLETS,
    WATER_FACTORS,
    WATER_SECTIONS,
    AirStationSpec,
    OutletSpec,
    WaterSectionSpec,
)

RNG_BLOCK = 1024  # hours per random-number block
CALC_BLOCK = 2048  # hours per canonical computation block
PAD = 256  # hours before a computation block that its events and anomalies may reach back to
LOCAL_OFFSET = 8  # Beijing time is UTC+8, no daylight saving

HOUR = np.timedelta64(1, "h")
EPOCH = np.datetime64("1970-01-01T00", "h")


@dataclass
class Series:
    """One factor's rows: `hours` are the hours that have a row (gaps are simply absent)."""

    site: str
    factor: str
    hours: np.ndarray  # int64, hours since the epoch, UTC interval start
    values: np.ndarray  # float64, not rounded
    flags: np.ndarray  # str


def hour_of(moment: np.datetime64) -> int:
    return int((moment.astype("datetime64[h]") - EPOCH) // HOUR)


# -- random building blocks ------------------------------------------------------------------------------


def _key(*parts: str) -> int:
    # crc32, not hash(): Python salts str hashes per process.
    return zlib.crc32("|".join(parts).encode("utf-8"))


def _rng(seed: int, key: int, block: int, kind: int) -> np.random.Generator:
    return np.random.default_rng([seed, key, block, kind])


def _draw(seed: int, key: int, start: int, n: int, kind: int) -> np.ndarray:
    """Standard normals (kind 0) or uniforms (kind 1) for absolute hours [start, start + n)."""
    if start < 0:
        raise ValueError("demo data starts after 1970")
    first, last = start // RNG_BLOCK, (start + n - 1) // RNG_BLOCK
    parts = []
    for block in range(first, last + 1):
        rng = _rng(seed, key, block, kind)
        parts.append(rng.standard_normal(RNG_BLOCK) if kind == 0 else rng.random(RNG_BLOCK))
    offset = start - first * RNG_BLOCK
    return np.concatenate(parts)[offset:offset + n]


def normal(seed: int, key: int, start: int, n: int) -> np.ndarray:
    return _draw(seed, key, start, n, 0)


def uniform(seed: int, key: int, start: int, n: int) -> np.ndarray:
    return _draw(seed, key, start, n, 1)


def smooth(seed: int, key: int, start: int, n: int, tau: float) -> np.ndarray:
    """Unit-variance noise correlated over about `tau` hours (exponential kernel, cut at 4 tau)."""
    length = max(1, int(4 * tau))
    kernel = np.exp(-np.arange(length) / tau)
    kernel /= np.sqrt(np.sum(kernel**2))
    noise = normal(seed, key, start - length + 1, n + length - 1)
    # Reversed kernel: the newest hour weighs most.
    return np.convolve(noise, kernel[::-1], mode="valid")


def events(seed: int, key: int, start: int, n: int, *, per_year: float, shortest: int,
           longest: int) -> np.ndarray:
    """Start hour of the event covering each hour, or -1: Poisson starts, lengths uniform in hours."""
    origin = np.full(n, -1, dtype=np.int64)
    rate = per_year / 8766 * RNG_BLOCK
    for block in range((start - longest) // RNG_BLOCK, (start + n - 1) // RNG_BLOCK + 1):
        if block < 0:
            continue
        rng = _rng(seed, key, block, 2)
        count = rng.poisson(rate)
        starts = block * RNG_BLOCK + rng.integers(0, RNG_BLOCK, count)
        lengths = rng.integers(shortest, longest + 1, count)
        for first, length in zip(starts.tolist(), lengths.tolist(), strict=True):
            lo, hi = max(first - start, 0), min(first + length - start, n)
            if lo < hi:
                origin[lo:hi] = first
    return origin


# -- calendar --------------------------------------------------------------------------------------------


@dataclass
class Calendar:
    hour: np.ndarray  # local hour of day, 0–23
    doy: np.ndarray  # local day of year, 0-based
    heating: np.ndarray  # bool: Shanxi heating season, 15 Nov – 15 Mar (local dates)
    winter: np.ndarray  # 0..1, peaks mid-January
    summer: np.ndarray  # 0..1, peaks mid-June (sunlight for ozone)
    monsoon: np.ndarray  # 0..1, the July–August rains
    spring: np.ndarray  # 0..1, the March–May dust season


def calendar(start: int, n: int) -> Calendar:
    local = EPOCH + (np.arange(start, start + n) + LOCAL_OFFSET) * HOUR
    days = local.astype("datetime64[D]")
    months = local.astype("datetime64[M]")
    hour = ((local - days) // HOUR).astype(np.int64)
    doy = (days - months.astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64)
    month = months.astype(np.int64) % 12 + 1
    day = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    month_day = month * 100 + day
    heating = (month_day >= 1115) | (month_day <= 315)
    angle = 2 * np.pi / 365.25
    return Calendar(
        hour=hour,
        doy=doy,
        heating=heating,
        winter=0.5 * (1 + np.cos(angle * (doy - 15))),
        summer=0.5 * (1 + np.cos(angle * (doy - 170))),
        monsoon=np.exp(-(((doy - 205) / 28.0) ** 2)),
        spring=np.exp(-(((doy - 105) / 35.0) ** 2)),
    )


def _bump(hour: np.ndarray, centre: float, width: float) -> np.ndarray:
    # A Gaussian bump around a local hour, wrapping at midnight.
    distance = (hour - centre + 12) % 24 - 12
    return np.exp(-(distance**2) / (2 * width**2))


def _lognormal(z: np.ndarray, sigma) -> np.ndarray:
    # Mean-one multiplicative noise.
    return np.exp(sigma * z - sigma**2 / 2)


# -- generation by canonical blocks ----------------------------------------------------------------------


def _blocks(generate, start: int, n: int, site: str, factors: tuple[str, ...]) -> list[Series]:
    """Runs `generate(window_start, window_n)` per canonical block, then cuts out [start, start + n).

    A block's window is the block plus PAD hours before it; `generate` returns {factor: (values, flags,
    present)} over that window.
    """
    collected: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {f: [] for f in factors}
    for block in range(start // CALC_BLOCK, (start + n - 1) // CALC_BLOCK + 1):
        block_start = block * CALC_BLOCK
        window_start = block_start - PAD
        result = generate(window_start, CALC_BLOCK + PAD)
        lo, hi = max(start, block_start), min(start + n, block_start + CALC_BLOCK)
        cut = slice(lo - window_start, hi - window_start)
        hours = np.arange(window_start, window_start + CALC_BLOCK + PAD, dtype=np.int64)[cut]
        for factor in factors:
            values, flags, present = result[factor]
            keep = present[cut]
            collected[factor].append((hours[keep], values[cut][keep], flags[cut][keep]))
    return [Series(site, factor, np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
                   np.concatenate([p[2] for p in parts]))
            for factor, parts in collected.items()]


def _flags(n: int) -> np.ndarray:
    return np.full(n, "N", dtype="<U2")


def _apply_device_faults(seed: int, site: str, start: int, n: int, out: dict, *, offline_per_year: float,
                         maintenance_per_year: float, analyzer_factors: tuple[str, ...],
                         calibration_per_year: float, calibration_value: dict[str, float] | None = None,
                         anomaly_factors: tuple[str, ...] = (), drop_rate: float = 0.002) -> None:
    """Gaps, maintenance (M), calibration (C), faults (D) and constant or zero values, in place.

    Offline and maintenance belong to the device (all its factors at once); calibration to the analyzer;
    stuck and zero readings to one factor, flagged N, as a real stuck sensor reports them.
    """
    offline = events(seed, _key(site, "offline"), start, n, per_year=offline_per_year, shortest=1, longest=72)
    dropped = uniform(seed, _key(site, "drop"), start, n) < drop_rate
    present = (offline < 0) & ~dropped
    maintenance = events(seed, _key(site, "maintenance"), start, n, per_year=maintenance_per_year,
                         shortest=2, longest=6) >= 0
    calibration = events(seed, _key(site, "calibration"), start, n, per_year=calibration_per_year,
                         shortest=1, longest=2) >= 0
    for factor, (values, flags, _present) in out.items():
        # A failing analyser reads low and flags itself D.
        fault = events(seed, _key(site, factor, "fault"), start, n, per_year=3, shortest=1, longest=8) >= 0
        flags[fault] = "D"
        values[fault] = values[fault] * 0.35
        if factor in anomaly_factors:
            stuck = events(seed, _key(site, factor, "stuck"), start, n, per_year=2, shortest=6, longest=30)
            where = np.nonzero(stuck >= 0)[0]
            # The stuck value is the reading of the hour the sensor froze, which lies inside the padding.
            origin = stuck[where] - start
            valid = origin >= 0
            values[where[valid]] = values[origin[valid]]
            zero = events(seed, _key(site, factor, "zero"), start, n, per_year=2, shortest=2, longest=10) >= 0
            values[zero] = 0.0
        if factor in analyzer_factors:
            flags[calibration] = "C"
            if calibration_value and factor in calibration_value:
                values[calibration] = calibration_value[factor]
        flags[maintenance] = "M"
        out[factor] = (values, flags, present.copy())


# -- ambient air -----------------------------------------------------------------------------------------


def air_series(spec: AirStationSpec, *, seed: int, start: int, n: int) -> list[Series]:
    def generate(s: int, m: int) -> dict:
        cal = calendar(s, m)
        h = cal.hour
        # The regional weather is shared by every station: a stagnant spell fills the whole valley.
        stagnation = smooth(seed, _key("region", "stagnation"), s, m, 40)
        local = smooth(seed, _key(spec.code, "local"), s, m, 6)
        urban = 0.6 + 0.4 * spec.urban

        # PM2.5 (µg/m³): clean summers near 30, heating-season base near 90, episodes of 150–300 when
        # stagnation holds; lowest in the afternoon when the mixing layer is deepest.
        base = 30 + 42 * cal.winter + 15 * cal.heating
        diurnal = 1 + 0.2 * np.cos(2 * np.pi * (h - 22) / 24) + 0.08 * _bump(h, 9, 1.5)
        sigma = 0.42 + 0.18 * cal.winter
        pm25 = base * urban * diurnal * _lognormal(stagnation, sigma) * _lognormal(local, 0.15)

        # PM10: 1.6–2× PM2.5, more coarse dust in spring, and a few spring dust storms.
        ratio = 1.6 + 0.35 * cal.spring + 0.08 * smooth(seed, _key(spec.code, "coarse"), s, m, 12)
        dust = events(seed, _key("region", "dust"), s, m, per_year=4, shortest=6, longest=30) >= 0
        pm10 = pm25 * ratio + dust * cal.spring * 250 * _lognormal(local, 0.3)

        # SO2: coal heating; morning fumigation peak and an evening stove peak in the heating season.
        so2 = ((10 + 25 * cal.winter + 35 * cal.heating) * (0.7 + 0.3 * spec.urban)
               * (0.95 + 0.3 * _bump(h, 11, 2) + 0.2 * cal.heating * _bump(h, 20, 2))
               * _lognormal(stagnation, 0.35)
               * _lognormal(smooth(seed, _key(spec.code, "so2"), s, m, 4), 0.2))

        # NO2: traffic peaks at 08:00 and 19:00–21:00, a dip in the photochemical afternoon.
        no2 = ((22 + 18 * cal.winter) * (0.7 + 0.3 * spec.urban)
               * (1 + 0.25 * _bump(h, 8, 1.5) + 0.35 * _bump(h, 20, 2.5) - 0.25 * _bump(h, 14, 2.5))
               * _lognormal(stagnation, 0.3) * _lognormal(smooth(seed, _key(spec.code, "no2"), s, m, 3), 0.2))

        # CO (mg/m³) rides with PM2.5: the same combustion and the same stagnant air.
        co = (0.35 + 0.012 * pm25 + 0.3 * cal.winter) * _lognormal(
            smooth(seed, _key(spec.code, "co"), s, m, 3), 0.12)

        # O3: afternoon photochemistry, peaking mid-afternoon around midsummer (1-h max ~150–250 in June),
        # titrated away at night and in winter smog.
        sunny = smooth(seed, _key("region", "sunny"), s, m, 30)
        o3 = ((15 + 35 * cal.summer + (15 + 125 * cal.summer) * _bump(h, 15, 3))
              * _lognormal(sunny, 0.18) * np.exp(-0.25 * cal.winter * np.clip(stagnation, 0, None))
              * _lognormal(smooth(seed, _key(spec.code, "o3"), s, m, 3), 0.1))

        # Meteorology at about 800 m: cold dry winters, warm wet Julys.
        weather = smooth(seed, _key("region", "temperature"), s, m, 48)
        temperature = (11 + 14 * np.cos(2 * np.pi * (cal.doy - 200) / 365.25)
                       + 5 * np.cos(2 * np.pi * (h - 15) / 24) + 3 * weather)
        humidity = np.clip(55 + 20 * cal.monsoon - 15 * np.cos(2 * np.pi * (h - 15) / 24)
                           + 12 * smooth(seed, _key("region", "humidity"), s, m, 24) + 6 * stagnation, 8, 100)
        pressure = 92.0 + 0.8 * cal.winter + 0.3 * stagnation - 0.3 * weather + 0.1 * np.cos(
            2 * np.pi * (h - 10) / 12)
        wind = np.clip(1.8 + 0.8 * cal.spring - 0.7 * stagnation + 0.6 * np.cos(2 * np.pi * (h - 15) / 24)
                       + 0.4 * smooth(seed, _key(spec.code, "wind"), s, m, 3), 0.1, None)
        # Valley winds: up-valley (southerly) by day, down-valley (northerly) by night.
        veer = smooth(seed, _key(spec.code, "direction"), s, m, 6)
        direction = (190 + 160 * _bump(h, 3, 4) + 50 * veer) % 360

        values = {"a34004": pm25, "a34002": pm10, "a21026": so2, "a21004": no2, "a21005": co, "a05024": o3,
                  "a01001": temperature, "a01002": humidity, "a01006": pressure, "a01007": wind,
                  "a01008": direction}
        out = {factor: (values[factor], _flags(m), np.ones(m, bool)) for factor in AIR_FACTORS}
        _apply_device_faults(seed, spec.code, s, m, out, offline_per_year=4, maintenance_per_year=12,
                             analyzer_factors=("a21026", "a21004", "a21005", "a05024"),
                             calibration_per_year=26)
        return out

    return _blocks(generate, start, n, spec.code, AIR_FACTORS)


# -- surface water ---------------------------------------------------------------------------------------


def _do_saturation(temperature: np.ndarray) -> np.ndarray:
    # A common cubic fit of DO saturation (mg/L) in fresh water at sea level; ×0.92 for the county's ~700 m.
    t = temperature
    return (14.62 - 0.3898 * t + 0.006969 * t**2 - 0.00005897 * t**3) * 0.92


def water_series(spec: WaterSectionSpec, *, seed: int, start: int, n: int) -> list[Series]:
    codmn_level, cod_level, nh3_level, tp_level = spec.levels

    def generate(s: int, m: int) -> dict:
        cal = calendar(s, m)
        h = cal.hour
        key = spec.code
        # Summer storms wash soil and manure in; the same rain reaches every section.
        storm = events(seed, _key("region", "storm"), s, m, per_year=10, shortest=12, longest=48) >= 0
        storm = storm & (uniform(seed, _key("region", "storm-season"), s, m) < 0.3 + 0.7 * cal.monsoon)
        # Sewage pulses below the county seat: overflows and illegal discharges, the bureau's usual suspects.
        pulse = events(seed, _key(key, "pulse"), s, m, per_year=4, shortest=6, longest=24) >= 0

        temperature = np.clip(12 + 11 * np.cos(2 * np.pi * (cal.doy - 205) / 365.25)
                              + 1.2 * np.cos(2 * np.pi * (h - 16) / 24)
                              + 1.0 * smooth(seed, _key(key, "temperature"), s, m, 48), 0.3, None)
        # DO: more in cold water; algae push it up in summer afternoons; decaying runoff pulls it down.
        saturation_share = 0.98 - 0.06 * spec.target_class - 0.12 * storm - 0.15 * pulse
        do = _do_saturation(temperature) * (saturation_share + 0.08 * cal.summer * np.cos(
            2 * np.pi * (h - 15) / 24) + 0.03 * smooth(seed, _key(key, "do"), s, m, 12))
        ph = 7.9 + 0.25 * cal.summer * np.cos(2 * np.pi * (h - 15) / 24) + 0.1 * smooth(
            seed, _key(key, "ph"), s, m, 24) - 0.3 * pulse
        organic = (1 + 0.25 * cal.monsoon) * (1 + 0.8 * storm + 0.9 * pulse) * _lognormal(
            smooth(seed, _key(key, "organic"), s, m, 72), 0.15)
        codmn = codmn_level * organic
        cod = cod_level * organic * _lognormal(smooth(seed, _key(key, "cod"), s, m, 6), 0.08)
        # Nitrification slows in cold water, so NH3-N is higher in winter.
        nh3 = nh3_level * (0.8 + 0.5 * cal.winter) * (1 + 0.5 * storm + 1.5 * pulse) * _lognormal(
            smooth(seed, _key(key, "nh3"), s, m, 48), 0.25)
        tp = tp_level * (1 + 0.5 * cal.monsoon) * (1 + 1.0 * storm + 0.8 * pulse) * _lognormal(
            smooth(seed, _key(key, "tp"), s, m, 48), 0.2)

        values = {"w01001": ph, "w01009": do, "w01010": temperature, "w01019": codmn, "w01018": cod,
                  "w21003": nh3, "w21011": tp}
        out = {factor: (values[factor], _flags(m), np.ones(m, bool)) for factor in WATER_FACTORS}
        _apply_device_faults(seed, key, s, m, out, offline_per_year=5, maintenance_per_year=12,
                             analyzer_factors=("w01019", "w01018", "w21003", "w21011"),
                             calibration_per_year=40)
        return out

    return _blocks(generate, start, n, spec.code, WATER_FACTORS)


# -- outlets ---------------------------------------------------------------------------------------------


def running(spec: OutletSpec, cal: Calendar) -> np.ndarray:
    if spec.schedule == "heating":
        return cal.heating.copy()
    if spec.schedule == "off-heating":
        return ~cal.heating
    return np.ones(len(cal.hour), bool)


def outlet_series(spec: OutletSpec, *, seed: int, start: int, n: int) -> list[Series]:
    limits = LIMIT_SETS[spec.limit_set]

    def generate(s: int, m: int) -> dict:
        cal = calendar(s, m)
        h = cal.hour
        key = spec.code
        # Unplanned stops (repairs, orders under heavy-pollution alerts) on top of the schedule.
        stopped = events(seed, _key(key, "stop"), s, m, per_year=2, shortest=24, longest=120) >= 0
        on = running(spec, cal) & ~stopped
        # Heating boilers work harder in the cold and in the small hours.
        demand = (0.1 * cal.winter + 0.05 * np.cos(2 * np.pi * (h - 6) / 24)) * (spec.schedule == "heating")
        load = np.clip(0.85 + 0.08 * smooth(seed, _key(key, "load"), s, m, 12) + demand, 0.4, 1.1)
        values: dict[str, np.ndarray] = {}
        dilution: np.ndarray | float
        pollutants: tuple[str, ...]
        if spec.medium == "gas":
            reference_o2 = limits.reference_o2
            assert reference_o2 is not None, "gas limit sets are converted to a reference O2"
            o2 = np.clip(spec.o2 - 1.5 * (load - 0.85) + 0.5 * smooth(seed, _key(key, "o2"), s, m, 4),
                         3, 20.5)
            o2 = np.where(on, o2, 20.6 + 0.1 * normal(seed, _key(key, "o2-off"), s, m))
            values["a19001"] = o2
            values["a00000"] = np.where(on, spec.flow * load * _lognormal(
                smooth(seed, _key(key, "flow"), s, m, 2), 0.04), 0.02 * spec.flow)
            values["a01012"] = np.where(on, spec.temperature + 20 * (load - 0.85) + 3 * smooth(
                seed, _key(key, "temp"), s, m, 6), 10 + 12 * cal.summer)
            # Concentrations are generated as converted to the reference O2 (what the limit applies to) and
            # reported as measured, which is what the analyser sends:
            # c_measured = c_ref (21 - O2) / (21 - O2ref).
            dilution = (21 - o2) / (21 - reference_o2)
            pollutants = ("a21026", "a21002", "a34013")
        else:
            flow_shape = (1 + 0.2 * np.cos(2 * np.pi * (h - 11) / 24)) if spec.factors[0] == "w01018" else 1
            storm = events(seed, _key("region", "storm"), s, m, per_year=10, shortest=12, longest=48) >= 0
            values["w00000"] = spec.flow * flow_shape * (1 + 0.35 * storm * cal.monsoon) * _lognormal(
                smooth(seed, _key(key, "flow"), s, m, 3), 0.08)
            values["w01001"] = 7.3 + 0.4 * (spec.limit_set.startswith("GB20426")) + 0.15 * smooth(
                seed, _key(key, "ph"), s, m, 12)
            dilution = 1.0
            pollutants = tuple(f for f in spec.factors if f in limits.values)
        for factor in pollutants:
            fkey = _key(key, factor)
            # Each outlet treats each pollutant a little better or worse than its neighbour.
            # Capped so that exceedances stay occasional: at 0.65 of the limit, noise alone crosses it ~1 %.
            share: float | np.ndarray = min(
                spec.load * (0.75 + 0.5 * np.random.default_rng([seed, fkey]).random()), 0.65)
            if factor == "w21003":
                share *= 0.8 + 0.4 * cal.winter  # cold sludge nitrifies poorly
            if factor == "w21001":
                share *= 0.9 + 0.2 * cal.winter
            level = limits.values[factor] * share * _lognormal(smooth(seed, fkey, s, m, 8), 0.2)
            # Exceedance episodes: a desulphuriser pump trips, a bag filter tears, the biology upsets.
            episode = events(seed, _key(key, factor, "episode"), s, m, per_year=10, shortest=2, longest=12)
            level = level * np.where(episode >= 0, 2.4 * _lognormal(normal(seed, _key(key, factor, "boost"),
                                                                            s, m), 0.15), 1)
            measured = level * dilution
            if spec.medium == "gas":
                measured = np.where(on, measured, 0.02 * limits.values[factor] * _lognormal(
                    normal(seed, _key(key, factor, "off"), s, m), 0.3))
            values[factor] = measured
        out = {}
        for factor in spec.factors:
            flags = _flags(m)
            if spec.medium == "gas":
                flags[~on] = "F"  # HJ 212 flag F: the source is stopped
            out[factor] = (values[factor], flags, np.ones(m, bool))
        # Span gas during a calibration hour reads near the top of the range (a few times the limit).
        calibration_value: dict[str, float] = {}
        if spec.medium == "gas":
            assert limits.reference_o2 is not None, "gas limit sets are converted to a reference O2"
            calibration_value = {f: 4.0 * limits.values[f] * (21 - spec.o2) / (21 - limits.reference_o2)
                                 for f in ("a21026", "a21002")}
            calibration_value["a19001"] = 20.9
        _apply_device_faults(seed, key, s, m, out, offline_per_year=6, maintenance_per_year=10,
                             analyzer_factors=("a21026", "a21002", "a19001", "w01018", "w21003", "w21011"),
                             calibration_per_year=30, calibration_value=calibration_value,
                             anomaly_factors=("a34013", "a00000", "w00000", "w01018"))
        return out

    return _blocks(generate, start, n, spec.code, spec.factors)


def site_series(kind: str, code: str, *, seed: int, start: int, n: int) -> list[Series]:
    """The series of a demo site by its catalogue kind ("air", "water" or "outlet") and code."""
    if kind == "air":
        return air_series(next(s for s in AIR_STATIONS if s.code == code), seed=seed, start=start, n=n)
    if kind == "water":
        return water_series(next(s for s in WATER_SECTIONS if s.code == code), seed=seed, start=start, n=n)
    return outlet_series(next(s for s in OUTLETS if s.code == code), seed=seed, start=start, n=n)
