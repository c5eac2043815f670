"""Annex D: hourly from minute values (flue gas ≥ 45 valid minutes), daily from hourly (≥ 20), flags."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from lanqing.monitoring.aggregation import GAS_RULE, WATER_RULE, aggregate, aggregates_compute
from lanqing.monitoring.models import Aggregate, Factor, Measurement, Site
from lanqing.monitoring.transmission import transmission_compute_day, transmission_compute_month

HOUR = datetime(2026, 3, 1, 2, tzinfo=UTC)  # 10:00 Beijing
DAY_START = datetime(2026, 2, 28, 16, tzinfo=UTC)  # 2026-03-01 00:00 Beijing


def _minutes(point, code, flags, *, start=HOUR, step=timedelta(minutes=1), value=10.0):
    factor = Factor.objects.get(code=code)
    Measurement.objects.bulk_create(
        [
            Measurement(
                point=point,
                factor=factor,
                period="min",
                time=start + i * step,
                value=value + i % 2,
                flag=flag,
            )
            for i, flag in enumerate(flags)
        ]
    )


def _hours(point, code, flags, *, start=DAY_START, value=10.0, source="device"):
    factor = Factor.objects.get(code=code)
    Measurement.objects.bulk_create(
        [
            Measurement(
                point=point,
                factor=factor,
                period="hour",
                time=start + timedelta(hours=i),
                value=value,
                flag=flag,
                source=source,
            )
            for i, flag in enumerate(flags)
        ]
    )


def _aggregate(point, period="hour", time=HOUR, code="a21026"):
    return Aggregate.objects.get(point=point, factor__code=code, period=period, time=time)


def test_only_flag_n_counts_and_the_mean_is_over_valid_values():
    result = aggregate([(10.0, "N"), (20.0, "N"), (1000.0, "C")], needed=2, rule=GAS_RULE)
    assert (result.value, result.flag, result.valid, result.total) == (15.0, "N", 2, 3)


def test_one_abnormal_value_makes_a_wastewater_aggregate_abnormal():
    result = aggregate([(10.0, "N"), (20.0, "M")], needed=1, rule=WATER_RULE)
    assert (result.value, result.flag) == (10.0, "M")


@pytest.mark.django_db
def test_a_flue_gas_hour_with_45_valid_minutes_is_valid(cast):
    point = cast.outlet_a.points.get()
    _minutes(point, "a21026", ["N"] * 45 + ["D"] * 15)
    aggregates_compute(begin=HOUR, end=HOUR + timedelta(hours=1))
    hour = _aggregate(point)
    assert (hour.flag, hour.valid_count, hour.total_count) == ("N", 45, 60)


@pytest.mark.django_db
def test_a_flue_gas_hour_with_44_valid_minutes_is_flagged_as_a_fault(cast):
    point = cast.outlet_a.points.get()
    _minutes(point, "a21026", ["N"] * 44 + ["C"] * 16)
    aggregates_compute(begin=HOUR, end=HOUR + timedelta(hours=1))
    hour = _aggregate(point)
    assert (hour.flag, hour.valid_count) == ("D", 44)


@pytest.mark.django_db
def test_ten_minute_data_needs_five_of_six_valid_values_in_an_hour(cast):
    point = cast.outlet_a.points.get()
    _minutes(point, "a21026", ["N"] * 5 + ["M"], step=timedelta(minutes=10))
    _minutes(point, "a21002", ["N"] * 4 + ["M"] * 2, step=timedelta(minutes=10))
    aggregates_compute(begin=HOUR, end=HOUR + timedelta(hours=1))
    assert _aggregate(point).flag == "N"
    assert _aggregate(point, code="a21002").flag == "D"


@pytest.mark.django_db
def test_a_day_needs_20_valid_hours(cast):
    point = cast.outlet_a.points.get()
    _hours(point, "a21026", ["N"] * 20 + ["D"] * 4)
    _hours(point, "a21002", ["N"] * 19 + ["D"] * 5)
    aggregates_compute(begin=DAY_START, end=DAY_START + timedelta(days=1))
    assert _aggregate(point, "day", DAY_START).flag == "N"
    assert _aggregate(point, "day", DAY_START, "a21002").flag == "D"
    # The device's own hourly values stay as sent; our figures are stored apart.
    assert Measurement.objects.filter(point=point, period="hour").count() == 48
    assert not Measurement.objects.filter(source="computed").exists()


@pytest.mark.django_db
def test_a_wastewater_hour_needs_one_valid_value(cast):
    point = _wastewater_point(cast)
    _minutes(point, "w01018", ["N"], step=timedelta(minutes=10))
    aggregates_compute(begin=HOUR, end=HOUR + timedelta(hours=1), points=[point])
    assert _aggregate(point, code="w01018").flag == "N"


@pytest.mark.django_db
def test_recomputing_aggregates_changes_nothing(cast):
    point = cast.outlet_a.points.get()
    _minutes(point, "a21026", ["N"] * 60)
    aggregates_compute(begin=HOUR, end=HOUR + timedelta(hours=1))
    before = list(Aggregate.objects.values_list("id", "value", "flag"))
    aggregates_compute(begin=HOUR, end=HOUR + timedelta(hours=1))
    assert list(Aggregate.objects.values_list("id", "value", "flag")) == before


@pytest.mark.django_db
def test_transmission_and_validity_rates_per_day_and_month(cast):
    point = cast.outlet_a.points.get()
    _hours(point, "a21026", ["N"] * 18 + ["D"] * 2)  # 20 of 24 hours arrived, 18 of them valid
    transmission_compute_day(day=date(2026, 3, 1), now=datetime(2026, 3, 5, tzinfo=UTC))
    transmission_compute_month(month=date(2026, 3, 1), now=datetime(2026, 3, 5, tzinfo=UTC))
    from lanqing.monitoring.models import TransmissionStat

    day = TransmissionStat.objects.get(device__mn="MNOUTA", factor__code="a21026", span="day", start=date(2026, 3, 1))
    assert (day.expected, day.received, day.valid) == (24, 20, 18)
    assert day.transmission_rate == pytest.approx(20 / 24)
    assert day.validity_rate == pytest.approx(18 / 20)
    assert day.transmission_validity_rate == pytest.approx(18 / 24)
    month = TransmissionStat.objects.get(device__mn="MNOUTA", factor__code="a21026", span="month")
    # Every hour of March up to 5 March 08:00 Beijing is due: 4 × 24 + 8 = 104, not only the 24 of 1 March.
    assert (month.start, month.expected, month.received, month.valid) == (date(2026, 3, 1), 104, 20, 18)


@pytest.mark.django_db
def test_a_silent_day_counts_as_zero_transmission(cast):
    point = cast.outlet_a.points.get()
    _hours(point, "a21026", ["N"] * 24)  # 1 March reported
    transmission_compute_day(day=date(2026, 3, 2), now=datetime(2026, 3, 5, tzinfo=UTC))
    from lanqing.monitoring.models import TransmissionStat

    silent = TransmissionStat.objects.get(device__mn="MNOUTA", factor__code="a21026", start=date(2026, 3, 2))
    assert (silent.expected, silent.received, silent.transmission_rate) == (24, 0, 0.0)


@pytest.mark.django_db
def test_the_worker_runs_aggregation_and_transmission_as_periodic_tasks(cast):
    from lanqing.jobs.services import periodic_due

    ran = periodic_due()
    assert {
        "monitoring.aggregate_recent",
        "monitoring.aggregate_days",
        "monitoring.transmission_rates",
        "monitoring.devices_offline",
    } <= set(ran)


def test_a_flow_weighted_mean_weighs_each_value_by_its_flow():
    result = aggregate([(100.0, "N"), (10.0, "N")], needed=1, rule=WATER_RULE, flows=[1.0, 9.0])
    assert result.flow_weighted
    assert result.value == pytest.approx((100 * 1 + 10 * 9) / 10)


def test_without_a_flow_for_every_valid_value_the_mean_is_arithmetic():
    result = aggregate([(100.0, "N"), (10.0, "N")], needed=1, rule=WATER_RULE, flows=[1.0, None])
    assert not result.flow_weighted
    assert result.value == pytest.approx(55.0)
    # An invalid value needs no flow: it is not in the mean.
    result = aggregate([(100.0, "N"), (10.0, "D")], needed=1, rule=WATER_RULE, flows=[2.0, None])
    assert result.flow_weighted
    assert result.value == 100.0


def _wastewater_point(cast):
    site = Site.objects.create(
        kind="outlet",
        code="OUT-W",
        name="甲公司废水排口",
        jurisdiction=cast.yueyang,
        enterprise=cast.enterprise_a,
        outlet_medium="water",
    )
    return site.points.create(code="1", name="1#")


def _series(point, code, values, *, period="min", start=HOUR, step=timedelta(minutes=10)):
    factor = Factor.objects.get(code=code)
    Measurement.objects.bulk_create(
        [
            Measurement(point=point, factor=factor, period=period, time=start + i * step, value=v, flag="N")
            for i, v in enumerate(values)
        ]
    )


@pytest.mark.django_db
def test_wastewater_cod_is_flow_weighted_by_the_outlets_flow_and_ph_is_not(cast):
    point = _wastewater_point(cast)
    _series(point, "w00000", [1.0, 1.0, 1.0, 1.0, 1.0, 5.0])  # L/s: a surge in the last ten minutes
    _series(point, "w01018", [20.0, 20.0, 20.0, 20.0, 20.0, 80.0])  # COD mg/L, high during the surge
    _series(point, "w01001", [7.0, 7.0, 7.0, 7.0, 7.0, 9.0])  # pH
    aggregates_compute(begin=HOUR, end=HOUR + timedelta(hours=1), points=[point])
    cod = _aggregate(point, code="w01018")
    assert cod.flow_weighted
    assert cod.value == pytest.approx((5 * 20 + 5 * 80) / 10)  # 50, not 30
    ph = _aggregate(point, code="w01001")
    assert not ph.flow_weighted
    assert ph.value == pytest.approx(7 + 2 / 6)
    flow = _aggregate(point, code="w00000")
    assert not flow.flow_weighted
    assert flow.value == pytest.approx(10 / 6)


@pytest.mark.django_db
def test_the_daily_wastewater_mean_is_weighted_by_hourly_flow(cast):
    point = _wastewater_point(cast)
    _series(point, "w00000", [1.0, 3.0], period="hour", start=DAY_START, step=timedelta(hours=1))
    _series(point, "w01018", [40.0, 20.0], period="hour", start=DAY_START, step=timedelta(hours=1))
    aggregates_compute(begin=DAY_START, end=DAY_START + timedelta(hours=2), points=[point])
    cod = _aggregate(point, period="day", time=DAY_START, code="w01018")
    assert cod.flow_weighted
    assert cod.value == pytest.approx((40 * 1 + 20 * 3) / 4)


@pytest.mark.django_db
def test_a_wastewater_outlet_without_flow_data_gets_arithmetic_means(cast):
    point = _wastewater_point(cast)
    _series(point, "w01018", [20.0, 80.0])
    aggregates_compute(begin=HOUR, end=HOUR + timedelta(hours=1), points=[point])
    cod = _aggregate(point, code="w01018")
    assert not cod.flow_weighted
    assert cod.value == pytest.approx(50.0)
