"""The receiver's copy of the device registry: read in one go, refreshed after its TTL, strangers asked once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lanqing.monitoring.ingest.devices import DeviceCache
from lanqing.monitoring.models import Device, DeviceKey, Point

pytestmark = pytest.mark.django_db

KEY_OLD = b"old-key-16-bytes"
KEY_NEW = b"new-key-16-bytes"
KEY_RETIRED = b"retired-16-bytes"


def _register(point: Point, count: int) -> list[str]:
    devices = []
    for n in range(count):
        device = Device(mn=f"MNBULK{n:04d}", point=point)
        device.set_password("123456")
        devices.append(device)
    Device.objects.bulk_create(devices)
    return [device.mn for device in devices]


def _key(device: Device, raw: bytes, created: datetime, retired: datetime | None = None) -> None:
    row = DeviceKey(device=device, created_at=created, retired_at=retired)
    row.seal(raw)
    row.save()


def test_every_registered_device_is_known_after_one_read_of_the_registry(cast):
    mns = _register(Point.objects.get(site__code="OUT-A"), 30)
    cache = DeviceCache()
    with CaptureQueriesContext(connection) as first:
        assert cache.device("MNOUTA").mn == "MNOUTA"
    with CaptureQueriesContext(connection) as rest:
        known = [cache.device(mn) for mn in mns]
    assert [device.mn for device in known] == mns
    # Devices, their keys and the factors they override: a few queries however many devices there are.
    assert len(first) <= 3
    assert len(rest) == 0


def test_a_device_registered_after_the_read_is_found_at_once(cast):
    cache = DeviceCache()
    assert cache.device("MNOUTA") is not None
    [mn] = _register(Point.objects.get(site__code="OUT-B"), 1)
    assert cache.device(mn).mn == mn


def test_an_unknown_mn_is_asked_of_the_database_once_until_the_refresh(cast):
    cache = DeviceCache()
    cache.device("MNOUTA")
    with CaptureQueriesContext(connection) as queries:
        for _ in range(50):
            assert cache.device("STRANGER0001") is None
    assert len(queries) == 1


def test_registry_changes_take_effect_after_the_ttl(cast):
    cache = DeviceCache(ttl=3600)
    assert cache.device("MNOUTA").active
    Device.objects.filter(mn="MNOUTA").update(is_active=False)
    assert cache.device("MNOUTA").active  # the copy is still fresh
    expired = DeviceCache(ttl=0)
    assert not expired.device("MNOUTA").active


def test_the_current_key_is_the_newest_one_not_retired(cast):
    now = datetime(2026, 3, 1, tzinfo=UTC)
    device = Device.objects.get(mn="MNOUTA")
    _key(device, KEY_OLD, now - timedelta(days=80))
    _key(device, KEY_NEW, now - timedelta(days=2))
    _key(device, KEY_RETIRED, now - timedelta(days=1), retired=now)
    other = Device.objects.get(mn="MNOUTB")
    assert DeviceCache().device("MNOUTA").key == KEY_NEW
    assert DeviceCache().device(other.mn).key is None
    # Read alone (forgotten after a key rotation) the device gets the same key.
    cache = DeviceCache()
    cache.device("MNOUTB")
    cache.forget("MNOUTA")
    assert cache.device("MNOUTA").key == KEY_NEW


def test_a_forgotten_device_is_read_again_with_its_new_key(cast):
    now = datetime(2026, 3, 1, tzinfo=UTC)
    device = Device.objects.get(mn="MNOUTA")
    cache = DeviceCache(ttl=3600)
    assert cache.device("MNOUTA").key is None
    _key(device, KEY_NEW, now)
    assert cache.device("MNOUTA").key is None  # the copy is fresh: not read again
    cache.forget("MNOUTA")
    assert cache.device("MNOUTA").key == KEY_NEW


def test_unit_overrides_are_read_with_the_registry(cast):
    Device.objects.filter(mn="MNAIR01").update(unit_overrides={"a34004": "ng/m³", "zz999": "mg/m3"})
    cache = DeviceCache()
    cache.device("MNOUTA")
    assert cache.device("MNAIR01").scales == {"a34004": pytest.approx(0.001)}


def test_a_flood_of_strangers_neither_grows_the_cache_without_bound_nor_evicts_the_registry(cast, monkeypatch):
    from lanqing.monitoring.ingest import devices

    monkeypatch.setattr(devices, "STRANGERS_MAX", 5)
    cache = DeviceCache()
    cache.device("MNOUTA")
    for n in range(50):
        assert cache.device(f"STRANGER{n:04d}") is None
    assert len(cache._strangers) <= 5
    with CaptureQueriesContext(connection) as queries:
        assert cache.device("MNOUTB").mn == "MNOUTB"
    assert len(queries) == 0
