"""Discharge permits kept in the product: the bureau adds, changes and removes an enterprise's permits from its
file page, bad facts are refused with the reason and nothing stored, nobody else may keep them, and every change
is in the audit trail."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

GOOD = {"number": "91141025MA0000001001P", "issued_by": "临汾市生态环境局", "valid_from": "2024-06-01",
        "valid_to": "2029-05-31", "cap_SO2": "45.6", "cap_NOx": "182", "cap_PM": "12.325", "cap_NH3_N": ""}


@pytest.fixture(autouse=True)
def _english(client, settings):
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the pages; the services' words in the override
    with translation.override("en"):
        yield


def _permit(enterprise, number: str, **facts):
    from lanqing.org.models import DischargePermit

    return DischargePermit.objects.create(
        enterprise=enterprise, number=number, issued_by=facts.get("issued_by", "临汾市生态环境局"),
        valid_from=facts.get("valid_from", date(2023, 1, 1)), valid_to=facts.get("valid_to", date(2027, 12, 31)),
        annual_caps=facts.get("annual_caps", {"SO2": 12.0}))


def _stored() -> list:
    from lanqing.org.models import DischargePermit

    return list(DischargePermit.objects.order_by("id").values_list(
        "enterprise_id", "number", "issued_by", "valid_from", "valid_to", "annual_caps"))


def _file(client, enterprise) -> str:
    response = client.get(reverse("org:enterprise", args=[enterprise.id]))
    assert response.status_code == 200
    return response.content.decode()


def _urls(enterprise, permit) -> dict[str, str]:
    return {"new": reverse("org:enterprise_permit_new", args=[enterprise.id]),
            "edit": reverse("org:enterprise_permit_edit", args=[enterprise.id, permit.id]),
            "delete": reverse("org:enterprise_permit_delete", args=[enterprise.id, permit.id])}


def test_the_bureau_adds_changes_and_removes_a_permit_on_the_enterprises_file(cast, client_for):
    from lanqing.org.models import DischargePermit

    client = client_for(cast.users["bureau"])
    page = _file(client, cast.enterprise_a)
    assert 'data-testid="permit-form"' in page
    assert "No discharge permit is recorded for this enterprise." in page

    response = client.post(reverse("org:enterprise_permit_new", args=[cast.enterprise_a.id]), GOOD)
    assert response.status_code == 302
    permit = DischargePermit.objects.get()
    assert (permit.enterprise_id, permit.number, permit.valid_from, permit.valid_to) == (
        cast.enterprise_a.id, "91141025MA0000001001P", date(2024, 6, 1), date(2029, 5, 31))
    assert permit.annual_caps == {"PM": 12.325, "SO2": 45.6, "NOx": 182}  # a blank field is no cap
    page = _file(client, cast.enterprise_a)
    assert "91141025MA0000001001P" in page
    assert "SO2 45.6 t/a" in page
    assert "The discharge permit 91141025MA0000001001P was recorded." in page

    edit = client.get(reverse("org:enterprise_permit_edit", args=[cast.enterprise_a.id, permit.id])).content.decode()
    assert 'value="91141025MA0000001001P"' in edit
    assert 'value="2024-06-01"' in edit
    assert 'value="45.6"' in edit
    changed = {**GOOD, "number": "91141025MA0000001002Q", "valid_to": "2028-05-31", "cap_SO2": "", "cap_COD": "8.5"}
    response = client.post(reverse("org:enterprise_permit_edit", args=[cast.enterprise_a.id, permit.id]), changed)
    assert response.status_code == 302
    page = _file(client, cast.enterprise_a)
    assert "91141025MA0000001002Q" in page
    assert "91141025MA0000001001P" not in page
    assert "SO2 45.6 t/a" not in page
    assert "COD 8.5 t/a" in page
    permit.refresh_from_db()
    assert (permit.valid_to, permit.annual_caps) == (date(2028, 5, 31), {"PM": 12.325, "NOx": 182, "COD": 8.5})

    confirm = client.get(reverse("org:enterprise_permit_delete", args=[cast.enterprise_a.id, permit.id]))
    assert confirm.status_code == 200
    assert "Remove the discharge permit 91141025MA0000001002Q?" in confirm.content.decode()
    assert DischargePermit.objects.count() == 1  # asking is not removing
    response = client.post(reverse("org:enterprise_permit_delete", args=[cast.enterprise_a.id, permit.id]))
    assert response.status_code == 302
    assert DischargePermit.objects.count() == 0
    page = _file(client, cast.enterprise_a)
    assert "No discharge permit is recorded for this enterprise." in page
    assert "The discharge permit 91141025MA0000001002Q was removed." in page


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"number": "  "}, "number", "This field is required."),
    ({"valid_from": "2029-06-01", "valid_to": "2024-05-31"}, "valid_to", "A permit cannot end before it begins."),
    ({"valid_to": "2034-06-02"}, "valid_to", "A permit is valid for at most 5 years."),
    ({"valid_from": "2024-02-30"}, "valid_from", "Enter a valid date."),
    ({"cap_SO2": "-1"}, "cap_SO2", "Sulphur dioxide (SO₂): a permitted emission cannot be negative."),
    ({"cap_NOx": "1.2345"}, "cap_NOx", "Nitrogen oxides (NOx): give tonnes with at most 3 decimals."),
    ({"cap_PM": "2000000"}, "cap_PM", "Particulate matter (PM): at most 1,000,000 t/a."),
    ({"cap_COD": "viel"}, "cap_COD", "Enter a number."),
])
def test_bad_facts_are_refused_with_the_reason_and_nothing_is_stored(cast, client_for, change, field, message):
    _permit(cast.enterprise_a, "甲许可-0001")
    before = _stored()
    client = client_for(cast.users["bureau"])
    response = client.post(reverse("org:enterprise_permit_new", args=[cast.enterprise_a.id]), {**GOOD, **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["permit_form"].errors[field]
    assert 'data-testid="permit-add" open' in response.content.decode()  # the form stays open with its values
    assert _stored() == before
    edit = client.post(reverse("org:enterprise_permit_edit", args=[cast.enterprise_a.id, _first_id()]),
                       {**GOOD, **change})
    assert edit.status_code == 400
    assert message in edit.content.decode()
    assert _stored() == before


def _first_id() -> int:
    from lanqing.org.models import DischargePermit

    return DischargePermit.objects.order_by("id").values_list("id", flat=True)[0]


def test_a_number_already_recorded_is_refused_naming_the_clash(cast, client_for):
    mine = _permit(cast.enterprise_a, "甲许可-0001")
    _permit(cast.enterprise_b, "乙许可-0002")
    before = _stored()
    client = client_for(cast.users["bureau"])
    response = client.post(reverse("org:enterprise_permit_new", args=[cast.enterprise_a.id]),
                           {**GOOD, "number": "乙许可-0002"})
    assert response.status_code == 400
    assert "The permit number 乙许可-0002 is already recorded for 乙焦化有限公司." in response.content.decode()
    response = client.post(reverse("org:enterprise_permit_edit", args=[cast.enterprise_a.id, mine.id]),
                           {**GOOD, "number": " 甲许可-0001 "})
    assert response.status_code == 302  # its own number is no clash
    # The same number in other letter case is the same permit.
    response = client.post(reverse("org:enterprise_permit_new", args=[cast.enterprise_b.id]),
                           {**GOOD, "number": "甲许可-0001".lower()})
    assert response.status_code == 400
    assert "already recorded for 甲焦化有限公司" in response.content.decode()
    assert [row[:2] for row in _stored()] == [row[:2] for row in before]


def test_a_clash_in_another_county_is_not_named(cast, outsider):
    from lanqing.org.permits import PermitRefused, permit_create

    bureau, enterprise = outsider
    _permit(cast.enterprise_b, "乙许可-0002")
    with pytest.raises(PermitRefused) as refused:
        permit_create(by=bureau, enterprise=enterprise, number="乙许可-0002", issued_by="临汾市生态环境局",
                      valid_from=date(2024, 1, 1), valid_to=date(2028, 12, 31), annual_caps={})
    assert refused.value.errors == {"number": "The permit number 乙许可-0002 is already recorded for an enterprise "
                                              "outside your jurisdiction."}
    assert _stored()[0][1] == "乙许可-0002"  # nothing added in the other county
    assert len(_stored()) == 1


def test_the_services_refuse_a_pollutant_a_permit_does_not_cap(cast):
    from django.core.exceptions import ValidationError

    from lanqing.org.permits import PermitRefused, permit_create

    with pytest.raises(PermitRefused) as refused:
        permit_create(by=cast.users["bureau"], enterprise=cast.enterprise_a, number="甲许可-0009",
                      issued_by="临汾市生态环境局", valid_from=date(2024, 1, 1), valid_to=date(2028, 12, 31),
                      annual_caps={"SO2": 1, "VOCs": 2, "Hg": True})
    assert refused.value.errors["annual_caps"] == ("A permit caps only PM, SO2, NOx, COD, NH3-N, TN, TP; not Hg, "
                                                   "VOCs.")
    assert _stored() == []
    # The admin's form asks the model, which knows the same pollutants.
    permit = _permit(cast.enterprise_a, "甲许可-0010", annual_caps={"VOCs": 1.0})
    with pytest.raises(ValidationError):
        permit.full_clean()


def test_an_enterprise_reads_its_permits_without_buttons_and_cannot_keep_them(cast, client_for):
    mine = _permit(cast.enterprise_a, "甲许可-0001")
    theirs = _permit(cast.enterprise_b, "乙许可-0002")
    before = _stored()
    client = client_for(cast.users["enterprise_a"])
    page = _file(client, cast.enterprise_a)
    assert "甲许可-0001" in page
    for button in ('data-testid="permit-form"', 'data-testid="permit-edit"', 'data-testid="permit-remove"',
                   "/permits/"):
        assert button not in page
    urls = _urls(cast.enterprise_a, mine)
    assert client.post(urls["new"], GOOD).status_code == 403
    assert client.get(urls["edit"]).status_code == 403
    assert client.post(urls["edit"], GOOD).status_code == 403
    assert client.get(urls["delete"]).status_code == 403
    assert client.post(urls["delete"]).status_code == 403
    # Another enterprise's permit, under its own address or smuggled under this one's, is not found.
    assert client.post(_urls(cast.enterprise_b, theirs)["new"], GOOD).status_code == 404
    for enterprise in (cast.enterprise_b, cast.enterprise_a):
        for url in (_urls(enterprise, theirs)["edit"], _urls(enterprise, theirs)["delete"]):
            assert client.get(url).status_code == 404, url
            assert client.post(url, GOOD).status_code == 404, url
    assert _stored() == before


@pytest.mark.parametrize(("role", "answer"), [("township_a", 403), ("grid_a", 403), ("leader", 403),
                                              ("department", 404), ("township_b", 404)])
def test_other_government_users_cannot_keep_permits(cast, client_for, role, answer):
    permit = _permit(cast.enterprise_a, "甲许可-0001")
    before = _stored()
    client = client_for(cast.users[role])
    if answer == 403:
        page = _file(client, cast.enterprise_a)
        assert "甲许可-0001" in page
        assert "/permits/" not in page
    urls = _urls(cast.enterprise_a, permit)
    assert client.post(urls["new"], GOOD).status_code == answer
    assert client.get(urls["edit"]).status_code == answer
    assert client.post(urls["edit"], {**GOOD, "number": "X-1"}).status_code == answer
    assert client.get(urls["delete"]).status_code == answer
    assert client.post(urls["delete"]).status_code == answer
    assert _stored() == before


def test_a_bureau_of_another_county_finds_nothing(cast, client_for, outsider):
    permit = _permit(cast.enterprise_a, "甲许可-0001")
    before = _stored()
    client = client_for(outsider[0])
    assert client.get(reverse("org:enterprise", args=[cast.enterprise_a.id])).status_code == 404
    urls = _urls(cast.enterprise_a, permit)
    assert client.post(urls["new"], GOOD).status_code == 404
    for url in (urls["edit"], urls["delete"]):
        assert client.get(url).status_code == 404
        assert client.post(url, GOOD).status_code == 404
    assert _stored() == before


def test_the_audit_trail_records_each_change_with_the_clerk(cast, client_for):
    from lanqing.audit.models import AuditRecord
    from lanqing.org.models import DischargePermit

    client = client_for(cast.users["bureau"])
    client.post(reverse("org:enterprise_permit_new", args=[cast.enterprise_a.id]), GOOD)
    permit = DischargePermit.objects.get()
    client.post(reverse("org:enterprise_permit_edit", args=[cast.enterprise_a.id, permit.id]),
                {**GOOD, "cap_SO2": "40"})
    client.post(reverse("org:enterprise_permit_delete", args=[cast.enterprise_a.id, permit.id]))
    records = list(AuditRecord.objects.filter(object_type="org.dischargepermit", object_id=str(permit.id))
                   .order_by("id"))
    assert [r.change for r in records] == ["created", "updated", "deleted"]
    assert {(r.actor_id, r.channel) for r in records} == {(cast.users["bureau"].id, "web")}
    assert records[0].after["number"] == "91141025MA0000001001P"
    assert records[1].before == {"annual_caps": {"PM": 12.325, "SO2": 45.6, "NOx": 182}}
    assert records[1].after == {"annual_caps": {"PM": 12.325, "SO2": 40, "NOx": 182}}
    assert records[2].before["number"] == "91141025MA0000001001P"
    assert records[2].source == f"POST /org/enterprises/{cast.enterprise_a.id}/permits/{permit.id}/delete/"
    # The bureau finds the removed permit in the trail.
    page = client.get(reverse("audit:list"), {"q": "91141025MA0000001001P"}).content.decode()
    assert page.count("91141025MA0000001001P") >= 3


@pytest.fixture
def outsider(cast):
    """A bureau user of another county (洪洞县) and an enterprise there."""
    from lanqing.org.accounts import user_create
    from lanqing.org.credit_code import make_credit_code
    from lanqing.org.models import Enterprise, Jurisdiction, Unit

    county = Jurisdiction.objects.create(code="141024000000", name="洪洞县", level="county",
                                         parent=Jurisdiction.objects.get(code="141000000000"))
    township = Jurisdiction.objects.create(code="141024100000", name="大槐树镇", level="township", parent=county)
    Unit.objects.create(name="临汾市生态环境局洪洞县分局", kind="bureau", jurisdiction=county)
    enterprise = Enterprise.objects.create(credit_code=make_credit_code("91141024MA0000009"), name="丙化工有限公司",
                                           industry=cast.enterprise_a.industry, township=township)
    user = user_create(username="hongdong", password="x-correct-horse-9", role="bureau",
                       scope="临汾市生态环境局洪洞县分局", full_name="hongdong")
    return user, enterprise


def test_a_permit_is_found_only_under_its_own_enterprises_address(cast, client_for):
    theirs = _permit(cast.enterprise_b, "乙许可-0002")
    before = _stored()
    client = client_for(cast.users["bureau"])
    for url in (_urls(cast.enterprise_a, theirs)["edit"], _urls(cast.enterprise_a, theirs)["delete"]):
        assert client.get(url).status_code == 404
        assert client.post(url, {**GOOD, "number": "乙许可-0003"}).status_code == 404
    assert _stored() == before


def test_the_form_and_its_refusals_read_in_chinese_by_default(cast, client_for, settings):
    from django.utils import translation

    client = client_for(cast.users["bureau"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    with translation.override("zh-hans"):
        page = _file(client, cast.enterprise_a)
        response = client.post(reverse("org:enterprise_permit_new", args=[cast.enterprise_a.id]),
                               {**GOOD, "cap_SO2": "-3"})
    assert "登记排污许可证" in page
    assert "二氧化硫（SO₂）" in page
    assert response.status_code == 400
    assert "二氧化硫（SO₂）：许可排放量不能为负数。" in response.content.decode()
    assert _stored() == []
