"""Each stored hourly (flue gas) and daily (wastewater) value is judged once, with its own data time; alerts
and the count of exceedance hours come from that judgement."""

from datetime import timedelta

import pytest

from lanqing.alerts.exceedances import exceedances_count, values_judge
from lanqing.alerts.models import Alert, AlertRule, AlertStatus, Exceedance
from lanqing.alerts.services import alerts_evaluate
from lanqing.monitoring.models import NewValue
from tests.alerts.conftest import TUESDAY

H = timedelta(hours=1)


@pytest.fixture
def outlet(cast):
    cast.outlet_a.limit_set = "GB13223-2011:coal"  # SO2 100 mg/m³ at 6 % O2
    cast.outlet_a.save()
    AlertRule.objects.create(name="exceedance", kind="exceedance", severity="high")
    return cast.outlet_a


@pytest.fixture
def so2(hourly, outlet):
    """so2([(time, SO2 mg/m³, O2 %), ...]): one packet's worth per hour."""

    def write(rows):
        hourly(outlet, "a21026", [(t, value, "N") for t, value, _o2 in rows])
        hourly(outlet, "a19001", [(t, o2, "N") for t, _value, o2 in rows])

    return write


def _recorded():
    return list(Exceedance.objects.order_by("time").values_list("time", "value"))


def test_each_hour_is_judged_with_the_oxygen_of_that_same_hour(so2):
    # 80 mg/m³ at 12 % O2 is 133 at the reference 6 %, above 100; at 6 % O2 it stays 80.
    so2([(TUESDAY, 80.0, 12.0), (TUESDAY + H, 80.0, 6.0)])
    values_judge(now=TUESDAY + 2 * H)
    assert _recorded() == [(TUESDAY, pytest.approx(133.33, abs=0.01))]
    assert not NewValue.objects.exists()


def test_a_value_is_judged_only_once_its_data_time_has_come(so2):
    so2([(TUESDAY + H, 400.0, 6.0)])
    values_judge(now=TUESDAY)
    assert not Exceedance.objects.exists()
    assert NewValue.objects.exists()
    values_judge(now=TUESDAY + H)
    assert _recorded() == [(TUESDAY + H, 400.0)]


def test_late_hours_under_a_newer_normal_hour_are_all_recorded_and_open_the_alert_with_their_data_time(so2):
    so2([(TUESDAY, 20.0, 6.0)])
    alerts_evaluate(now=TUESDAY + H)
    so2([(TUESDAY - k * H, 300.0 + k, 6.0) for k in (1, 2, 3)])
    alerts_evaluate(new_only=True, now=TUESDAY + H + timedelta(minutes=1))
    assert [value for _t, value in _recorded()] == [303.0, 302.0, 301.0]
    alert = Alert.objects.get()
    # The newest of the late hours, with its own data time (an hour before Tuesday 09:00).
    assert alert.status == AlertStatus.ACTIVE
    assert alert.last_value == 301.0
    assert "06-10 08:00" in alert.message
    # The next pass that looks at the outlet sees its newest hour within the limit: the alert clears.
    alerts_evaluate(now=TUESDAY + H + timedelta(minutes=5))
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLEARED


def test_a_late_normal_hour_does_not_clear_an_alert_whose_newest_hour_still_exceeds(so2):
    so2([(TUESDAY, 400.0, 6.0)])
    alerts_evaluate(now=TUESDAY + H)
    so2([(TUESDAY - 2 * H, 20.0, 6.0)])
    alerts_evaluate(new_only=True, now=TUESDAY + H + timedelta(minutes=1))
    alerts_evaluate(now=TUESDAY + H + timedelta(minutes=5))
    assert Alert.objects.get().status == AlertStatus.ACTIVE


def test_the_same_value_stored_again_is_not_recorded_twice(so2, outlet):
    so2([(TUESDAY, 400.0, 6.0)])
    alerts_evaluate(new_only=True, now=TUESDAY + H)
    # measurements_upsert leaves equal rows alone; a resend through the receiver queues them again.
    NewValue.objects.create(point=outlet.points.get(), period="hour", time=TUESDAY)
    alerts_evaluate(new_only=True, now=TUESDAY + H + timedelta(minutes=1))
    record = Exceedance.objects.get()
    assert record.judged_at == TUESDAY + H  # the first judgement's record, not a second one
    assert Alert.objects.filter(status=AlertStatus.ACTIVE).count() == 1


def test_a_value_corrected_to_within_the_limit_loses_its_record(so2):
    so2([(TUESDAY, 400.0, 6.0)])
    values_judge(now=TUESDAY + H)
    so2([(TUESDAY, 40.0, 6.0)])
    values_judge(now=TUESDAY + 2 * H)
    assert not Exceedance.objects.exists()


def test_invalid_flags_and_missing_oxygen_are_no_basis(so2, hourly, outlet):
    hourly(outlet, "a21026", [(TUESDAY, 400.0, "D")])
    hourly(outlet, "a19001", [(TUESDAY, 6.0, "N")])
    hourly(outlet, "a21026", [(TUESDAY + H, 400.0, "N")])  # no O2 for this hour
    values_judge(now=TUESDAY + 2 * H)
    assert not Exceedance.objects.exists()


def test_a_wastewater_outlets_daily_value_is_judged(cast, hourly):
    cast.outlet_b.outlet_medium = "water"
    cast.outlet_b.limit_set = "GB8978-1996:class1:other"
    cast.outlet_b.save()
    hourly(cast.outlet_b, "w01018", [(TUESDAY, 500.0, "N")], period="day")
    hourly(cast.outlet_b, "w01018", [(TUESDAY, 500.0, "N")])  # an hourly water value is not judged
    values_judge(now=TUESDAY + 24 * H)
    assert list(Exceedance.objects.values_list("period", "time")) == [("day", TUESDAY)]


def test_exceedance_hours_are_counted_from_the_records(so2, outlet):
    so2([(TUESDAY + k * H, value, 6.0) for k, value in enumerate([150.0, 20.0, 180.0, 400.0])])
    values_judge(now=TUESDAY + 5 * H)
    point = outlet.points.get()
    counts = exceedances_count(point_ids={point.id}, begin=TUESDAY, end=TUESDAY + 3 * H)
    assert list(counts.values()) == [2]
