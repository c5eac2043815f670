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
    assert errors and "__all__" in errors


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
