"""Hourly AQI reproduces the CNEMC station records exactly: AQI, category and primary pollutant (README
§4)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from lanqing.standards import air_tables
from lanqing.standards.aqi import compute_aqi
from tests.standards.vectors import AIR_QUALITY

SNAPSHOTS = [
    "cnemc_snapshot_2017-07-07T16_all_stations.geojson",
    "cnemc_snapshot_2018-02-20T07_all_stations.geojson",
]
# `o3_24h` is the current 1-h O3, despite its name (data README §4).
FIELDS = {"SO2": "so2", "NO2": "no2", "CO": "co", "O3": "o3_24h", "PM10": "pm10", "PM2.5": "pm2_5"}
MISSING = ("-;", "")


def _compute(rows: list[dict]):
    columns = {
        name: np.array([np.nan if r[key] in MISSING else float(r[key]) for r in rows])
        for name, key in FIELDS.items()
    }
    times = np.array([r["timepoint"] for r in rows], dtype="datetime64[m]")
    return compute_aqi(columns, period="hour", times=times)


def _published_primary(result, mask: int) -> str:
    names = [air_tables.INDICATOR_ZH["O3_1h" if n == "O3" else n] for n in result.names(mask)]
    return ",".join(names) or "-;"


def _check(rows: list[dict]) -> None:
    rows = [r for r in rows if r["aqi"] not in MISSING]
    result = _compute(rows)
    expected = np.array([int(r["aqi"]) for r in rows])
    assert np.array_equal(result.aqi, expected)
    categories = [air_tables.CATEGORY_ZH[level - 1] for level in result.level]
    assert categories == [r["quality"] for r in rows]
    assert [_published_primary(result, int(m)) for m in result.primary] == [
        r["primarypollutant"] for r in rows
    ]


@pytest.mark.parametrize("name", SNAPSHOTS)
def test_every_station_hour_of_the_snapshot_is_reproduced(name):
    features = json.loads((AIR_QUALITY / name).read_text(encoding="utf-8"))["features"]
    rows = [f["properties"] for f in features]
    assert sum(r["aqi"] not in MISSING for r in rows) > 1400
    _check(rows)


def test_the_linfen_rows_are_reproduced():
    with (AIR_QUALITY / "cnemc_snapshots_linfen_rows.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 12
    _check(rows)


def test_rows_with_a_missing_pollutant_still_publish_the_aqi_of_the_rest_under_2012():
    features = json.loads((AIR_QUALITY / SNAPSHOTS[1]).read_text(encoding="utf-8"))["features"]
    rows = [
        f["properties"]
        for f in features
        if f["properties"]["aqi"] not in MISSING and f["properties"]["pm10"] in MISSING
    ]
    assert rows
    result = _compute(rows)
    assert result.incomplete.all()
    assert np.array_equal(result.aqi, [int(r["aqi"]) for r in rows])
