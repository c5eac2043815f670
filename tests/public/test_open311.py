"""Open311 GeoReport v2: every answer checked against the spec's field lists (specs/supervision.md §4), in
JSON and XML; filing has the same checks and limits as the form; reading never shows what is private."""

from __future__ import annotations

import json
from datetime import timedelta
from xml.etree import ElementTree

import pytest

from tests.conftest import YUEYANG_VILLAGE
from tests.public.conftest import INSIDE, OUTSIDE

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
ATTRIBUTE_FIELDS = {"variable", "code", "datatype", "required", "datatype_description", "order", "description",
                    "values"}
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}


@pytest.fixture
def api_key(public_setup):
    from lanqing.public.models import Open311Key

    return Open311Key.issue(name="市民随手拍")[1]


def _post(client, api_key, fmt="json", address="203.0.113.50", **fields):
    data = {"api_key": api_key, "service_code": "water", "lat": INSIDE[1], "long": INSIDE[0],
            "description": "河里漂着死鱼", "first_name": "三", "last_name": "张", "phone": "13800000001", **fields}
    data = {name: value for name, value in data.items() if value is not None}
    return client.post(f"{BASE}/requests.{fmt}", data, REMOTE_ADDR=address)


def _errors(response) -> list[dict]:
    if response["Content-Type"].startswith("application/json"):
        return response.json()
    root = ElementTree.fromstring(response.content)
    assert root.tag == "errors"
    return [{child.tag: child.text for child in error} for error in root]


