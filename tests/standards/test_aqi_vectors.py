"""Every AQI vector of specs/aqi_vectors.json."""

from __future__ import annotations

import pytest

from lanqing.standards.aqi import aqi_report, iaqi, level_of
from tests.standards.vectors import vector_id, vectors


def _row(given: dict) -> str:
    return f"{given['pollutant']}_{given['averaging']}"


def _canon(name: str) -> str:
    # The vectors call the O3 1-h column "O3" in hourly input and "O3_1h" in expected sub-indices.
    return "O3_1h" if name == "O3" else name


@pytest.mark.parametrize("vector", vectors("iaqi", "iaqi_float_pitfall"), ids=vector_id)
def test_iaqi_matches_the_vector_exactly(vector):
    given = vector["input"]
    result = iaqi(given["concentration"], _row(given), standard=given["standard"][-4:])
    assert result.value == vector["expected"]["iaqi"]


@pytest.mark.parametrize("vector", vectors("iaqi_special"), ids=vector_id)
def test_special_cases_above_800_follow_the_version(vector):
    given = vector["input"]
    result = iaqi(given["concentration"], _row(given), standard=given["standard"][-4:])
    assert result.value == vector["expected"]["iaqi"]
    if vector["expected"]["iaqi"] is None:
        assert result.flags == ("not_computed",)


@pytest.mark.parametrize("vector", vectors("aqi_day", "aqi_hour"), ids=vector_id)
def test_record_aqi_level_primary_and_sub_indices_match_the_vector(vector):
    given, expected = vector["input"], vector["expected"]
    period = "day" if vector["kind"] == "aqi_day" else "hour"
    report = aqi_report(given["concentrations"], period=period, standard=given["standard"][-4:])
    assert report.aqi == expected["aqi"]
    assert sorted(map(_canon, report.primary_pollutants)) == sorted(expected["primary"])
    assert {_canon(k): v for k, v in report.iaqi.items() if v is not None} == expected["iaqi"]
    if "exceeding" in expected:
        assert sorted(map(_canon, report.exceeding_pollutants)) == sorted(expected["exceeding"])
    else:
        assert report.exceeding_pollutants == ()
    assert report.level.level == expected["level"]
    assert report.level.category_zh == expected["category_cn"]
    assert report.level.category_en == expected["category_en"]
    assert list(report.level.rgb) == expected["rgb"]


@pytest.mark.parametrize("vector", vectors("aqi_hour_published"), ids=vector_id)
def test_published_hourly_city_records_agree_with_the_standard_value(vector):
    given, expected = vector["input"], vector["expected"]
    report = aqi_report(given["concentrations"], period="hour", standard="2012")
    assert report.aqi == expected["aqi_standard"]
    assert sorted(map(_canon, report.primary_pollutants)) == sorted(expected["primary_standard"])
    assert abs(report.aqi - expected["aqi_published"]) <= expected["tolerance"]


@pytest.mark.parametrize("vector", vectors("aqi_level"), ids=vector_id)
def test_level_category_and_colour_at_the_boundaries(vector):
    level = level_of(vector["input"]["aqi"])
    assert level.level == vector["expected"]["level"]
    assert level.category_zh == vector["expected"]["category_cn"]
    assert list(level.rgb) == vector["expected"]["rgb"]


def test_the_vector_file_holds_every_kind_this_suite_checks():
    kinds = {
        v["kind"]
        for v in vectors(
            "iaqi",
            "iaqi_special",
            "iaqi_float_pitfall",
            "aqi_day",
            "aqi_hour",
            "aqi_hour_published",
            "aqi_level",
        )
    }
    assert len(kinds) == 7
