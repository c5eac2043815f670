"""The clean-heating ledger: ID numbers, personal data only for the township and the bureau, the Excel layout,
progress, and a household back on coal opening a case."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from tests.cases.conftest import PNG
from tests.yearwork.conftest import LI, WANG, id_number


def workbook(*rows) -> bytes:
    from lanqing.yearwork.heating import HEADERS_ZH

    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS_ZH)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_id_numbers_are_checked_by_gb_11643():
    from lanqing.yearwork.heating import id_number_problem

    assert id_number_problem(WANG) is None
    assert id_number_problem("11010519491231002X") is None  # the standard's own example
    wrong = WANG[:17] + ("0" if WANG[17] != "0" else "1")
    assert id_number_problem(wrong) == "the check digit of the ID number is wrong"
    assert id_number_problem(id_number("14102519650231001")) == "the birth date inside the ID number does not exist"
    assert id_number_problem("1410251965") is not None


@pytest.mark.parametrize(("role", "personal"), [
    ("bureau", True), ("township_a", True), ("leader", False), ("department", False), ("grid_a", False)])
def test_heads_and_id_numbers_show_only_to_the_township_and_the_bureau(ledger, client_for, role, personal):
    client = client_for(ledger.users[role])
    page = client.get("/yearwork/heating/").content.decode()
    exported = load_workbook(io.BytesIO(client.get("/yearwork/heating/", {"export": "xlsx"}).content)).active
    text = page + " ".join(str(c) for row in exported.iter_rows(values_only=True) for c in row)
    assert ("王大山" in text) == personal
    assert (WANG in text) == personal
    if not personal:
        assert "王**" in text
        assert WANG[:6] + "*" * 10 + WANG[-2:] in text
    from lanqing.yearwork.models import Household

    detail = client.get(f"/yearwork/heating/{Household.objects.get(id_number=WANG).id}/").content.decode()
    assert (WANG in detail) == personal


def test_another_township_sees_neither_the_households_nor_their_data(ledger, client_for):
    from lanqing.yearwork.models import Household

    client = client_for(ledger.users["township_b"])
    page = client.get("/yearwork/heating/").content.decode()
    assert "赵铁柱" in page
    assert "王" not in page.split("household-table")[1]
    assert client.get(f"/yearwork/heating/{Household.objects.get(id_number=WANG).id}/").status_code == 404
    # Searching by ID number finds nothing outside one's scope either.
    assert WANG not in client.get("/yearwork/heating/", {"q": WANG[:10]}).content.decode()


def test_bad_rows_are_named_and_nothing_is_written(ledger):
    from lanqing import texts
    from lanqing.yearwork.heating import households_import
    from lanqing.yearwork.models import Household

    new = id_number("14102519900101011")
    wrong_check = new[:17] + ("0" if new[17] != "0" else "1")
    rows = [("岳阳镇", ledger.yueyang_village.name, "孙一", new, "", "散煤", "煤改电", "2020-11-01", 3000, 0),
            ("岳阳镇", ledger.yueyang_village.name, "孙二", new, "", "散煤", "", "", 0, 0),
            ("岳阳镇", ledger.yueyang_village.name, "孙三", wrong_check, "", "散煤", "", "", -5, "三千"),
            ("岳阳镇", ledger.yueyang_village.name, "孙四", id_number("14102519910101012"), "", "烧炕", "", "", 0, 0)]
    count, errors = households_import(by=ledger.users["bureau"], data=workbook(*rows))
    assert count == 0
    assert Household.objects.count() == 3
    assert [texts.render(e) for e in errors] == [
        "Row 3, column 身份证号: the same ID number is in row 2",
        "Row 4, column 身份证号: the check digit of the ID number is wrong",
        "Row 4, column 核定补贴（元）: “-5” is not an amount of yuan (0 or more)",
        "Row 4, column 已发补贴（元）: “三千” is not an amount of yuan (0 or more)",
        "Row 5, column 改造前取暖方式: “烧炕” is not a heating route (散煤、洁净煤、煤改气、煤改电、集中供热、生物质、其他)",
    ]


def test_a_ledger_without_the_id_number_column_is_refused_on_row_one(ledger):
    from lanqing import texts
    from lanqing.yearwork.heating import HEADERS_ZH, households_import
    from lanqing.yearwork.models import Household

    book = Workbook()
    book.active.append([name for name in HEADERS_ZH if name != "身份证号"])
    buffer = io.BytesIO()
    book.save(buffer)
    count, errors = households_import(by=ledger.users["bureau"], data=buffer.getvalue())
    assert (count, Household.objects.count()) == (0, 3)
    assert [texts.render(e) for e in errors] == [
        "Row 1, column 身份证号: the header lacks this column; use the layout of the exported list"]


def test_a_township_cannot_write_another_townships_ledger(ledger):
    from lanqing import texts
    from lanqing.yearwork.heating import households_import

    row = ("北平镇", ledger.beiping_village.name, "钱五", id_number("14102519880808013"), "", "散煤", "", "", 0, 0)
    count, errors = households_import(by=ledger.users["township_a"], data=workbook(row))
    assert count == 0
    assert texts.render(errors[0]) == "Row 2, column 乡镇: no township named “北平镇” within your jurisdiction"


def test_an_id_number_of_another_village_is_refused(ledger):
    from lanqing import texts
    from lanqing.yearwork.heating import households_import

    row = ("北平镇", ledger.beiping_village.name, "王大山", WANG, "", "散煤", "", "", 0, 0)
    _count, errors = households_import(by=ledger.users["bureau"], data=workbook(row))
    assert "already in the ledger for another village" in texts.render(errors[0])


def test_the_export_imports_back_without_changing_anything(ledger, client_for):
    from lanqing.yearwork.heating import households_import
    from lanqing.yearwork.models import Household

    def state():
        return list(Household.objects.order_by("id").values_list(
            "id", "township", "village", "head_name", "id_number", "address", "heating_before", "heating_after",
            "converted_on", "subsidy_granted", "subsidy_paid"))

    before = state()
    exported = client_for(ledger.users["bureau"]).get("/yearwork/heating/", {"export": "xlsx"}).content
    count, errors = households_import(by=ledger.users["bureau"], data=exported)
    assert errors == []
    assert count == 3
    assert state() == before


def test_progress_per_village_and_township(ledger, client_for):
    from lanqing.yearwork.heating import heating_progress

    villages, townships = heating_progress(user=ledger.users["bureau"], year=2020)
    by_name = {r.place.name: (r.target, r.converted, r.households, r.share) for r in villages}
    assert by_name[ledger.yueyang_village.name] == (4, 1, 2, 25)
    assert by_name[ledger.beiping_village.name] == (2, 1, 1, 50)
    assert {r.place.name: r.share for r in townships} == {"岳阳镇": 25, "北平镇": 50}
    page = client_for(ledger.users["township_a"]).get("/yearwork/heating/progress/", {"year": 2020}).content.decode()
    assert "岳阳镇" in page
    assert "北平镇" not in page


def test_a_household_back_on_coal_opens_a_case_without_personal_data(ledger, client_for):
    from lanqing.cases.models import Case
    from lanqing.yearwork.models import Household, Visit

    household = Household.objects.get(id_number=WANG)
    response = client_for(ledger.users["township_a"]).post(f"/yearwork/heating/{household.id}/visits/", {
        "visited_on": "2020-12-15", "back_on_coal": "on", "note": "院内堆放散煤",
        "photo": SimpleUploadedFile("coal.png", PNG, content_type="image/png")})
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.case is not None
    assert visit.photo
    case = Case.objects.get()
    assert case.category == "inspection"
    assert case.township == ledger.yueyang
    shown = case.display_title + case.display_description
    assert "王大山" not in shown
    assert WANG not in shown
    assert ledger.yueyang_village.name in shown


def test_a_visit_that_finds_no_coal_opens_no_case(ledger):
    from lanqing.cases.models import Case
    from lanqing.yearwork.heating import visit_record
    from lanqing.yearwork.models import Household

    visit_record(household=Household.objects.get(id_number=LI), by=ledger.users["bureau"],
                 visited_on=date(2020, 12, 1), back_on_coal=False)
    assert not Case.objects.exists()


def test_a_township_sets_its_villages_targets_and_coal_free_zones_only(ledger, client_for):
    from lanqing.yearwork.models import VillageHeating

    client = client_for(ledger.users["township_a"])
    response = client.post("/yearwork/heating/villages/", {
        "village": ledger.yueyang_village.id, "year": 2021, "households_target": 30, "coal_free_zone": "on"})
    assert response.status_code == 302
    row = VillageHeating.objects.get(village=ledger.yueyang_village, year=2021)
    assert row.households_target == 30
    assert row.coal_free_zone
    client.post("/yearwork/heating/villages/", {"village": ledger.beiping_village.id, "year": 2021,
                                                 "households_target": 30})
    assert not VillageHeating.objects.filter(village=ledger.beiping_village, year=2021).exists()


def test_progress_stays_true_through_imports_moves_saves_and_deletions(ledger):
    from django.db.models import Count, Q

    from lanqing.yearwork.heating import heating_progress, households_import
    from lanqing.yearwork.models import Household

    def shown():
        villages, _townships = heating_progress(user=ledger.users["bureau"], year=2020)
        return {r.place.id: (r.households, r.converted) for r in villages if r.households}

    def counted():
        return {v: (total, converted) for v, total, converted in Household.objects.values("village").annotate(
            total=Count("id"), converted=Count("id", filter=Q(converted_on__year=2020))).values_list(
            "village", "total", "converted")}

    other = id_number("14102519900101011")
    # Li is converted; a new household arrives; Wang's conversion is dated a year later.
    count, errors = households_import(by=ledger.users["bureau"], data=workbook(
        ("岳阳镇", ledger.yueyang_village.name, "李小梅", LI, "", "散煤", "煤改电", "2020-12-01", 0, 0),
        ("岳阳镇", ledger.yueyang_village.name, "孙一", other, "", "散煤", "", "", 0, 0),
        ("岳阳镇", ledger.yueyang_village.name, "王大山", WANG, "", "散煤", "煤改气", "2021-01-05", 0, 0)))
    assert (count, errors) == (3, [])
    assert shown() == counted()
    assert shown()[ledger.yueyang_village.id] == (3, 1)
    # Moved to another village one at a time (the admin), then deleted.
    household = Household.objects.get(id_number=other)
    household.village, household.township = ledger.beiping_village, ledger.beiping
    household.save()
    assert shown() == counted()
    assert shown()[ledger.beiping_village.id] == (2, 1)
    Household.objects.get(id_number=LI).delete()
    assert shown() == counted()
    assert shown()[ledger.yueyang_village.id] == (1, 0)