def test_discovery_in_both_formats(client, public_setup):
    data = client.get(f"{BASE}/discovery.json").json()
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(data)
    endpoint = data["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["type"] == "production"
    assert set(endpoint["formats"]) == {"text/xml; charset=utf-8", "application/json; charset=utf-8"}
    xml = client.get(f"{BASE}/discovery.xml")
    assert xml["Content-Type"] == "text/xml; charset=utf-8"
    assert xml.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert ElementTree.fromstring(xml.content).find("endpoints/endpoint/specification").text.endswith("GeoReport_v2")


def test_services_and_their_definition_follow_the_field_lists(client, public_setup):
    listed = client.get(f"{BASE}/services.json").json()
    assert {s["service_code"] for s in listed} == {"air", "water", "noise", "solid_waste", "soil", "ecology",
                                                     "other"}
    for service in listed:
        assert set(service) <= SERVICE_FIELDS
        assert isinstance(service["service_code"], str)
        assert service["type"] in ("realtime", "batch", "blackbox")
    assert len(ElementTree.fromstring(client.get(f"{BASE}/services.xml").content).findall("service")) == 7
    definition = client.get(f"{BASE}/services/air.json").json()
    assert definition["service_code"] == "air"
    orders = [attribute["order"] for attribute in definition["attributes"]]
    assert len(orders) == len(set(orders))
    assert min(orders) >= 1
    for attribute in definition["attributes"]:
        assert set(attribute) == ATTRIBUTE_FIELDS
        assert attribute["datatype"] in DATATYPES
    missing = client.get(f"{BASE}/services/radiation.xml")
    assert missing.status_code == 404
    assert _errors(missing)[0]["code"] == "404"


def test_filing_needs_a_valid_api_key(client, api_key):
    from lanqing.public.models import PublicReport

    for key in (None, "", "o311_wrong"):
        response = _post(client, key)
        assert response.status_code == 403
        assert _errors(response)[0]["code"] == "403"
    assert not PublicReport.objects.exists()


@pytest.mark.parametrize(("fields", "status", "words"), [
    ({"service_code": None}, 400, "service_code"),
    ({"service_code": "radiation"}, 404, "没有"),
    ({"lat": None, "long": None}, 400, "lat"),
    ({"long": None}, 400, "lat"),
    ({"lat": OUTSIDE[1], "long": OUTSIDE[0]}, 400, "县域以外"),
    ({"lat": "north", "long": "east"}, 400, "WGS84"),
    ({"description": ""}, 400, "描述"),
    ({"description": "很" * 100_000}, 400, "4000"),
    ({"colour": "red"}, 400, "colour"),
    ({"attribute[observed_datetime]": "yesterday"}, 400, "ISO 8601"),
    ({"lat": None, "long": None, "address_string": "火星村"}, 400, "乡镇或村"),
])
def test_bad_requests_are_refused_with_reasons_and_nothing_is_stored(client, api_key, fields, status, words):
    from lanqing.cases.models import Case

    for fmt in ("json", "xml"):
        response = _post(client, api_key, fmt, **fields)
        assert response.status_code == status, (fmt, response.content)
        problems = _errors(response)
        assert problems
        assert all(set(p) == {"code", "description"} for p in problems)
        assert any(words in p["description"] for p in problems), problems
    assert not Case.objects.exists()


def test_a_request_filed_and_read_back_shows_nothing_private(client, api_key, client_for, public_setup):
    from lanqing.public.models import PublicReport
    from lanqing.public.services import report_accept, report_reply

    filed = _post(client, api_key, description="河里漂着死鱼，我电话 13800000001，邮箱 a@b.cn")
    assert filed.status_code == 200
    answer = filed.json()
    report = PublicReport.objects.get()
    assert answer == [{"service_request_id": report.case.number, "service_notice": answer[0]["service_notice"],
                       "account_id": ""}]
    assert report.code in answer[0]["service_notice"]  # the reporter's own app learns the tracking code
    assert report.contact.name == "张 三"
    assert report.contact.phone == "13800000001"
    rows = client.get(f"{BASE}/requests.json").json()
    assert len(rows) == 1
    assert set(rows[0]) <= REQUEST_FIELDS
    assert rows[0]["status"] == "open"
    assert rows[0]["description"] == ""
    report_accept(report=report, by=public_setup.users["bureau"])
    report_reply(report=report, by=public_setup.users["department"], text="内部备注：老板是熟人", public=False)
    for url in (f"{BASE}/requests.json", f"{BASE}/requests/{report.case.number}.json",
                f"{BASE}/requests.xml", f"{BASE}/requests/{report.case.number}.xml"):
        text = client.get(url).content.decode()
        for secret in ("13800000001", "a@b.cn", "张", report.code, "内部备注", "bureau", "department"):
            assert secret not in text, (url, secret)
    row = client.get(f"{BASE}/requests/{report.case.number}.json").json()[0]
    assert row["description"].startswith("河里漂着死鱼")
    assert row["expected_datetime"]
    assert row["agency_responsible"] == public_setup.department.name
    assert row["lat"] == "36.270"
    xml = ElementTree.fromstring(client.get(f"{BASE}/requests/{report.case.number}.xml").content)
    assert xml.tag == "service_requests"
    assert xml.find("request/service_request_id").text == report.case.number
    assert {child.tag for child in xml.find("request")} <= REQUEST_FIELDS


def test_requests_filter_by_status_code_and_dates_within_ninety_days(client, api_key):
    from lanqing.org.models import Jurisdiction

    village = Jurisdiction.objects.get(code=YUEYANG_VILLAGE)
    assert _post(client, api_key, service_code="air").status_code == 200
    assert _post(client, api_key, service_code="noise", lat=None, long=None,
                 address_id=village.code).status_code == 200
    assert _post(client, api_key, service_code="noise", lat=None, long=None,
                 address_string=village.name).status_code == 200
    assert len(client.get(f"{BASE}/requests.json", {"service_code": "noise"}).json()) == 2
    assert len(client.get(f"{BASE}/requests.json", {"status": "closed"}).json()) == 0
    assert client.get(f"{BASE}/requests.json", {"status": "pending"}).status_code == 400
    wide = client.get(f"{BASE}/requests.json", {"start_date": "2025-01-01T00:00:00+08:00",
                                                 "end_date": "2025-12-01T00:00:00+08:00"})
    assert wide.status_code == 400
    assert "90" in _errors(wide)[0]["description"]
    assert client.get(f"{BASE}/requests/DB0000.json").status_code == 404
    assert client.get(f"{BASE}/tokens/abc.xml").status_code == 404


def test_open311_filing_shares_the_form_s_rate_limit(client, api_key):
    for n in range(5):
        assert _post(client, api_key, phone="").status_code == 200, n
    limited = _post(client, api_key, phone="")
    assert limited.status_code == 400
    assert _errors(limited)[0]["code"] == "429"


def test_a_hidden_report_leaves_open311(client, api_key, public_setup):
    from lanqing.public.models import PublicReport
    from lanqing.public.services import report_moderate

    _post(client, api_key)
    report = PublicReport.objects.get()
    report_moderate(report=report, by=public_setup.users["bureau"], kind="hide", reason="恶意举报")
    assert client.get(f"{BASE}/requests.json").json() == []
    assert client.get(f"{BASE}/requests/{report.case.number}.json").status_code == 404


def test_dates_are_iso_8601_with_a_time_zone(client, api_key):
    from datetime import datetime

    _post(client, api_key)
    row = client.get(f"{BASE}/requests.json").json()[0]
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        moment = datetime.fromisoformat(row[name])
        assert moment.utcoffset() == timedelta(hours=8), name
    assert json.loads(json.dumps(row)) == row
