"""Rules as data: exceedance after O2 conversion, offline and gaps, anomalies, AQI, water class; the alert
life cycle (dedupe, worst value, auto-clear, acknowledge) and cases opened from alerts."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from lanqing.alerts.models import Alert, AlertRule, AlertStatus
from lanqing.alerts.services import AlertError, alert_acknowledge, alert_open_case, alerts_evaluate
from lanqing.cases.models import Case, CaseState, ResponsibilityRule
from lanqing.cases.transitions import CaseError, case_accept, case_close, case_submit
from lanqing.monitoring.models import Device, Point, Site
from tests.alerts.conftest import TUESDAY

H = timedelta(hours=1)


@pytest.fixture
def outlet(cast):
    cast.outlet_a.limit_set = "GB13223-2011:coal"  # SO2 100 mg/m³ at 6 % O2
    cast.outlet_a.save()
    return cast.outlet_a


def _rule(kind, **extra):
    return AlertRule.objects.create(name=kind, kind=kind, severity=extra.pop("severity", "high"), **extra)


def test_an_hourly_value_above_the_limit_after_oxygen_conversion_raises_an_alert(outlet, hourly):
    _rule("exceedance")
    t = TUESDAY - H
    # 80 mg/m³ measured at 12 % O2 is 80 × 15 / 9 = 133 mg/m³ at the reference 6 %: above 100.
    hourly(outlet, "a21026", [(t, 80.0, "N")])
    hourly(outlet, "a19001", [(t, 12.0, "N")])
    alerts_evaluate(now=TUESDAY)
    alert = Alert.objects.get()
    assert alert.status == AlertStatus.ACTIVE
    assert alert.limit_value == 100
    assert alert.last_value == pytest.approx(133.33, abs=0.01)


def test_the_same_value_at_reference_oxygen_is_within_the_limit(outlet, hourly):
    _rule("exceedance")
    hourly(outlet, "a21026", [(TUESDAY - H, 80.0, "N")])
    hourly(outlet, "a19001", [(TUESDAY - H, 6.0, "N")])
    alerts_evaluate(now=TUESDAY)
    assert not Alert.objects.exists()


def test_data_marked_invalid_are_no_basis_for_an_exceedance(outlet, hourly):
    _rule("exceedance")
    hourly(outlet, "a21026", [(TUESDAY - H, 500.0, "D")])
    hourly(outlet, "a19001", [(TUESDAY - H, 6.0, "N")])
    alerts_evaluate(now=TUESDAY)
    assert not Alert.objects.exists()


def test_a_repeat_updates_the_one_active_alert_and_it_clears_when_the_cause_ends(outlet, hourly):
    _rule("exceedance")
    for hour, value in enumerate([150.0, 300.0]):
        t = TUESDAY + hour * H
        hourly(outlet, "a21026", [(t, value, "N")])
        hourly(outlet, "a19001", [(t, 6.0, "N")])
        alerts_evaluate(now=t + H)
    alert = Alert.objects.get()
    assert (alert.count, alert.worst_value, alert.last_value) == (2, 300.0, 300.0)
    alerts_evaluate(now=TUESDAY + 2 * H)  # the same moment again changes nothing
    assert Alert.objects.get().count == 2
    t = TUESDAY + 2 * H
    hourly(outlet, "a21026", [(t, 40.0, "N")])
    hourly(outlet, "a19001", [(t, 6.0, "N")])
    alerts_evaluate(now=t + H)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLEARED
    assert alert.cleared_at == t + H
    # It comes back as a new alert, not as the old one.
    hourly(outlet, "a21026", [(t + H, 400.0, "N")])
    hourly(outlet, "a19001", [(t + H, 6.0, "N")])
    alerts_evaluate(now=t + 2 * H)
    assert Alert.objects.filter(status=AlertStatus.ACTIVE).count() == 1
    assert Alert.objects.count() == 2


def test_evaluating_since_new_data_does_not_clear_alerts_of_points_it_did_not_look_at(cast, outlet, hourly):
    _rule("non_positive")
    hourly(cast.air_station, "a34004", [(TUESDAY - H, 0.0, "N")])
    alerts_evaluate(now=TUESDAY)
    hourly(outlet, "a34013", [(TUESDAY, 5.0, "N")])
    alerts_evaluate(new_only=True, now=TUESDAY + H)
    assert Alert.objects.get().status == AlertStatus.ACTIVE


def test_a_silent_device_is_offline_and_clears_when_it_talks_again(cast):
    _rule("device_offline", params={"minutes": 30})
    Device.objects.update(last_seen_at=TUESDAY - timedelta(minutes=10))
    Device.objects.filter(point__site=cast.outlet_b).update(last_seen_at=TUESDAY - timedelta(hours=2))
    alerts_evaluate(now=TUESDAY)
    alert = Alert.objects.get()
    assert alert.site == cast.outlet_b
    assert alert.device is not None
    Device.objects.update(last_seen_at=TUESDAY)
    alerts_evaluate(now=TUESDAY + timedelta(minutes=5))
    assert Alert.objects.get().status == AlertStatus.CLEARED


def test_a_device_that_talks_but_stopped_sending_one_factor_has_a_gap(cast, hourly):
    _rule("factor_gap", params={"hours": 2, "lookback_hours": 24})
    Device.objects.update(last_seen_at=TUESDAY)
    hourly(cast.outlet_a, "a21026", [(TUESDAY - k * H, 50.0, "N") for k in range(1, 4)])
    hourly(cast.outlet_a, "a21002", [(TUESDAY - k * H, 50.0, "N") for k in range(5, 8)])
    alerts_evaluate(now=TUESDAY)
    alert = Alert.objects.get()
    assert alert.device.point.site == cast.outlet_a
    assert "NOx" in alert.display_message
    assert "SO2" not in alert.display_message


@pytest.mark.parametrize(("kind", "params", "values", "expected"), [
    ("constant", {"hours": 4}, [12.0, 12.0, 12.0, 12.0], True),
    ("constant", {"hours": 4}, [12.0, 12.0, 12.1, 12.0], False),
    ("non_positive", {}, [10.0, -1.0], True),
    ("non_positive", {}, [0.5], False),
    ("jump", {"ratio": 5, "min_delta": 10}, [10.0, 80.0], True),
    ("jump", {"ratio": 5, "min_delta": 10}, [10.0, 30.0], False),
])
def test_data_anomalies(cast, hourly, kind, params, values, expected):
    _rule(kind, params=params)
    rows = [(TUESDAY - (len(values) - i) * H, v, "N") for i, v in enumerate(values)]
    hourly(cast.outlet_a, "a21026", rows)
    alerts_evaluate(now=TUESDAY)
    assert Alert.objects.exists() is expected


def test_fault_flags_lasting_n_hours_raise_an_alert_but_a_short_fault_does_not(cast, hourly):
    _rule("flag", params={"hours": 3, "flags": ["D", "C"]})
    hourly(cast.outlet_a, "a21026", [(TUESDAY - 3 * H, 1.0, "D"), (TUESDAY - 2 * H, 1.0, "C"),
                                     (TUESDAY - H, 1.0, "D")])
    hourly(cast.outlet_b, "a21026", [(TUESDAY - 3 * H, 1.0, "N"), (TUESDAY - 2 * H, 1.0, "D"),
                                     (TUESDAY - H, 1.0, "D")])
    alerts_evaluate(now=TUESDAY)
    assert [a.site for a in Alert.objects.all()] == [cast.outlet_a]


def test_an_hourly_aqi_above_the_level_raises_an_alert(cast, hourly):
    _rule("aqi", params={"level": 150})
    t = TUESDAY - H
    for code, value in {"a21026": 10, "a21004": 30, "a21005": 0.8, "a05024": 60, "a34002": 120,
                        "a34004": 160}.items():
        hourly(cast.air_station, code, [(t, float(value), "N")])
    alerts_evaluate(now=TUESDAY)
    alert = Alert.objects.get()
    assert alert.last_value == 210  # PM2.5 160 µg/m³ on the 24-h row: IAQI 210


def test_a_water_section_worse_than_its_target_class_raises_an_alert(cast, hourly):
    _rule("water_class")
    section = Site.objects.create(kind="water", code="W-1", name="涧河断面", jurisdiction=cast.yueyang,
                                  target_class=3)
    Point.objects.create(site=section, code="1", name="1#")
    # The alert judges the latest complete day (yesterday, 9 June), as the site page shows it.
    hourly(section, "w21003", [(TUESDAY - 10 * H, 1.8, "N")])  # NH3-N 1.8 mg/L: class Ⅴ
    hourly(section, "w01018", [(TUESDAY - 10 * H, 15.0, "N")])
    alerts_evaluate(now=TUESDAY)
    alert = Alert.objects.get()
    assert alert.last_value == 5.0
    assert "Ⅴ" in alert.message


def _section_day(cast, hourly, nh3n_first_half, nh3n_second_half):
    """Section W-2 (target Ⅱ) with 9 June 2025 (local) fully measured; the last value is the second half's."""
    section = Site.objects.create(kind="water", code="W-2", name="涧河断面", jurisdiction=cast.yueyang,
                                  target_class=2)
    Point.objects.create(site=section, code="1", name="1#")
    day_start = TUESDAY - 33 * H  # 9 June 00:00 Beijing
    hours = [day_start + h * H for h in range(24)]
    hourly(section, "w21003", [(t, nh3n_first_half if h < 12 else nh3n_second_half, "N")
                               for h, t in enumerate(hours)])
    for code, value in (("w01018", 12.0), ("w01009", 8.0), ("w01001", 7.5)):  # COD, DO, pH: class Ⅰ
        hourly(section, code, [(t, value, "N") for t in hours])
    return section


