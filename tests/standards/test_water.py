"""GB 3838-2002 single-factor classes (vectors), direction of DO, pH, 劣Ⅴ, target exceedance, river status."""

from __future__ import annotations

import numpy as np
import pytest

from lanqing.standards.water import (
    CLASS_ASCII,
    WORSE_THAN_V,
    factor_classes,
    river_status,
    section_class,
)
from tests.standards.vectors import vector_id, vectors


@pytest.mark.parametrize("vector", vectors("water_class"), ids=vector_id)
def test_section_and_factor_classes_match_the_vector(vector):
    given, expected = vector["input"], vector["expected"]
    result = section_class(given["sample_mg_per_L"], lake=given["waterbody"] == "lake", target=3)
    assert CLASS_ASCII[result.water_class] == expected["class"]
    assert {f: CLASS_ASCII[c] for f, c in result.per_factor.items()} == expected["per_factor"]
    if "exceed_multiple_vs_III" in expected:
        assert {f: round(m, 2) for f, m in result.exceeding.items()} == expected["exceed_multiple_vs_III"]
    else:
        assert result.exceeding == {}


def test_do_is_better_when_higher():
    assert list(factor_classes("DO", [8.0, 7.5, 7.4, 5.0, 2.0, 1.9])) == [1, 1, 2, 3, 5, 6]


def test_ph_outside_6_to_9_fails_every_class():
    assert list(factor_classes("pH", [5.9, 6.0, 9.0, 9.1])) == [WORSE_THAN_V, 1, 1, WORSE_THAN_V]


def test_a_value_on_a_shared_limit_takes_the_better_class():
    assert list(factor_classes("COD", [15, 15.01, 40, 40.5])) == [1, 3, 5, WORSE_THAN_V]


def test_missing_or_negative_values_have_no_class():
    assert list(factor_classes("NH3-N", [np.nan, -0.1])) == [0, 0]


def test_chinese_factor_names_are_understood_and_the_wording_follows_gb3838():
    result = section_class({"溶解氧": 6.5, "氨氮": 2.5, "总磷": 0.1})
    assert (
        result.water_class == WORSE_THAN_V
    )
    assert (
        result.wording_zh == "劣于Ⅴ类"
    )
    assert (
        result.grade_zh == "重度污染"
    )
    assert result.main_pollutants == ("NH3-N",)


def test_tn_is_not_assessed_for_rivers_but_is_for_lakes():
    assert "TN" not in section_class({"TN": 3.0, "COD": 10}).per_factor
    assert section_class({"TN": 3.0, "COD": 10}, lake=True).water_class == WORSE_THAN_V


def test_river_status_by_share_of_sections():
    assert river_status([1, 2, 3, 2, 3, 2, 2, 3, 2, 3]).grade_zh == "优"
    assert river_status([1, 2, 3, 4, 5]).grade_zh == "轻度污染"
    assert river_status([3, 4, 6, 5, 2]).grade_zh == "中度污染"
    assert river_status([6, 6, 3, 4, 6]).grade_zh == "重度污染"


def test_fewer_than_five_sections_are_averaged_factor_by_factor():
    samples = [{"NH3-N": 0.4, "DO": 7.0}, {"NH3-N": 1.2, "DO": 5.5}]
    status = river_status([2, 4], samples=samples)
    assert status.method == "mean of sections"
    assert status.grade_zh == "良好"
    with pytest.raises(ValueError, match="fewer than 5 sections"):
        river_status([2, 4])
