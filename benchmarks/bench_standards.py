"""Standards engine speed: hourly AQI against python-aqi and a numpy floor; annual evaluation against a floor.

.venv/bin/python benchmarks/bench_standards.py          (or benchmarks/run.py standards [--quick])

Ratios only, no timed assertions. "Floor" = numpy reading the same input arrays once and writing one result.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from lanqing.standards.aqi import compute_aqi
from lanqing.standards.evaluation import evaluate_hourly

POLLUTANTS = ("SO2", "NO2", "CO", "O3", "PM10", "PM2.5")


def _best(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return min(times)


def _hourly(rng: np.random.Generator, shape: tuple[int, ...], missing: float = 0.02) -> dict[str, np.ndarray]:
    """Plausible hourly concentrations (log-normal, rounded as stations publish them), 2 % missing."""
    columns = {
        "SO2": rng.lognormal(2.5, 0.7, shape).round(),
        "NO2": rng.lognormal(3.3, 0.6, shape).round(),
        "CO": rng.lognormal(0.0, 0.5, shape).round(1),
        "O3": rng.lognormal(4.0, 0.6, shape).round(),
        "PM10": rng.lognormal(4.3, 0.7, shape).round(),
        "PM2.5": rng.lognormal(3.7, 0.8, shape).round(),
    }
    for values in columns.values():
        values[rng.random(shape) < missing] = np.nan
    return columns


def _floor_reader(arrays: list[np.ndarray]):
    def floor() -> np.ndarray:
        out = np.empty_like(arrays[0])
        np.multiply(arrays[0], 1.0, out=out)
        for a in arrays[1:]:
            np.fmax(out, a, out=out)  # one pass over each input array, one result array
        return out

    return floor


def bench_hourly_aqi(n: int, sample: int) -> None:
    rng = np.random.default_rng(2024)
    columns = _hourly(rng, (n,))
    compute_aqi(columns, period="hour", standard="2012")  # builds the lookup tables once
    ours = _best(lambda: compute_aqi(columns, period="hour", standard="2012"), 5)
    floor = _best(_floor_reader(list(columns.values())), 5)

    try:
        import aqi
        from aqi.constants import POLLUTANT_CO_1H
    except ImportError:
        aqi = None
    if aqi is not None:
        keys = {
            "SO2": aqi.POLLUTANT_SO2_1H,
            "NO2": aqi.POLLUTANT_NO2_1H,
            "CO": POLLUTANT_CO_1H,
            "O3": aqi.POLLUTANT_O3_1H,
            "PM10": aqi.POLLUTANT_PM10,
            "PM2.5": aqi.POLLUTANT_PM25,
        }
        records = []
        for i in range(sample):
            records.append([(keys[p], str(columns[p][i])) for p in POLLUTANTS if not np.isnan(columns[p][i])])
        failures = 0

        def run_python_aqi() -> None:
            nonlocal failures
            failures = 0
            for record in records:
                try:
                    aqi.to_aqi(record, algo=aqi.ALGO_MEP)
                except Exception:  # noqa: BLE001 - python-aqi raises on values beyond its tables
                    failures += 1

        per_record = _best(run_python_aqi, 2) / sample
        python_aqi = per_record * n
    print(
        f"hourly AQI, {n:,} station-hours × 6 pollutants (sub-indices, AQI, primary pollutants, completeness):"
    )
    print(f"  lanqing.standards  {ours * 1e3:9.1f} ms   ({n / ours / 1e6:.1f} M records/s)")
    print(f"  numpy floor        {floor * 1e3:9.1f} ms   (reads the 6 arrays once)")
    if aqi is not None:
        print(
            f"  python-aqi         {python_aqi * 1e3:9.1f} ms   (scaled from {sample:,} records, "
            f"{1 / per_record:,.0f} records/s; {failures} raised)"
        )
        print(f"  speed-up over python-aqi: {python_aqi / ours:7.0f}×   (goal ≥ 200×)")
    else:
        print("  python-aqi not installed: no comparison")
    print(f"  ratio to the floor:         {ours / floor:5.2f}×  (goal ≤ 5×)")


def bench_annual_evaluation(stations: int) -> None:
    rng = np.random.default_rng(7)
    hours = 365 * 24
    hourly = _hourly(rng, (stations, hours))
    first = date(2023, 1, 1)
    evaluate_hourly(hourly, first_day=first, by="year", standard="2012")
    ours = _best(lambda: evaluate_hourly(hourly, first_day=first, by="year", standard="2012"), 2)
    floor = _best(_floor_reader([v.reshape(-1) for v in hourly.values()]), 3)
    print(f"annual evaluation (HJ 663), {stations:,} station-years of hourly data × 6 pollutants:")
    print(f"  lanqing.standards  {ours * 1e3:9.1f} ms   (daily means, MDA8, statistics, daily AQI, verdicts)")
    print(f"  numpy floor        {floor * 1e3:9.1f} ms")
    print(f"  ratio to the floor:         {ours / floor:5.1f}×")


def main(quick: bool = False) -> None:
    if os.environ.get("OPENBLAS_CORETYPE"):
        print(
            f"note: OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} is set; it matters little here, "
            "the work is elementwise numpy, not BLAS."
        )
    scale = 100 if quick else 1
    bench_hourly_aqi(1_000_000 // scale, 20_000 // scale)
    bench_annual_evaluation(max(1_000 // scale, 2))


if __name__ == "__main__":
    main()