def _water_rows(client_for, cast, section):
    page = client_for(cast.users["bureau"]).get(reverse("monitoring:site", args=[section.id])).content.decode()
    return [row.split("</tr>", 1)[0] for row in page.split('<tr data-testid="water-row">')[1:]]


def test_a_section_whose_day_mean_meets_its_target_raises_no_alert_even_if_its_last_hour_does_not(
        cast, hourly, client_for):
    _rule("water_class", creates_case=True)
    # NH3-N 0.3 mg/L for 12 hours, then 0.6: the day's mean 0.45 is class Ⅱ (GB 3838 Table 1: Ⅱ ≤ 0.5 < Ⅲ),
    # though the last hour alone, 0.6, would be class Ⅲ.
    section = _section_day(cast, hourly, 0.3, 0.6)
    alerts_evaluate(now=TUESDAY)
    assert not Alert.objects.exists()
    assert not Case.objects.exists()
    [row] = _water_rows(client_for, cast, section)
    assert "2025-06-09" in row
    assert ">Ⅱ</span>" in row
    assert "是" in row


def test_a_section_whose_day_mean_misses_its_target_gets_a_case_stating_the_class_the_page_shows(
        cast, hourly, client_for):
    _rule("water_class", creates_case=True)
    # NH3-N 0.5 for 12 hours, then 0.7: the day's mean 0.6 is class Ⅲ (0.5 < 0.6 ≤ 1.0), worse than Ⅱ.
    section = _section_day(cast, hourly, 0.5, 0.7)
    # Today's first hours (class Ⅴ so far) are not a complete day: the alert does not judge them.
    hourly(section, "w21003", [(TUESDAY - 2 * H, 1.8, "N")])
    alerts_evaluate(now=TUESDAY)
    alert = Alert.objects.get()
    assert (alert.last_value, alert.limit_value) == (3.0, 2.0)
    with translation.override("en"):
        assert alert.display_message == ("涧河断面 was class Ⅲ on 2025-06-09 (daily mean), worse than its target "
                                         "class Ⅱ: NH3-N 0.6 mg/L")
        assert Case.objects.get().display_title == alert.display_message
    with translation.override("zh-hans"):
        assert alert.display_message == "涧河断面 2025-06-09（日均值）水质为Ⅲ类，未达到目标Ⅱ类：NH3-N 0.6 mg/L"
    today, yesterday = _water_rows(client_for, cast, section)
    assert "2025-06-10" in today
    assert ">劣Ⅴ</span>" not in today
    assert ">Ⅴ</span>" in today
    assert "2025-06-09" in yesterday
    assert ">Ⅲ</span>" in yesterday
    assert "否" in yesterday
    assert "NH3-N" in yesterday
    alerts_evaluate(now=TUESDAY + 24 * H)  # 10 June (Ⅴ) is now the latest complete day: the alert follows
    with translation.override("en"):
        assert Alert.objects.get().display_message.startswith("涧河断面 was class Ⅴ on 2025-06-10 (daily mean)")


