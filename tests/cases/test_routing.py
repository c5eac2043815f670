"""Routing by the responsibility matrix: township from the place, units from (category, industry, site kind)."""

import pytest

from lanqing.cases.models import CaseState, ResponsibilityRule
from lanqing.cases.routing import route_for, township_of
from lanqing.cases.transitions import case_open
from lanqing.notifications.models import Notification
from lanqing.org.models import Industry, Jurisdiction
from tests.cases.conftest import TUESDAY


@pytest.fixture
def units(cast):
    from lanqing.org.models import Unit

    names = ["住建", "自然资源", "农业农村", "水利"]
    return {n: Unit.objects.create(name=f"古县{n}局", kind="department", jurisdiction=cast.county) for n in names}


@pytest.mark.parametrize(("rows", "category", "site_kind", "expected"), [
    # (category, industry?, site_kind, lead) rows; the most specific matching row wins
    ([("", False, "", "住建")], "complaint", "", "住建"),
    ([("", False, "", "住建"), ("complaint", False, "", "水利")], "complaint", "", "水利"),
    ([("complaint", False, "", "水利"), ("", True, "", "农业农村")], "complaint", "", "水利"),
    ([("", True, "", "农业农村"), ("", False, "outlet", "自然资源")], "exceedance", "outlet", "农业农村"),
    ([("exceedance", True, "outlet", "自然资源"), ("exceedance", True, "", "住建")], "exceedance", "outlet", "自然资源"),
    ([("exceedance", False, "", "住建")], "complaint", "", None),
    ([("", False, "water", "水利")], "exceedance", "outlet", None),
])
def test_the_most_specific_matrix_row_names_the_lead_unit(cast, units, rows, category, site_kind, expected):
    for row_category, with_industry, row_kind, lead in rows:
        ResponsibilityRule.objects.create(category=row_category, site_kind=row_kind, lead_unit=units[lead],
                                          industry=cast.enterprise_a.industry if with_industry else None)
    route = route_for(category=category, jurisdiction=cast.outlet_a.jurisdiction, enterprise=cast.enterprise_a,
                      site_kind=site_kind)
    assert (route.lead_unit.name if route.lead_unit else None) == (f"古县{expected}局" if expected else None)


def test_a_matrix_row_for_another_industry_does_not_match(cast, units):
    other = Industry.objects.create(code="3011", name="水泥制造")
    ResponsibilityRule.objects.create(industry=other, lead_unit=units["住建"])
    assert route_for(category="exceedance", jurisdiction=cast.yueyang, enterprise=cast.enterprise_a).lead_unit is None


def test_an_inactive_matrix_row_is_ignored(cast, units):
    ResponsibilityRule.objects.create(lead_unit=units["住建"], is_active=False)
    assert not route_for(category="other", jurisdiction=cast.yueyang, enterprise=None).routed


def test_the_township_comes_from_a_village_location(cast):
    village = Jurisdiction.objects.get(code="141025100005")
    assert township_of(village) == cast.yueyang
    assert township_of(cast.yueyang) == cast.yueyang
    assert township_of(cast.county) is None


def test_supporting_units_come_with_the_lead_unit(cast, units):
    row = ResponsibilityRule.objects.create(category="complaint", lead_unit=units["住建"])
    row.support_units.set([units["水利"], units["住建"]])
    route = route_for(category="complaint", jurisdiction=cast.beiping, enterprise=None)
    assert [u.name for u in route.support_units] == ["古县水利局"]  # the lead is not also its own support


def test_an_unroutable_case_waits_in_the_dispatch_queue_and_the_bureau_is_told(cast):
    case = case_open(title="河道倾倒垃圾", category="complaint", source="complaint", jurisdiction=cast.beiping,
                     now=TUESDAY)
    assert case.state == CaseState.DRAFT
    assert case.lead_unit is None
    assert case.township == cast.beiping
    assert Notification.objects.filter(user=cast.users["bureau"], title__contains=case.number).exists()
    assert case.events.get().action == "opened"


def test_an_enterprise_case_names_the_enterprise_as_the_rectifying_party(cast, units):
    ResponsibilityRule.objects.create(lead_unit=units["住建"])
    case = case_open(title="扬尘", category="inspection", source="inspection", enterprise=cast.enterprise_b,
                     now=TUESDAY)
    assert case.enterprise == cast.enterprise_b
    assert case.township == cast.beiping
    assert case.state == CaseState.DISPATCHED
    assert case.lead_unit == units["住建"]
