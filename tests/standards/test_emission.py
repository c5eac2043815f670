"""Reference-oxygen conversion (vectors), the limit catalogue as data, exceedance and emission amounts."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lanqing.standards.emission import check, emission_amount, load_catalogue, o2_correct
from tests.standards.vectors import vector_id, vectors


@pytest.mark.parametrize("vector", vectors("o2_correction"), ids=vector_id)
def test_o2_correction_matches_the_vector(vector):
    given = vector["input"]
    got = o2_correct(given["measured_mg_m3"], given["o2_measured_pct"], given["o2_reference_pct"])
    assert float(got) == pytest.approx(vector["expected"]["corrected_mg_m3"], rel=1e-12)


def test_an_impossible_oxygen_reading_gives_no_converted_value():
    assert np.isnan(o2_correct([30, 30, 30], [21, 25, np.nan], 6)).all()


def test_the_catalogue_holds_the_national_sets_with_their_reference_oxygen():
    catalogue = load_catalogue()
    assert catalogue["GB13271-2014:coal:existing"].reference_o2 == 9
    assert catalogue["GB13271-2014:gas:new"].limit("NOx") == 200
    assert catalogue["ultra-low:coal-power"].limits == {"PM": 10, "SO2": 35, "NOx": 50}
    assert catalogue["GB18918-2002:1A"].limit("pH") == (6, 9)
    with pytest.raises(KeyError, match="no emission limit set"):
        catalogue["GB0000:nothing"]


def test_the_bureau_extends_the_catalogue_with_a_file_and_with_database_rows(tmp_path):
    extra = tmp_path / "local.json"
    extra.write_text(
        json.dumps(
            {
                "DB14-local:coal": {
                    "title": "local",
                    "medium": "gas",
                    "reference_o2": 9,
                    "limits": {"NOx": 150},
                }
            }
        ),
        encoding="utf-8",
    )
    catalogue = load_catalogue(extra)
    assert catalogue["DB14-local:coal"].limit("NOx") == 150
    catalogue.extend_rows(
        [
            {"key": "permit:91141025X", "factor": "SO2", "limit": 80, "reference_o2": 9},
            {"key": "GB13271-2014:coal:existing", "factor": "NOx", "limit": 300},
        ]
    )
    assert catalogue["permit:91141025X"].limit("SO2") == 80
    assert catalogue["GB13271-2014:coal:existing"].limit("NOx") == 300
    assert catalogue["GB13271-2014:coal:existing"].limit("SO2") == 400


def test_a_limit_that_is_not_a_positive_number_is_refused():
    catalogue = load_catalogue()
    with pytest.raises(ValueError, match="the limit of SO2 must be a positive number"):
        catalogue.extend({"bad": {"medium": "gas", "limits": {"SO2": 0}}})


def test_hourly_values_are_converted_then_judged_with_their_multiple():
    limits = load_catalogue()["GB13271-2014:coal:existing"]
    result = check([150, 100, np.nan, -5], "SO2", limits, o2=[12, 9, 9, 9])
    assert result.value[0] == pytest.approx(200)
    assert result.exceeds.tolist() == [False, False, False, False]
    strict = check([150, 100], "SO2", limits, o2=[12, 9], permit_limit=150)
    assert strict.exceeds.tolist() == [True, False]
    assert strict.multiple[0] == pytest.approx(1 / 3)
    assert result.judged.tolist() == [True, True, False, False]


def test_ph_is_judged_against_its_range():
    result = check([5.5, 7, 9.5], "pH", load_catalogue()["GB18918-2002:1A"])
    assert result.exceeds.tolist() == [True, False, True]


def test_emission_amount_is_concentration_times_flow_over_the_hours():
    assert emission_amount([100, 50], [10000, 20000]) == pytest.approx(2.0)  # mg/m³ × m³/h × 1 h -> kg
    assert emission_amount([20], [100], hours=24, medium="water") == pytest.approx(48.0)  # mg/L × m³ -> kg
    assert np.isnan(emission_amount([np.nan], [10]))
    assert emission_amount([100, np.nan], [10000, 10000]) == pytest.approx(1.0)
