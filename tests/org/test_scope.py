"""Scoping for every role: what each user sees, and 404 for everything outside it."""

import pytest
from django.urls import reverse

from lanqing.monitoring.selectors import sites_visible_to
from lanqing.org import access


def names(queryset):
    return sorted(str(item) for item in queryset)


def test_bureau_and_leadership_see_the_whole_county(cast):
    for who in ("bureau", "leader"):
        user = cast.users[who]
        assert names(access.enterprises_visible_to(user)) == ["乙焦化有限公司", "甲焦化有限公司"]
        assert sites_visible_to(user).count() == 3


def test_a_department_sees_ambient_data_of_the_county_and_enterprises_only_where_named(cast):
    # 一岗双责: the department answers for its own line of work; until the matrix or a case names it for an
    # enterprise, it sees the county's divisions and ambient stations but no enterprise and no outlet.
    user = cast.users["department"]
    assert access.enterprises_visible_to(user).count() == 0
    assert names(sites_visible_to(user)) == ["县城空气站"]
    assert access.jurisdictions_visible_to(user).filter(code="141025101000").exists()


def test_township_officer_never_sees_another_townships_enterprise(cast):
    user = cast.users["township_a"]
    assert names(access.enterprises_visible_to(user)) == ["甲焦化有限公司"]
    assert names(sites_visible_to(user)) == ["县城空气站", "甲公司焦炉烟囱"]
    assert not access.jurisdictions_visible_to(user).filter(code="141025101000").exists()


def test_grid_officer_sees_only_their_village(cast):
    user = cast.users["grid_a"]
    assert names(access.enterprises_visible_to(user)) == ["甲焦化有限公司"]
    assert list(access.jurisdictions_visible_to(user).values_list("code", flat=True)) == ["141025100005"]


def test_enterprise_user_never_sees_another_enterprise(cast):
    user = cast.users["enterprise_a"]
    assert names(access.enterprises_visible_to(user)) == ["甲焦化有限公司"]
    assert names(sites_visible_to(user)) == ["甲公司焦炉烟囱"]
    assert access.jurisdictions_visible_to(user).count() == 0


def test_user_without_role_sees_nothing(cast):
    user = cast.users["nobody"]
    assert access.enterprises_visible_to(user).count() == 0
    assert sites_visible_to(user).count() == 0


def test_anonymous_user_sees_nothing(cast):
    from django.contrib.auth.models import AnonymousUser

    assert access.enterprises_visible_to(AnonymousUser()).count() == 0


def test_a_model_without_a_scope_rule_is_refused(cast):
    from lanqing.jobs.models import Job

    with pytest.raises(LookupError):
        access.visible(cast.users["bureau"], Job.objects.all())


OBJECT_URLS = [
    ("org:enterprise", lambda cast: {"enterprise_id": cast.enterprise_b.id}),
    ("monitoring:site", lambda cast: {"site_id": cast.outlet_b.id}),
    ("monitoring:site_series", lambda cast: {"site_id": cast.outlet_b.id}),
]


@pytest.mark.parametrize("who", ["township_a", "grid_a", "enterprise_a"])
@pytest.mark.parametrize(("url_name", "kwargs"), OBJECT_URLS)
def test_crafted_urls_to_objects_outside_scope_answer_404(cast, client_for, who, url_name, kwargs):
    client = client_for(cast.users[who])
    response = client.get(reverse(url_name, kwargs=kwargs(cast)), {"factor": "a21026", "period": "hour"})
    assert response.status_code == 404


@pytest.mark.parametrize(("url_name", "kwargs"), OBJECT_URLS)
def test_bureau_reaches_every_object(cast, client_for, url_name, kwargs):
    response = client_for(cast.users["bureau"]).get(reverse(url_name, kwargs=kwargs(cast)),
                                                    {"factor": "a21026", "period": "hour"})
    assert response.status_code == 200


def test_non_numeric_and_missing_ids_answer_404(cast, client_for):
    client = client_for(cast.users["bureau"])
    assert client.get("/org/enterprises/999999/").status_code == 404
    assert client.get("/monitoring/sites/abc/").status_code == 404


def test_lists_show_only_rows_in_scope(cast, client_for):
    client = client_for(cast.users["enterprise_a"])
    page = client.get(reverse("org:enterprises")).content.decode()
    assert "甲焦化有限公司" in page
    assert "乙焦化有限公司" not in page
    page = client.get(reverse("monitoring:sites")).content.decode()
    assert "甲公司焦炉烟囱" in page
    assert "乙公司焦炉烟囱" not in page
    assert "县城空气站" not in page


def test_excel_exports_hold_only_rows_in_scope(cast, client_for):
    import io

    from openpyxl import load_workbook

    client = client_for(cast.users["township_b"])
    response = client.get(reverse("org:enterprises"), {"export": "xlsx"})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][0] == "乙焦化有限公司"