def test_a_rule_that_opens_cases_routes_the_exceedance_and_the_case_closes_only_after_the_alert_clears(
        cast, outlet, hourly):
    ResponsibilityRule.objects.create(category="exceedance", lead_unit=cast.department)
    _rule("exceedance", creates_case=True)
    hourly(outlet, "a21026", [(TUESDAY - H, 250.0, "N")])
    hourly(outlet, "a19001", [(TUESDAY - H, 6.0, "N")])
    alerts_evaluate(now=TUESDAY)
    case = Case.objects.get()
    assert case.alert == Alert.objects.get()
    assert case.state == CaseState.DISPATCHED
    assert case.lead_unit == cast.department
    assert case.enterprise == cast.enterprise_a
    alerts_evaluate(now=TUESDAY + timedelta(minutes=5))
    assert Case.objects.count() == 1  # a repeat does not open a second case
    users = cast.users
    case_accept(case=case, by=users["department"], now=TUESDAY)
    hourly(outlet, "a21026", [(TUESDAY, 30.0, "N")])
    hourly(outlet, "a19001", [(TUESDAY, 6.0, "N")])
    case_submit(case=case, by=users["enterprise_a"], text="更换催化剂", now=TUESDAY + H)
    assert case.events.get(action="submitted").data["data_after_fix"] == [
        {"time": "2025-06-10T01:00:00+00:00", "value": 30.0, "flag": "N"}]  # stored in UTC
    with pytest.raises(CaseError, match="still active"):
        case_close(case=case, by=users["bureau"], now=TUESDAY + H)
    alerts_evaluate(now=TUESDAY + 2 * H)
    case.refresh_from_db()
    assert case.events.filter(action="alert_cleared").exists()
    case_close(case=case, by=users["bureau"], now=TUESDAY + 3 * H)


