"""The settings a device is sent on connection (HJ 212 §6.7) are checked where they are entered."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from lanqing.monitoring.models import Device

pytestmark = pytest.mark.django_db


def _check(**settings) -> dict:
    device = Device.objects.get(mn="MNAIR01")
    for name, value in settings.items():
        setattr(device, name, value)
    try:
        device.full_clean()
    except ValidationError as exc:
        return exc.message_dict
    return {}


def test_valid_settings_pass(cast):
    assert _check(reply_timeout=10, resend_count=3, rtd_interval=30, min_interval=10, realtime_upload="on") == {}


def test_timeout_and_resend_count_go_together(cast):
    errors = _check(reply_timeout=10)
    assert errors
    assert "__all__" in errors


@pytest.mark.parametrize(
    ("field", "value"),
    [("rtd_interval", 10), ("rtd_interval", 4000), ("min_interval", 7), ("reply_timeout", 100)],
)
def test_values_outside_the_standard_are_refused(cast, field, value):
    settings = {field: value}
    if field == "reply_timeout":
        settings["resend_count"] = 3
    assert field in _check(**settings)


def test_the_admin_form_offers_the_settings(cast):
    from lanqing.monitoring.admin import DeviceForm

    form = DeviceForm(instance=Device.objects.get(mn="MNAIR01"))
    assert {"reply_timeout", "resend_count", "rtd_interval", "min_interval", "realtime_upload", "status_upload"} <= set(
        form.fields
    )


def test_the_raw_packet_list_opens_on_todays_packets_and_never_counts_the_whole_table(cast, admin_client):
    from datetime import timedelta

    from django.utils import timezone

    from lanqing.monitoring.models import RawPacket

    now = timezone.now()
    for mn, when in (("MNTODAY", now), ("MNLASTWEEK", now - timedelta(days=8))):
        RawPacket.objects.create(received_at=when, peer="127.0.0.1:1", mn=mn, data=b"##", verdict="rejected",
                                 reason="test")
    response = admin_client.get("/admin/monitoring/rawpacket/")
    assert response.status_code == 302
    assert "received_at__gte=" in response["Location"]
    page = admin_client.get(response["Location"]).content.decode()
    assert "MNTODAY" in page
    assert "MNLASTWEEK" not in page
    assert "今天" in page
    assert "本月" in page
    assert "任意日期" not in page
    assert "今年" not in page  # no choice that counts the whole table
    page = admin_client.get(
        "/admin/monitoring/rawpacket/", {"received_at__gte": str(timezone.localdate() - timedelta(days=30))}
    ).content.decode()
    assert "MNLASTWEEK" in page
