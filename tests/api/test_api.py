"""The JSON API answers within the caller's scope; everything else is 404, and bad parameters say why."""

from datetime import UTC, datetime

import pytest

from lanqing.api.models import ApiToken
from lanqing.monitoring.models import Factor, Measurement


def test_the_openapi_schema_and_docs_are_published_to_logged_in_users(cast, client):
    assert client.get("/api/v1/docs").status_code == 302
    client.force_login(cast.users["township_a"])
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/enterprises" in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_anonymous_calls_are_refused(cast, client):
    assert client.get("/api/v1/enterprises").status_code == 401


def test_a_token_acts_as_its_user_and_sees_only_its_scope(cast, client):
    _token, raw = ApiToken.issue(user=cast.users["township_b"], name="script")
    body = client.get("/api/v1/enterprises", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert [item["name"] for item in body["items"]] == ["乙焦化有限公司"]
    assert ApiToken.objects.get().last_used_at is not None


def test_a_wrong_or_revoked_token_is_refused(cast, client):
    token, raw = ApiToken.issue(user=cast.users["bureau"], name="script")
    assert client.get("/api/v1/sites", HTTP_AUTHORIZATION="Bearer lq_wrong").status_code == 401
    token.is_active = False
    token.save()
    assert client.get("/api/v1/sites", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


@pytest.mark.parametrize("who", ["township_a", "grid_a", "enterprise_a"])
def test_crafted_api_calls_outside_scope_answer_404(cast, client_for, who):
    client = client_for(cast.users[who])
    for url in (f"/api/v1/enterprises/{cast.enterprise_b.id}", f"/api/v1/sites/{cast.outlet_b.id}",
                f"/api/v1/sites/{cast.outlet_b.id}/measurements?factor=a21026", "/api/v1/sites/999999"):
        assert client.get(url).status_code == 404, url


def test_lists_hold_only_rows_in_scope(cast, client_for):
    body = client_for(cast.users["enterprise_a"]).get("/api/v1/sites").json()
    assert [item["code"] for item in body["items"]] == ["OUT-A"]
    # The division tree is for government users: an enterprise is refused outright, learning no count either.
    assert client_for(cast.users["enterprise_a"]).get("/api/v1/jurisdictions").status_code == 403


def test_measurements_come_oldest_first_with_their_offsets(cast, client_for):
    point = cast.outlet_a.points.get()
    factor = Factor.objects.get(code="a21026")
    for hour in (3, 1, 2):
        Measurement.objects.create(point=point, factor=factor, period="hour",
                                   time=datetime(2026, 1, 5, hour, tzinfo=UTC), value=hour * 10)
    body = client_for(cast.users["enterprise_a"]).get(
        f"/api/v1/sites/{cast.outlet_a.id}/measurements",
        {"factor": "a21026", "start": "2026-01-05T00:00:00Z", "end": "2026-01-06T00:00:00Z"}).json()
    assert [row["value"] for row in body] == [10, 20, 30]


@pytest.mark.parametrize("params", [
    {"factor": "a21026", "period": "weekly"},
    {"factor": "a21026", "start": "2026-01-06T00:00:00Z", "end": "2026-01-05T00:00:00Z"},
    {"factor": "a21026", "start": "2020-01-01T00:00:00Z", "end": "2026-01-05T00:00:00Z"},
    {"factor": "a21026", "start": "2026-01-05T00:00:00", "end": "2026-01-06T00:00:00"},
])
def test_bad_measurement_queries_get_400_with_a_reason(cast, client_for, params):
    response = client_for(cast.users["bureau"]).get(f"/api/v1/sites/{cast.outlet_a.id}/measurements", params)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_a_malformed_date_gets_a_validation_error(cast, client_for):
    response = client_for(cast.users["bureau"]).get(f"/api/v1/sites/{cast.outlet_a.id}/measurements",
                                                    {"factor": "a21026", "start": "yesterday"})
    assert response.status_code == 422


def test_the_api_docs_page_uses_local_files_not_a_cdn(cast, client_for):
    page = client_for(cast.users["bureau"]).get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn." not in page


# --- data marks and lab results --------------------------------------------------------------------------------------

def _marks_and_lab_results(cast):
    """A documented mark and an awaiting one of 甲公司, one of 乙公司, and a lab result of each."""
    from datetime import timedelta

    from lanqing.monitoring.lab import lab_results_upload
    from lanqing.monitoring.marks import mark_create
    from lanqing.monitoring.models import Device
    from tests.cases.conftest import PNG, TUESDAY

    device = Device.objects.get(point__site=cast.outlet_a)
    marks = {
        "a_documented": mark_create(by=cast.users["enterprise_a"], site=cast.outlet_a, kind="maintenance",
                                    reason="甲脱硫塔检修", starts_at=TUESDAY, ends_at=TUESDAY + timedelta(hours=8),
                                    document=("通知.png", PNG), now=TUESDAY),
        "a_awaiting": mark_create(by=cast.users["enterprise_a"], site=cast.outlet_a, device=device,
                                  kind="facility_stopped", reason="甲设备停运", starts_at=TUESDAY + timedelta(days=1),
                                  ends_at=TUESDAY + timedelta(days=2), now=TUESDAY),
        "b": mark_create(by=cast.users["enterprise_b"], site=cast.outlet_b, kind="production_stopped",
                         reason="乙停产", starts_at=TUESDAY, ends_at=TUESDAY + timedelta(hours=4), now=TUESDAY),
    }
    for enterprise, site, report in ((cast.enterprise_a, "OUT-A", "甲检-0602"), (cast.enterprise_b, "OUT-B", "乙检-0602")):
        content = (f"outlet,point,factor,sampled,value,unit,lab,report\n"
                   f"{site},1,a21026,2025-06-02 09:30,33,mg/m3,古县环境检测有限公司,{report}\n").encode()
        upload = lab_results_upload(enterprise=enterprise, file_name="lab.csv", content=content,
                                    by=cast.users["enterprise_a" if site == "OUT-A" else "enterprise_b"], now=TUESDAY)
        assert upload.status == "accepted", upload.errors
    return marks


def test_an_enterprise_token_lists_and_reads_only_its_own_marks(cast, client):
    marks = _marks_and_lab_results(cast)
    _token, raw = ApiToken.issue(user=cast.users["enterprise_a"], name="script")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    body = client.get("/api/v1/marks", **auth).json()
    assert body["count"] == 2
    assert {item["id"] for item in body["items"]} == {marks["a_documented"].id, marks["a_awaiting"].id}
    awaiting = next(item for item in body["items"] if item["id"] == marks["a_awaiting"].id)
    assert awaiting["device_mn"] == marks["a_awaiting"].device.mn
    assert (awaiting["kind"], awaiting["state"], awaiting["has_document"]) == ("facility_stopped", "awaiting", False)
    # Due by the end of 10 July Beijing time: the mark reverts at 11 July 00:00 (+08:00).
    assert awaiting["document_due"] == "2025-07-10T16:00:00Z"
    documented = client.get(f"/api/v1/marks/{marks['a_documented'].id}", **auth).json()
    assert (documented["device_mn"], documented["has_document"], documented["site_code"]) == (None, True, "OUT-A")
    # Whether the document is there, never the document itself (nor its name).
    assert set(documented) == {"id", "site_id", "site_code", "enterprise_id", "device_mn", "kind", "state",
                               "starts_at", "ends_at", "document_due", "has_document"}
    # The other enterprise's mark: not found, and not counted.
    assert client.get(f"/api/v1/marks/{marks['b'].id}", **auth).status_code == 404
    assert client.get("/api/v1/marks", {"site": cast.outlet_b.id}, **auth).json() == {"items": [], "count": 0}
    assert client.get("/api/v1/marks", {"enterprise": cast.enterprise_b.id}, **auth).json()["count"] == 0


def test_marks_are_filtered_by_site_enterprise_and_state(cast, client_for):
    marks = _marks_and_lab_results(cast)
    client = client_for(cast.users["bureau"])

    def ids(**params):
        return {item["id"] for item in client.get("/api/v1/marks", params).json()["items"]}

    assert ids() == {m.id for m in marks.values()}
    assert ids(site=cast.outlet_b.id) == {marks["b"].id}
    assert ids(enterprise=cast.enterprise_a.id) == {marks["a_documented"].id, marks["a_awaiting"].id}
    assert ids(state="documented") == {marks["a_documented"].id}
    assert ids(state="awaiting", enterprise=cast.enterprise_a.id) == {marks["a_awaiting"].id}
    response = client.get("/api/v1/marks", {"state": "valid"})
    assert response.status_code == 400
    assert "state must be one of" in response.json()["detail"]
    # A page is never larger than the maximum, whatever the limit asked.
    from lanqing.api.views import MAX_PAGE

    assert MAX_PAGE == 500
    page = client.get("/api/v1/marks", {"limit": 1, "offset": 1}).json()
    assert (len(page["items"]), page["count"]) == (1, 3)


def test_a_huge_limit_is_cut_to_the_largest_page(cast, client_for):
    from datetime import timedelta

    from lanqing.api.views import MAX_PAGE
    from lanqing.monitoring.models import DataMark
    from tests.cases.conftest import TUESDAY

    DataMark.objects.bulk_create([
        DataMark(site=cast.outlet_a, kind="maintenance", reason="r", starts_at=TUESDAY + timedelta(hours=k),
                 ends_at=TUESDAY + timedelta(hours=k, minutes=30), document_due=TUESDAY + timedelta(days=30),
                 created_at=TUESDAY) for k in range(MAX_PAGE + 3)])
    body = client_for(cast.users["bureau"]).get("/api/v1/marks", {"limit": 100000}).json()
    assert (len(body["items"]), body["count"]) == (MAX_PAGE, MAX_PAGE + 3)


def test_lab_results_come_within_scope_and_by_site(cast, client_for):
    _marks_and_lab_results(cast)
    mine = client_for(cast.users["enterprise_a"]).get("/api/v1/lab-results").json()
    assert [(r["site_code"], r["report_number"], r["value"], r["unit"]) for r in mine["items"]] == [
        ("OUT-A", "甲检-0602", 33.0, "mg/m³")]
    assert client_for(cast.users["enterprise_a"]).get(
        "/api/v1/lab-results", {"site": cast.outlet_b.id}).json()["count"] == 0
    bureau = client_for(cast.users["bureau"])
    assert bureau.get("/api/v1/lab-results").json()["count"] == 2
    only_b = bureau.get("/api/v1/lab-results", {"site": cast.outlet_b.id}).json()["items"]
    assert [r["report_number"] for r in only_b] == ["乙检-0602"]
    # A township officer sees the results of its own township's enterprise only.
    township = client_for(cast.users["township_a"]).get("/api/v1/lab-results").json()
    assert [r["report_number"] for r in township["items"]] == ["甲检-0602"]