def test_acknowledging_records_who_and_when_once(cast, hourly):
    _rule("non_positive")
    hourly(cast.outlet_a, "a21026", [(TUESDAY - H, -2.0, "N")])
    alerts_evaluate(now=TUESDAY)
    alert = Alert.objects.get()
    with pytest.raises(AlertError):
        alert_acknowledge(alert=alert, by=cast.users["enterprise_b"], now=TUESDAY)
    with pytest.raises(AlertError):
        alert_acknowledge(alert=alert, by=cast.users["leader"], now=TUESDAY)
    alert_acknowledge(alert=alert, by=cast.users["enterprise_a"], now=TUESDAY)
    alert.refresh_from_db()
    assert alert.acknowledged_by == cast.users["enterprise_a"]
    assert alert.acknowledged_at == TUESDAY
    with pytest.raises(AlertError, match="already"):
        alert_acknowledge(alert=alert, by=cast.users["bureau"], now=TUESDAY)


def test_the_bureau_opens_a_case_from_an_alert_by_hand_once(cast, hourly):
    _rule("non_positive")
    hourly(cast.outlet_b, "a21026", [(TUESDAY - H, -2.0, "N")])
    alerts_evaluate(now=TUESDAY)
    alert = Alert.objects.get()
    with pytest.raises(AlertError):
        alert_open_case(alert=alert, by=cast.users["township_b"], now=TUESDAY)
    case = alert_open_case(alert=alert, by=cast.users["bureau"], now=TUESDAY)
    assert case.state == CaseState.DRAFT  # no matrix row: dispatch queue
    assert case.township == cast.beiping
    with pytest.raises(AlertError):
        alert_open_case(alert=alert, by=cast.users["bureau"], now=TUESDAY)


def test_thresholds_are_validated_as_data(db):
    from django.core.exceptions import ValidationError

    rule = AlertRule(name="x", kind="constant", params={"hours": -1})
    with pytest.raises(ValidationError):
        rule.full_clean()
    with pytest.raises(ValidationError):
        AlertRule(name="x", kind="constant", params={"minutes": 3}).full_clean()


def test_a_lab_result_of_zero_is_no_suspicious_data_but_a_monitors_zero_is(cast, outlet):
    """The anomaly checks judge automatic monitors; a lab sample below its detection limit is reported as 0."""
    from lanqing.monitoring.measurements import MeasurementRow, measurements_upsert
    from lanqing.monitoring.models import Factor, Source

    _rule("non_positive")
    _rule("jump", params={"ratio": 3, "min_delta": 10})
    point = outlet.points.get()
    so2 = Factor.objects.get(code="a21026")
    measurements_upsert([MeasurementRow(point.id, so2.id, "hour", TUESDAY - 2 * H, 50.0),
                         MeasurementRow(point.id, so2.id, "hour", TUESDAY - H, 0.0, source=Source.MANUAL)])
    alerts_evaluate(now=TUESDAY)
    assert not Alert.objects.exists()
    measurements_upsert([MeasurementRow(point.id, so2.id, "hour", TUESDAY, 0.0)])
    alerts_evaluate(now=TUESDAY + H)
    # The monitor's own hours (50, then 0 two hours later) are no jump; its zero is suspicious.
    assert list(Alert.objects.values_list("rule__kind", flat=True)) == ["non_positive"]
