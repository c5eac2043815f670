"""One case per problem: a new alert about a site and category that already has a case not yet closed joins
that case's timeline; a device's factor gaps are one alert listing the silent factors."""

from datetime import timedelta

import pytest

from lanqing.alerts.models import Alert, AlertRule, AlertStatus
from lanqing.alerts.services import alert_open_case, alerts_evaluate
from lanqing.cases.models import Case, CaseState, ResponsibilityRule
from lanqing.cases.transitions import CaseError, case_accept, case_close, case_submit
from lanqing.monitoring.models import Device
from tests.alerts.conftest import TUESDAY

H = timedelta(hours=1)


@pytest.fixture
def outlets(cast):
    for site in (cast.outlet_a, cast.outlet_b):
        site.limit_set = "GB13223-2011:coal"  # SO2 100, NOx 100, PM 30 mg/m³ at 6 % O2
        site.save()
    ResponsibilityRule.objects.create(category="exceedance", lead_unit=cast.department)
    AlertRule.objects.create(name="exceedance", kind="exceedance", severity="high", creates_case=True)
    return cast


def _hour(hourly, site, t, **values):
    hourly(site, "a19001", [(t, 6.0, "N")])
    for code, value in values.items():
        hourly(site, code, [(t, value, "N")])


def test_a_second_exceedance_at_an_outlet_with_an_open_case_joins_that_case_instead_of_opening_another(
        outlets, hourly):
    cast = outlets
    _hour(hourly, cast.outlet_a, TUESDAY - H, a21026=250.0, a21002=50.0)
    alerts_evaluate(now=TUESDAY)
    case = Case.objects.get()
    _hour(hourly, cast.outlet_a, TUESDAY, a21026=260.0, a21002=300.0)
    count = alerts_evaluate(now=TUESDAY + H)
    assert (count.opened, count.cases) == (1, 0)
    assert Case.objects.count() == 1
    nox = Alert.objects.get(factor__code="a21002")
    assert set(case.alerts.all()) == set(Alert.objects.all())
    joined = case.events.get(action="alert_joined")
    assert joined.data == {"alert_id": nox.id}
    assert "NOx" in joined.display_note
    assert joined.at == TUESDAY + H


def test_an_exceedance_at_another_outlet_opens_its_own_case(outlets, hourly):
    cast = outlets
    _hour(hourly, cast.outlet_a, TUESDAY - H, a21026=250.0)
    _hour(hourly, cast.outlet_b, TUESDAY - H, a21026=250.0)
    alerts_evaluate(now=TUESDAY)
    assert sorted(Case.objects.values_list("site__code", flat=True)) == ["OUT-A", "OUT-B"]


def test_a_case_cannot_be_closed_while_an_alert_that_joined_it_is_active(outlets, hourly):
    cast = outlets
    users = cast.users
    _hour(hourly, cast.outlet_a, TUESDAY - H, a21026=250.0, a21002=50.0)
    alerts_evaluate(now=TUESDAY)
    _hour(hourly, cast.outlet_a, TUESDAY, a21026=250.0, a21002=300.0)
    alerts_evaluate(now=TUESDAY + H)
    case = Case.objects.get()
    case_accept(case=case, by=users["department"], now=TUESDAY + H)
    # SO2 is fixed; NOx is not.
    _hour(hourly, cast.outlet_a, TUESDAY + H, a21026=30.0, a21002=300.0)
    alerts_evaluate(now=TUESDAY + 2 * H)
    assert Alert.objects.get(factor__code="a21026").status == AlertStatus.CLEARED
    case_submit(case=case, by=users["enterprise_a"], text="更换催化剂", now=TUESDAY + 2 * H)
    with pytest.raises(CaseError, match="still active"):
        case_close(case=case, by=users["bureau"], now=TUESDAY + 2 * H)
    _hour(hourly, cast.outlet_a, TUESDAY + 2 * H, a21026=30.0, a21002=40.0)
    alerts_evaluate(now=TUESDAY + 3 * H)
    case.refresh_from_db()
    assert case.events.filter(action="alert_cleared").count() == 2
    case_close(case=case, by=users["bureau"], now=TUESDAY + 3 * H)


