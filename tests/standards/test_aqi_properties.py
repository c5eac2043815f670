"""Properties of the AQI engine, checked against an exact rational reference."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lanqing.standards import air_tables
from lanqing.standards.aqi import ABOVE_TABLE, compute_aqi, iaqi, iaqi_codes

ROWS = sorted(air_tables.BREAKPOINTS_2012)
VERSIONS = ("2012", "2026")


def reference(concentration: Fraction, row: str, version: str) -> int | None:
    points = air_tables.BREAKPOINTS[version][row]
    if concentration > points[-1]:
        return None
    for i in range(len(points) - 1):
        lo, hi = points[i], points[i + 1]
        if lo <= concentration <= hi:
            ilo, ihi = air_tables.IAQI_STEPS[i], air_tables.IAQI_STEPS[i + 1]
            return ilo + math.ceil(Fraction(ihi - ilo, hi - lo) * (concentration - lo))
    raise AssertionError("unreachable")


@st.composite
def grid_value(draw, row=None):
    """A concentration on the engine's grid (0.01 µg/m³, 0.001 mg/m³) inside the row's table."""
    row = row or draw(st.sampled_from(ROWS))
    version = draw(st.sampled_from(VERSIONS))
    scale = air_tables.SCALE[row.split("_")[0] if not row.startswith("O3") else "O3"]
    top = air_tables.BREAKPOINTS[version][row][-1] * scale
    units = draw(st.integers(min_value=0, max_value=top))
    return row, version, Fraction(units, scale)


@settings(max_examples=300, deadline=None)
@given(grid_value())
def test_iaqi_equals_the_exact_rational_ceiling_on_the_grid(case):
    row, version, concentration = case
    # float(Fraction) is the float nearest the decimal, as a CSV reader would produce it.
    assert iaqi(float(concentration), row, standard=version).value == reference(concentration, row, version)


@settings(max_examples=200, deadline=None)
@given(grid_value(), st.integers(min_value=0, max_value=5000))
def test_iaqi_never_decreases_when_the_concentration_rises(case, step):
    row, version, low = case
    scale = air_tables.SCALE["O3" if row.startswith("O3") else row.split("_")[0]]
    high = min(low + Fraction(step, scale), Fraction(air_tables.BREAKPOINTS[version][row][-1]))
    codes = iaqi_codes(np.array([float(low), float(high)]), row, standard=version)
    assert codes[0] <= codes[1]


def test_iaqi_is_exact_at_every_breakpoint_of_both_versions():
    for version in VERSIONS:
        for row, points in air_tables.BREAKPOINTS[version].items():
            got = iaqi_codes(np.array(points, dtype=float), row, standard=version)
            assert list(got) == list(air_tables.IAQI_STEPS[: len(points)]), (version, row)


def test_values_beyond_the_table_are_flagged_not_invented():
    result = iaqi(600.01, "PM2.5_24h", standard="2012")
    assert result.value == 500
    assert result.flags == ("above_table",)
    assert iaqi_codes(np.array([501.0]), "PM2.5_24h", standard="2012")[0] == ABOVE_TABLE


HOURLY = st.fixed_dictionaries(
    {
        "SO2": st.integers(0, 800),
        "NO2": st.integers(0, 3840),
        "CO": st.integers(0, 500).map(lambda v: v / 10),
        "O3": st.integers(0, 1200),
        "PM10": st.integers(0, 600),
        "PM2.5": st.integers(0, 500),
    }
)
DAILY = st.fixed_dictionaries(
    {
        "SO2": st.integers(0, 2620),
        "NO2": st.integers(0, 940),
        "CO": st.integers(0, 500).map(lambda v: v / 10),
        "O3_8h": st.integers(0, 800),
        "PM10": st.integers(0, 600),
        "PM2.5": st.integers(0, 500),
    }
)


@settings(max_examples=200, deadline=None)
@given(st.lists(HOURLY, min_size=1, max_size=30), st.sampled_from(VERSIONS))
def test_aqi_is_the_largest_sub_index_and_the_primaries_are_exactly_the_ties(records, version):
    columns = {k: np.array([r[k] for r in records], dtype=float) for k in records[0]}
    result = compute_aqi(columns, period="hour", standard=version)
    subs = np.stack([result.iaqi(c) for c in result.columns])
    assert np.array_equal(result.aqi, subs.max(axis=0))
    for i in range(len(records)):
        tied = {c for j, c in enumerate(result.columns) if subs[j, i] == result.aqi[i]}
        expected = tied if result.aqi[i] > 50 else set()
        assert set(result.names(int(result.primary[i]))) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(DAILY, min_size=1, max_size=30))
def test_versions_differ_only_where_the_tables_do(records):
    columns = {k: np.array([r[k] for r in records], dtype=float) for k in records[0]}
    old = compute_aqi(columns, period="day", standard="2012")
    new = compute_aqi(columns, period="day", standard="2026")
    for column in old.columns:
        same_row = (
            air_tables.BREAKPOINTS_2012[f"{column}_24h" if column != "O3_8h" else "O3_8h"]
            == (air_tables.BREAKPOINTS_2026[f"{column}_24h" if column != "O3_8h" else "O3_8h"])
        )
        if same_row:
            assert np.array_equal(old.iaqi(column), new.iaqi(column))
    pm_same = np.array_equal(old.iaqi("PM10"), new.iaqi("PM10")) and np.array_equal(
        old.iaqi("PM2.5"), new.iaqi("PM2.5")
    )
    if pm_same:
        assert np.array_equal(old.aqi, new.aqi)
    # HJ 633-2026 lowers the PM breakpoints at IAQI 100, so its PM sub-indices are never smaller.
    assert (new.iaqi("PM2.5") >= old.iaqi("PM2.5")).all()
    assert (new.iaqi("PM10") >= old.iaqi("PM10")).all()
