"""Target responsibility letters: each signed target tracked against the figure lanqing measures, with the time
it was computed; the signed letter kept as a file; each party sees its own letters."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.cases.conftest import PDF
from tests.yearwork.conftest import SHANGHAI

YEAR_END = datetime(2020, 12, 31, 18, 0, tzinfo=SHANGHAI)


@pytest.fixture
def letters(ledger):
    from lanqing.yearwork.letters import letter_create

    bureau = ledger.users["bureau"]
    ledger.letter_a = letter_create(by=bureau, jurisdiction=ledger.county, year=2020, township=ledger.yueyang,
                                    signed_file=SimpleUploadedFile("岳阳镇责任书.pdf", PDF))
    ledger.letter_b = letter_create(by=bureau, jurisdiction=ledger.county, year=2020, township=ledger.beiping)
    ledger.letter_unit = letter_create(by=bureau, jurisdiction=ledger.county, year=2020, unit=ledger.department)
    return ledger


def _cases(cast, *, on_time: int, late: int, open_late: int):
    from lanqing.cases.models import Case

    deadline = datetime(2020, 6, 30, 18, 0, tzinfo=SHANGHAI)
    for n in range(on_time + late + open_late):
        closed = deadline - timedelta(days=1) if n < on_time else (
            deadline + timedelta(days=3) if n < on_time + late else None)
        Case.objects.create(number=f"T{n}", title="x", category="inspection", source="inspection",
                            jurisdiction=cast.yueyang, township=cast.yueyang, lead_unit=cast.department,
                            state="closed" if closed else "in_progress", deadline_at=deadline, closed_at=closed,
                            created_at=deadline - timedelta(days=10), updated_at=deadline)


def test_households_and_cases_on_time_are_measured_from_lanqings_own_records(letters):
    from lanqing.yearwork.letters import letter_target_add

    _cases(letters, on_time=3, late=1, open_late=1)
    bureau = letters.users["bureau"]
    homes = letter_target_add(by=bureau, letter=letters.letter_a, measure="households",
                              description="完成清洁取暖改造", target_value=Decimal(4), now=YEAR_END)
    on_time = letter_target_add(by=bureau, letter=letters.letter_a, measure="cases_on_time",
                                description="督办案件按期办结率", target_value=Decimal(90), now=YEAR_END)
    homes.refresh_from_db()
    on_time.refresh_from_db()
    # One household of 岳阳镇 was converted in 2020 (王大山); the target was 4.
    assert (homes.measured, homes.met, homes.measured_at) == (Decimal(1), False, YEAR_END)
    # 3 of the 5 cases due were closed by their deadline: 60.0 %, short of 90.
    assert (on_time.measured, on_time.met) == (Decimal("60.0"), False)


def test_the_unit_is_measured_by_the_cases_it_leads(letters):
    from lanqing.yearwork.letters import letter_target_add

    _cases(letters, on_time=4, late=0, open_late=0)
    target = letter_target_add(by=letters.users["bureau"], letter=letters.letter_unit, measure="cases_on_time",
                               description="按期办结率", target_value=Decimal(90), now=YEAR_END)
    target.refresh_from_db()
    assert (target.measured, target.met) == (Decimal("100.0"), True)


def test_an_air_target_without_enough_data_says_so_instead_of_a_number(letters):
    from lanqing import texts
    from lanqing.yearwork.letters import letter_target_add

    target = letter_target_add(by=letters.users["bureau"], letter=letters.letter_a, measure="pm25_mean",
                               description="PM2.5年均浓度", target_value=Decimal(45), at_most=True,
                               site=letters.air_station, now=YEAR_END)
    target.refresh_from_db()
    assert target.measured is None
    assert target.met is None
    assert target.measured_at == YEAR_END
    assert texts.render(target.basis_text) == "Not enough valid days at 县城空气站 (2020-01-01 to 2020-12-30)."


def test_an_air_target_is_measured_by_the_standards_engine(letters):
    from lanqing.monitoring.models import Factor, Measurement, Point
    from lanqing.yearwork.measured import air_year

    # Every hour of 2020-01-01 … 2020-12-31 at the station: PM2.5 30 µg/m³, the other pollutants low.
    point = Point.objects.get(site=letters.air_station)
    values = {"a34004": 30.0, "a34002": 50.0, "a21026": 10.0, "a21004": 20.0, "a21005": 0.5, "a05024": 60.0}
    factors = {f.code: f for f in Factor.objects.filter(code__in=values)}
    start = datetime(2020, 1, 1, tzinfo=SHANGHAI)
    rows = [Measurement(point=point, factor=factors[code], period="hour", time=start + timedelta(hours=h),
                        value=value, flag="N") for h in range(366 * 24) for code, value in values.items()]
    Measurement.objects.bulk_create(rows, batch_size=5000)
    pm25, good, _first, days = air_year(letters.air_station, year=2020, today=YEAR_END.date() + timedelta(days=1))
    assert days == 366
    assert pm25 == 30.0
    assert good == 100.0


def test_each_party_sees_its_own_letters_and_the_signed_file(letters, client_for):
    assert "岳阳镇" in client_for(letters.users["township_a"]).get("/yearwork/letters/").content.decode()
    client = client_for(letters.users["township_b"])
    assert client.get(f"/yearwork/letters/{letters.letter_a.id}/").status_code == 404
    assert client.get(f"/yearwork/letters/{letters.letter_b.id}/").status_code == 200
    department = client_for(letters.users["department"])
    assert department.get(f"/yearwork/letters/{letters.letter_unit.id}/").status_code == 200
    assert department.get(f"/yearwork/letters/{letters.letter_a.id}/").status_code == 404
    bureau = client_for(letters.users["bureau"])
    response = bureau.get(f"/yearwork/letters/{letters.letter_a.id}/file/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_letter_names_one_party(letters):
    from lanqing.yearwork.letters import LetterError, letter_create

    with pytest.raises(LetterError):
        letter_create(by=letters.users["bureau"], jurisdiction=letters.county, year=2021, township=letters.yueyang,
                      unit=letters.department)
    with pytest.raises(LetterError):
        letter_create(by=letters.users["bureau"], jurisdiction=letters.county, year=2020, township=letters.yueyang)


def _letter_book(*rows) -> bytes:
    import io

    from openpyxl import Workbook

    from lanqing.yearwork.letter_table import HEADERS_ZH

    book = Workbook()
    sheet = book.active
    sheet.title = "责任书"
    sheet.append(HEADERS_ZH)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _letter_state():
    from lanqing.yearwork.models import Letter, LetterTarget

    return (list(Letter.objects.order_by("id").values_list("id", "year", "township", "unit", "file")),
            list(LetterTarget.objects.order_by("id").values_list(
                "id", "letter", "measure", "description", "target_value", "at_most", "site", "measured",
                "measured_at")))


def test_the_letters_export_imports_back_without_changing_anything(letters, client_for):
    from lanqing.yearwork.letter_table import letters_import
    from lanqing.yearwork.letters import letter_target_add

    bureau = letters.users["bureau"]
    letter_target_add(by=bureau, letter=letters.letter_a, measure="households", description="完成清洁取暖改造",
                      target_value=Decimal(4), now=YEAR_END)
    letter_target_add(by=bureau, letter=letters.letter_unit, measure="other", description="完成矿山修复验收",
                      target_value=Decimal("120.5"), measured=Decimal("80.25"), now=YEAR_END)
    letter_target_add(by=bureau, letter=letters.letter_b, measure="pm25_mean", description="PM2.5年均浓度",
                      target_value=Decimal(45), at_most=True, site=letters.air_station, now=YEAR_END)
    before = _letter_state()
    exported = client_for(bureau).get("/yearwork/letters/", {"export": "xlsx"}).content
    assert letters_import(by=bureau, data=exported, file_name="letters.xlsx") == (3, [])
    assert _letter_state() == before


def test_an_import_adds_a_letter_and_its_targets_and_computes_them(letters):
    from lanqing.yearwork.letter_table import letters_import
    from lanqing.yearwork.models import Letter

    count, errors = letters_import(by=letters.users["bureau"], file_name="l.xlsx", data=_letter_book(
        (2021, "岳阳镇", "", "清洁取暖改造户数", "完成清洁取暖改造", 10, "否", "", ""),
        (2021, "", letters.department.name, "其他", "完成矿山修复验收", 100, "否", "", 30)))
    assert (count, errors) == (2, [])
    township_letter = Letter.objects.get(year=2021, township=letters.yueyang)
    target = township_letter.targets.get()
    assert (target.measure, target.target_value, target.measured_at is not None) == ("households", 10, True)
    other = Letter.objects.get(year=2021, unit=letters.department).targets.get()
    assert (other.measured, other.met) == (Decimal("30.00"), False)


def test_bad_letter_rows_are_named_and_nothing_is_written(letters):
    from lanqing import texts
    from lanqing.yearwork.letter_table import letters_import

    before = _letter_state()
    count, errors = letters_import(by=letters.users["bureau"], file_name="l.xlsx", data=_letter_book(
        (2020, "岳阳镇", letters.department.name, "PM2.5", "", "-1", "也许", "NOPE", ""),
        ("明年", "南山镇", "", "其他", "目标", 1, "", "", "")))
    assert count == 0
    assert _letter_state() == before
    assert [texts.render(e) for e in errors] == [
        "Sheet 责任书, row 2, column 乡镇: name either a township or a unit, not both or neither",
        "Sheet 责任书, row 2, column 考核指标: “PM2.5” is not a measure "
        "(PM2.5年均浓度、优良天数比例、清洁取暖改造户数、断面水质类别、案件按期办结率、其他)",
        "Sheet 责任书, row 2, column 目标: the target is empty or longer than 200 characters",
        "Sheet 责任书, row 2, column 目标值: “-1” is not a number (0 or more)",
        "Sheet 责任书, row 2, column 不超过: “也许” is neither 是 nor 否",
        "Sheet 责任书, row 2, column 站点编码: no site you see has the code “NOPE”",
        "Sheet 责任书, row 3, column 年度: “明年” is not a year (2020)",
        "Sheet 责任书, row 3, column 乡镇: no township named “南山镇” in this county",
    ]