def test_after_the_case_is_closed_the_problem_coming_back_opens_a_new_case(outlets, hourly):
    cast = outlets
    users = cast.users
    _hour(hourly, cast.outlet_a, TUESDAY - H, a21026=250.0)
    alerts_evaluate(now=TUESDAY)
    case = Case.objects.get()
    case_accept(case=case, by=users["department"], now=TUESDAY)
    _hour(hourly, cast.outlet_a, TUESDAY, a21026=30.0)
    alerts_evaluate(now=TUESDAY + H)
    case_submit(case=case, by=users["enterprise_a"], text="检修", now=TUESDAY + H)
    case_close(case=case, by=users["bureau"], now=TUESDAY + H)
    _hour(hourly, cast.outlet_a, TUESDAY + H, a21026=260.0)
    alerts_evaluate(now=TUESDAY + 2 * H)
    assert Case.objects.count() == 2
    assert Case.objects.exclude(id=case.id).get().state == CaseState.DISPATCHED


def test_the_bureau_opening_a_case_by_hand_for_an_alert_whose_site_has_an_open_case_gets_that_case(
        outlets, hourly):
    cast = outlets
    AlertRule.objects.create(name="non_positive", kind="non_positive", severity="low")
    ResponsibilityRule.objects.create(category="data_anomaly", lead_unit=cast.department)
    hourly(cast.outlet_a, "a21026", [(TUESDAY - 2 * H, -1.0, "N")])
    alerts_evaluate(now=TUESDAY - H)
    first = alert_open_case(alert=Alert.objects.get(), by=cast.users["bureau"], now=TUESDAY - H)
    hourly(cast.outlet_a, "a21002", [(TUESDAY - H, -2.0, "N")])
    alerts_evaluate(now=TUESDAY)
    second = Alert.objects.get(factor__code="a21002")
    assert alert_open_case(alert=second, by=cast.users["bureau"], now=TUESDAY) == first
    assert Case.objects.count() == 1
    assert first.alerts.count() == 2


def test_a_device_missing_several_factors_has_one_gap_alert_that_lists_them_and_follows_the_list(
        cast, hourly):
    AlertRule.objects.create(name="gap", kind="factor_gap", params={"hours": 2, "lookback_hours": 24})
    device = Device.objects.get(point__site=cast.outlet_a)
    Device.objects.update(last_seen_at=TUESDAY)
    for code in ("a21026", "a21002", "a34013"):
        hourly(cast.outlet_a, code, [(TUESDAY - k * H, 50.0, "N") for k in range(6, 9)])
    hourly(cast.outlet_a, "a21026", [(TUESDAY - k * H, 50.0, "N") for k in range(1, 6)])
    alerts_evaluate(now=TUESDAY)
    alert = Alert.objects.get()
    assert alert.source_key == f"device:{device.id}"
    assert alert.device == device
    assert alert.factor is None
    assert "NOx" in alert.display_message
    assert "Particulate matter" in alert.display_message
    assert "SO2" not in alert.display_message
    assert alert.last_value == 2
    # Particulate matter comes back: the same alert now lists NOx alone.
    Device.objects.update(last_seen_at=TUESDAY + H)
    hourly(cast.outlet_a, "a34013", [(TUESDAY, 5.0, "N")])
    hourly(cast.outlet_a, "a21026", [(TUESDAY, 50.0, "N")])
    alerts_evaluate(now=TUESDAY + H)
    alert = Alert.objects.get()
    assert alert.status == AlertStatus.ACTIVE
    assert "NOx" in alert.display_message
    assert "Particulate" not in alert.display_message
    hourly(cast.outlet_a, "a21002", [(TUESDAY + H, 5.0, "N")])
    Device.objects.update(last_seen_at=TUESDAY + 2 * H)
    alerts_evaluate(now=TUESDAY + 2 * H)
    assert Alert.objects.get().status == AlertStatus.CLEARED


def test_a_device_that_went_silent_after_its_last_hour_is_not_reported_as_missing_its_factors(cast, hourly):
    AlertRule.objects.create(name="gap", kind="factor_gap", params={"hours": 2, "lookback_hours": 24})
    # The hour before last arrived when it ended; since then the device has been silent (the offline rule's
    # business), and its values are late by less than the two hours the rule allows.
    Device.objects.update(last_seen_at=TUESDAY - H)
    for code in ("a21026", "a21002"):
        hourly(cast.outlet_a, code, [(TUESDAY - k * H, 50.0, "N") for k in range(2, 6)])
    alerts_evaluate(now=TUESDAY + H / 2)
    assert not Alert.objects.exists()
