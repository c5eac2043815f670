"""History cannot be rewritten by a packet: a later packet with other values for a stored hour is kept as a
revision linked to its raw packet, the first values stay, and an identical resend changes nothing."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.urls import reverse

from lanqing import hj212
from lanqing.monitoring.models import Measurement, MeasurementRevision, RawPacket

from .conftest import hourly, peer

pytestmark = pytest.mark.django_db(transaction=True)

WHEN = datetime(2026, 3, 1, 15, 0)


def _send(device, frame: bytes) -> None:
    device.send(frame)
    assert hj212.parse_bytes(device.reply()).header.cn == "9014"


def test_a_later_packet_for_a_stored_hour_is_a_revision_and_the_first_value_stays(receiver):
    device = receiver.connect()
    _send(device, hourly(peer(), WHEN, {"a34004": 35.0, "a21026": 8.5}, qn="1" * 17))
    # HJ 212 devices resend: the same values again change nothing.
    _send(device, hourly(peer(), WHEN, {"a34004": 35.0, "a21026": 8.5}, qn="1" * 17))
    assert not MeasurementRevision.objects.exists()
    assert not Measurement.objects.filter(revised=True).exists()
    _send(device, hourly(peer(), WHEN, {"a34004": 99.0, "a21026": 8.5}, qn="2" * 17))
    values = dict(Measurement.objects.values_list("factor__code", "value"))
    assert values == {"a34004": 35.0, "a21026": 8.5}
    assert set(Measurement.objects.filter(revised=True).values_list("factor__code", flat=True)) == {"a34004"}
    revision = MeasurementRevision.objects.get()
    assert (revision.factor.code, revision.value, revision.period) == ("a34004", 99.0, "hour")
    raw = RawPacket.objects.get(id=revision.raw_packet_id)
    assert b"QN=" + b"2" * 17 in bytes(raw.data)
    # The revising packet sent again is still one revision.
    _send(device, hourly(peer(), WHEN, {"a34004": 99.0, "a21026": 8.5}, qn="2" * 17))
    assert MeasurementRevision.objects.count() == 1
    device.close()


def test_two_differing_packets_in_one_batch_keep_the_first(receiver):
    device = receiver.connect()
    # Sent together: they are decided in one batch (or in two), and the first value must win either way.
    device.send(hourly(peer(), WHEN, {"a34004": 1.0}, qn="3" * 17) + hourly(peer(), WHEN, {"a34004": 2.0},
                                                                            qn="4" * 17))
    for _ in range(2):
        assert hj212.parse_bytes(device.reply()).header.cn == "9014"
    receiver.settle()
    assert list(Measurement.objects.values_list("value", "revised")) == [(1.0, True)]
    assert list(MeasurementRevision.objects.values_list("value", flat=True)) == [2.0]
    device.close()


def test_the_bureau_sees_that_a_value_was_revised_and_others_do_not_see_it(receiver, cast, client_for):
    device = receiver.connect()
    outlet = peer(mn="MNOUTA", st="31")
    _send(device, hourly(outlet, WHEN, {"a21026": 40.0}, qn="5" * 17))
    _send(device, hourly(outlet, WHEN, {"a21026": 4.0}, qn="6" * 17))
    device.close()
    site = cast.outlet_a.id
    bureau = client_for(cast.users["bureau"])
    values = bureau.get(f"/api/v1/sites/{site}/measurements",
                        {"factor": "a21026", "start": "2026-03-01T00:00:00Z", "end": "2026-03-02T00:00:00Z"}).json()
    assert [(row["value"], row["revised"]) for row in values] == [(40.0, True)]
    revisions = bureau.get(f"/api/v1/sites/{site}/revisions").json()["items"]
    assert [(row["factor"], row["value"], row["time"][:16]) for row in revisions] == [
        ("a21026", 4.0, "2026-03-01T07:00")]
    [raw] = [r.id for r in RawPacket.objects.all() if b"QN=" + b"6" * 17 in bytes(r.data)]
    assert revisions[0]["raw_packet_id"] == raw
    page = bureau.get(reverse("monitoring:site", args=[site])).content.decode()
    assert 'data-testid="revision-row"' in page
    assert "4.0" in page
    # The other enterprise's people cannot see the site, nor its revisions.
    other = client_for(cast.users["enterprise_b"])
    assert other.get(f"/api/v1/sites/{site}/revisions").status_code == 404
