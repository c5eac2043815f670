"""The registry's write endpoints: the bureau only, within its jurisdiction, held to the workbook's checks."""

from __future__ import annotations

import json

import pytest

from lanqing.api.models import ApiToken
from lanqing.monitoring.models import Device, Site
from lanqing.org.models import Jurisdiction, Unit

pytestmark = pytest.mark.django_db


def _headers(user) -> dict:
    _token, raw = ApiToken.issue(user=user, name="script")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}", "content_type": "application/json"}


@pytest.fixture
def outsider(cast):
    """A bureau user of another county (洪洞县), whose jurisdiction holds none of the cast's records."""
    from lanqing.org.accounts import user_create

    county = Jurisdiction.objects.create(code="141024000000", name="洪洞县", level="county",
                                         parent=Jurisdiction.objects.get(code="141000000000"))
    Unit.objects.create(name="临汾市生态环境局洪洞县分局", kind="bureau", jurisdiction=county)
    return user_create(username="hongdong", password="x-correct-horse-9", role="bureau",
                       scope="临汾市生态环境局洪洞县分局", full_name="hongdong")


def test_the_bureau_registers_rows_through_the_api_and_a_repeat_changes_nothing(cast, client):
    headers = _headers(cast.users["bureau"])
    body = {"sites": [{"code": "AIR-02", "kind": "air", "name": "县城第二空气站", "jurisdiction": "141025100000"}],
            "points": [{"site": "AIR-02", "code": "1", "name": "1#"}],
            "devices": [{"mn": "MNAIR02", "site": "AIR-02", "point": "1", "protocol": "2017"}]}
    response = client.post("/api/v1/registry/rows", json.dumps(body), **headers)
    assert response.status_code == 200, response.content
    assert response.json()["counts"]["sites"] == {"created": 1, "updated": 0, "unchanged": 0}
    assert response.json()["devices_without_password"] == 1
    again = client.post("/api/v1/registry/rows", json.dumps(body), **headers).json()
    assert all(counts["created"] == counts["updated"] == 0 for counts in again["counts"].values())


def test_bad_rows_through_the_api_list_every_bad_cell_and_write_nothing(cast, client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = {"sites": [{"code": "AIR-02", "kind": "air", "name": "", "jurisdiction": "141025100000"}],
            "devices": [{"mn": "MN 2", "site": "AIR-02", "point": "1", "protocol": "2017"}]}
    response = client.post("/api/v1/registry/rows", json.dumps(body), **_headers(cast.users["bureau"]))
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"sheet": "sites", "row": 1, "column": "name", "reason": "required; the cell is empty"},
        {"sheet": "devices", "row": 1, "column": "mn",
         "reason": "'MN 2' is not an MN: at most 27 ASCII characters without ; = & , or spaces"},
        {"sheet": "devices", "row": 1, "column": "point",
         "reason": "no point 1 at the site AIR-02 in this workbook or the registry"},
    ]
    assert not Site.objects.filter(code="AIR-02").exists()


def test_a_site_is_changed_column_by_column_and_its_code_cannot_change(cast, client):
    headers = _headers(cast.users["bureau"])
    url = f"/api/v1/registry/sites/{cast.outlet_a.id}"
    response = client.patch(url, json.dumps({"limit_set": "GB16171-2012:coke-oven:special", "reference_o2": 8}),
                            **headers)
    assert response.status_code == 200, response.content
    site = Site.objects.get(id=cast.outlet_a.id)
    assert (site.limit_set, float(site.reference_o2), site.name) == (
        "GB16171-2012:coke-oven:special", 8.0, "甲公司焦炉烟囱")
    assert client.patch(url, json.dumps({"code": "OUT-Z"}), **headers).status_code == 400


def test_a_device_password_set_through_the_api_enables_a_waiting_device(cast, client):
    device = Device.objects.get(mn="MNAIR01")
    Device.objects.filter(id=device.id).update(password_hash="", is_active=False)
    headers = _headers(cast.users["bureau"])
    url = f"/api/v1/registry/devices/{device.id}/password"
    assert client.put(url, json.dumps({"password": "a;b"}), **headers).status_code == 400
    assert client.put(url, json.dumps({"password": "pw-2026"}), **headers).status_code == 204
    device.refresh_from_db()
    assert device.is_active
    assert device.check_password("pw-2026")


@pytest.mark.parametrize("role", ["leader", "department", "township_a", "grid_a", "enterprise_a"])
def test_other_roles_get_403_from_every_registry_write(cast, client, role):
    headers = _headers(cast.users[role])
    device = Device.objects.get(mn="MNOUTA")
    calls = [
        client.post("/api/v1/registry/rows", json.dumps({}), **headers),
        client.patch(f"/api/v1/registry/enterprises/{cast.enterprise_a.id}", json.dumps({"name": "x"}), **headers),
        client.patch(f"/api/v1/registry/sites/{cast.outlet_a.id}", json.dumps({"name": "x"}), **headers),
        client.patch(f"/api/v1/registry/devices/{device.id}", json.dumps({"protocol": "2025"}), **headers),
        client.put(f"/api/v1/registry/devices/{device.id}/password", json.dumps({"password": "pw"}), **headers),
    ]
    # A record the role cannot see does not exist for it (404); one it sees is refused (403).
    from lanqing.org import access

    user = cast.users[role]
    seen = [access.sees(user, obj) for obj in (cast.enterprise_a, cast.outlet_a, device, device)]
    assert [call.status_code for call in calls] == [403] + [403 if sees else 404 for sees in seen]
    assert Site.objects.get(id=cast.outlet_a.id).name == "甲公司焦炉烟囱"


def test_a_bureau_of_another_county_gets_404_for_records_outside_its_scope(cast, client, outsider, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    headers = _headers(outsider)
    device = Device.objects.get(mn="MNOUTA")
    calls = [
        client.patch(f"/api/v1/registry/enterprises/{cast.enterprise_a.id}", json.dumps({"name": "x"}), **headers),
        client.patch(f"/api/v1/registry/sites/{cast.outlet_a.id}", json.dumps({"name": "x"}), **headers),
        client.patch(f"/api/v1/registry/devices/{device.id}", json.dumps({"protocol": "2025"}), **headers),
        client.put(f"/api/v1/registry/devices/{device.id}/password", json.dumps({"password": "pw"}), **headers),
    ]
    assert [call.status_code for call in calls] == [404] * 4
    # Rows naming the cast's divisions or records are refused as outside the caller's jurisdiction.
    body = {"sites": [{"code": "OUT-A", "kind": "air", "name": "x", "jurisdiction": "141025100000"}]}
    response = client.post("/api/v1/registry/rows", json.dumps(body), **headers)
    assert [e["reason"] for e in response.json()["errors"]] == [
        "OUT-A is registered outside your jurisdiction", "141025100000 lies outside your jurisdiction"]
    assert Site.objects.get(code="OUT-A").name == "甲公司焦炉烟囱"
