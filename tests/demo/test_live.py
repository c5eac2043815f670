"""The demo left running: the live simulator continues the stored history, and a simulated day of it opens
no second case for a problem that already has one."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from lanqing.alerts.models import Alert, AlertStatus
from lanqing.alerts.services import alerts_evaluate
from lanqing.cases.clock import cases_deadlines_check
from lanqing.cases.models import Case, CaseState
from lanqing.demo import demo_load
from lanqing.hj212 import Framer
from lanqing.monitoring.ingest.batch import ingest_batch
from lanqing.monitoring.ingest.decide import Received
from lanqing.monitoring.ingest.devices import DeviceCache
from lanqing.monitoring.models import Device, Measurement
from lanqing.simulator.cli import demo_devices
from tests.demo.test_load import measurement_rows

END = datetime(2026, 1, 10, 0, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.fixture
def demo(db):
    demo_load(days=3, end=END)
    return demo_devices()


def send_hour(devices, start: datetime) -> int:
    """Each device's hourly packets for the hour starting at `start` (UTC), received at the hour's end
    through the receiver's ingest, as the live simulator sends them; returns the devices that sent."""
    frames, sent = [], 0
    for device in devices:
        local = device.clock(start)
        if device.silent(local):
            continue
        frames += device.hourly(local)
        sent += 1
    items = [item for frame in frames for item in Framer().feed(frame)]
    outcomes = ingest_batch([Received(item, "127.0.0.1:1", start + H) for item in items], cache=DeviceCache())
    assert all(outcome.accepted for outcome in outcomes), [o.reason for o in outcomes if not o.accepted]
    return sent


def test_every_demo_device_sends_the_factors_and_values_its_history_has(demo):
    hour = END - 5 * H
    before = measurement_rows(time=hour)
    assert send_hour(demo, hour) >= 20
    assert measurement_rows(time=hour) == before


def test_a_demo_device_is_silent_in_the_hours_its_history_has_it_offline(demo):
    silent = [(device, END - k * H) for device in demo for k in range(1, 72)
              if device.silent(device.clock(END - k * H))]
    assert silent, "the generator has offline spells in three days of 25 devices"
    for device, hour in silent:
        point = Device.objects.get(mn=device.mn).point_id
        assert not Measurement.objects.filter(point_id=point, period="hour", time=hour).exists()


def test_the_demo_left_running_for_a_simulated_day_opens_no_duplicate_case(demo):
    at_switch = Alert.objects.filter(status=AlertStatus.ACTIVE).count()
    most = at_switch
    for step in range(24):
        start = END + step * H
        send_hour(demo, start)
        # The receiver's evaluation of the new values, then the worker's schedule half an hour later.
        alerts_evaluate(new_only=True, now=start + H)
        alerts_evaluate(now=start + H + timedelta(minutes=30))
        cases_deadlines_check(now=start + H + timedelta(minutes=30))
        open_cases = Counter(Case.objects.exclude(state=CaseState.CLOSED).exclude(site=None)
                             .values_list("site_id", "category"))
        assert max(open_cases.values(), default=1) == 1, open_cases
        active = Alert.objects.filter(status=AlertStatus.ACTIVE)
        # The live data have every factor of the history, so no factor goes missing at the switch.
        assert not active.filter(rule__kind="factor_gap").exists(), list(active.values_list("message", flat=True))
        most = max(most, active.count())
    assert Alert.objects.filter(first_seen_at__gt=END).exists(), "a day of a county has some new problem"
    assert most <= at_switch + 5
    assert most < Device.objects.count()
