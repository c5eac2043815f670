"""The winter API: warnings with the notices the caller sees, an enterprise's compliance (its own only), and
a list's entries within the caller's scope."""

from __future__ import annotations

import pytest

from tests.winter.conftest import NOW

EXPECTED_A = (1 - (12 * 55 + 12 * 70) / (20 * (100 + 153 / 13) + 4 * (100 + 143 / 12))) * 100


def _get(client, path):
    return client.get(f"/api/v1/winter{path}")


@pytest.fixture
def ended(episode):
    assert episode.ends_at < NOW  # the warning ended on 21 November 2026 08:00: its figures are complete
    return episode


def test_an_enterprise_reads_its_own_compliance_and_not_another_ones(cast, ended, client_for):
    client = client_for(cast.users["enterprise_a"])
    own = _get(client, f"/warnings/{ended.id}/compliance/{cast.enterprise_a.id}")
    assert own.status_code == 200
    (entry,) = own.json()["entries"]
    assert (entry["required"], entry["missing_hours"], len(entry["hours"])) == (50.0, 0, 24)
    assert entry["achieved"] == pytest.approx(EXPECTED_A)
    other = _get(client, f"/warnings/{ended.id}/compliance/{cast.enterprise_b.id}")
    assert other.status_code == 404


def test_a_township_reads_its_own_enterprises_compliance_with_the_gap(cast, ended, client_for):
    client = client_for(cast.users["township_b"])
    (entry,) = _get(client, f"/warnings/{ended.id}/compliance/{cast.enterprise_b.id}").json()["entries"]
    assert (entry["missing_hours"], entry["achieved"]) == (24, None)
    assert _get(client, f"/warnings/{ended.id}/compliance/{cast.enterprise_a.id}").status_code == 404


def test_a_warning_lists_the_notices_its_reader_sees(cast, ended, client_for):
    bureau = _get(client_for(cast.users["bureau"]), f"/warnings/{ended.id}").json()
    assert bureau["level"] == "orange"
    assert {n["enterprise"] for n in bureau["notices"]} == {"甲焦化有限公司", "乙焦化有限公司"}
    township = _get(client_for(cast.users["township_a"]), f"/warnings/{ended.id}").json()
    assert [n["enterprise"] for n in township["notices"]] == ["甲焦化有限公司"]
    listed = _get(client_for(cast.users["township_a"]), "/warnings").json()
    assert [w["level"] for w in listed["items"]] == ["orange", "yellow"]


def test_list_entries_are_scoped_like_the_enterprises(cast, ended, client_for):
    list_id = ended.reduction_list_id
    everything = _get(client_for(cast.users["bureau"]), f"/lists/{list_id}/entries").json()
    assert everything["count"] == 3
    own = _get(client_for(cast.users["township_b"]), f"/lists/{list_id}/entries").json()
    assert [(e["enterprise"], e["level"], e["allowed_share"]) for e in own["items"]] == [("乙焦化有限公司", "orange", "0.0")]
    assert _get(client_for(cast.users["enterprise_a"]), f"/lists/{list_id}/entries").status_code == 404
