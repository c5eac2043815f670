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
