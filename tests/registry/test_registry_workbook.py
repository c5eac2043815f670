"""`lanqing registry import|export`: the registry workbook through the command line."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from lanqing.cli import main
from lanqing.monitoring.models import Device, DeviceKey, Point, Site
from lanqing.org.credit_code import make_credit_code
from lanqing.org.models import Enterprise, Industry, Unit

pytestmark = pytest.mark.django_db

NEW_CREDIT_CODE = make_credit_code("91141025MA0000009")


def _snapshot() -> dict:
    """Every registry row as stored, to compare before and after an import."""
    return {
        model.__name__: sorted(map(repr, model.objects.order_by("pk").values()))
        for model in (Unit, Industry, Enterprise, Site, Point, Device, DeviceKey)
    }


def _export(tmp_path, name="registry.xlsx"):
    path = tmp_path / name
    assert main(["registry", "export", str(path)]) == 0
    return path


def _book(path):
    return load_workbook(path)


def _import(path, capsys, expect=0) -> str:
    assert main(["registry", "import", str(path)]) == expect
    captured = capsys.readouterr()
    return captured.err if expect else captured.out


def _add_rows(path, rows_by_sheet: dict[str, list[list]], out=None):
    book = load_workbook(path)
    for index, rows in rows_by_sheet.items():
        sheet = book.worksheets[index]
        for row in rows:
            sheet.append(row)
    book.save(out or path)
    return out or path


def test_an_export_imported_again_changes_nothing(cast, tmp_path, capsys):
    path = _export(tmp_path)
    before = _snapshot()
    _import(path, capsys)
    assert _snapshot() == before


def test_a_new_registry_is_imported_and_importing_it_twice_changes_nothing(cast, tmp_path, capsys):
    path = _add_rows(_export(tmp_path), {
        0: [["古县工业和信息化局", "工信局", "department", "141025000000", "", ""]],
        1: [[NEW_CREDIT_CODE, "丙电力有限公司", "4411", "火力发电", "141025100000", "141025100005", "", 111.92,
             36.27, "", "", "active"]],
        2: [["OUT-C", "outlet", "丙公司锅炉烟囱", "141025100005", NEW_CREDIT_CODE, "gas", "", "", "",
             "GB13223-2011:coal:existing", 6, "yes"],
            ["W-01", "water", "涧河断面", "141025100000", "", "", "", "", "Ⅲ", "", "", "yes"]],
        3: [["OUT-C", "1", "1#"], ["W-01", "1", "1#"]],
        4: [["MNOUTC01", "OUT-C", "1", "2017", "pw1234", "", "", "", "", "", "", "", "", ""],
            ["MNW01", "W-01", "1", "2017", "", "", "", "", "", "", "", "", "", ""]],
    })
    assert "新建 2 条" in _import(path, capsys)
    site = Site.objects.get(code="OUT-C")
    assert (site.enterprise.credit_code, site.limit_set, float(site.reference_o2)) == (
        NEW_CREDIT_CODE, "GB13223-2011:coal:existing", 6.0)
    assert Site.objects.get(code="W-01").target_class == 3
    assert Device.objects.get(mn="MNOUTC01").check_password("pw1234")
    before = _snapshot()
    assert "新建 0 条，更新 0 条" in _import(path, capsys)
    assert _snapshot() == before


@pytest.fixture
def english(monkeypatch):
    from django.utils import translation

    # The command speaks LANQING_LANGUAGE; the override is for what the test itself renders.
    monkeypatch.setenv("LANQING_LANGUAGE", "en")
    with translation.override("en"):
        yield


def _refused(path, capsys) -> list[str]:
    """Imports a workbook that must be refused as a whole; returns the report's lines."""
    before = _snapshot()
    err = _import(path, capsys, expect=1)
    assert _snapshot() == before
    return err.splitlines()


def test_a_missing_sheet_is_named_and_nothing_is_written(cast, tmp_path, capsys, english):
    path = _export(tmp_path)
    book = load_workbook(path)
    del book["Points"]
    book.save(path)
    assert _refused(path, capsys)[0] == (
        "registry.xlsx: sheet Points: the sheet Points is missing (every sheet of the template is needed, even "
        "when empty)")


def test_merged_cells_and_formulas_are_reported_by_cell(cast, tmp_path, capsys, english):
    path = _export(tmp_path)
    book = load_workbook(path)
    sites = book["Sites"]
    sites.append(["AIR-02", "air", "=A2&\"x\"", "141025100000"])
    sites.merge_cells("E5:F5")
    book.save(path)
    lines = _refused(path, capsys)
    assert "registry.xlsx: sheet Sites, row 5, column E : merged cells E5:F5: unmerge them and fill in every cell" \
        in lines
    assert ("registry.xlsx: sheet Sites, row 5, column C (Site name): a formula: enter the value itself (copy, "
            "paste as values)") in lines


def test_a_gbk_csv_renamed_to_xlsx_is_refused_with_a_reason(cast, tmp_path, capsys, english):
    path = tmp_path / "registry.xlsx"
    path.write_bytes("站点编码,名称\nAIR-02,县城第二空气站\n".encode("gbk"))
    assert _refused(path, capsys)[0] == (
        "registry.xlsx: the file is not an Excel .xlsx workbook (a CSV or .xls file renamed?); open it in Excel or "
        "WPS and save it as .xlsx, or download the template")


def test_a_workbook_of_100000_rows_is_refused_without_reading_it_all(cast, tmp_path, capsys, english):
    from lanqing.registry.workbook import SHEETS

    book = Workbook(write_only=True)
    for layout in SHEETS:
        sheet = book.create_sheet(layout.key)
        sheet.append([column.key for column in layout.columns])
        if layout.key == "devices":
            for number in range(100_000):
                sheet.append([f"MN{number:08d}", "AIR-01", "1", "2017"])
    path = tmp_path / "registry.xlsx"
    book.save(path)
    assert _refused(path, capsys)[0] == (
        "registry.xlsx: the workbook has more than 20000 rows; split it into several workbooks")


def test_duplicated_codes_and_bad_cells_are_all_reported_and_nothing_is_written(cast, tmp_path, capsys, english):
    path = _add_rows(_export(tmp_path), {
        1: [[NEW_CREDIT_CODE, "丙电力有限公司", "4411", "", "141025100000", "", "", 200, "", "", "", "active"]],
        2: [["AIR-02", "air", "第二空气站", "141025100000", "", "", "", "", "", "", "", "yes"],
            ["AIR-02", "air", "重复", "141025100000", "", "", "", "", "", "", "", "maybe"]],
        4: [["MNAIR01", "AIR-01", "1", "2019", "", "", "", "", "", "", "", "", "", ""]],
    })
    lines = _refused(path, capsys)
    assert lines[:-1] == [
        "registry.xlsx: sheet Enterprises, row 4, column C (Industry code (GB/T 4754)): no industry class 4411 is "
        "registered; give its name in the next column to add it",
        "registry.xlsx: sheet Enterprises, row 4, column H (Longitude): '200' is not a number from -180 to 180",
        "registry.xlsx: sheet Sites, row 6, column A (Site code): AIR-02 also appears on row 5",
        "registry.xlsx: sheet Sites, row 6, column L (In service): 'maybe' is not yes or no",
        "registry.xlsx: sheet Devices, row 5, column A (MN): MNAIR01 also appears on row 2",
        "registry.xlsx: sheet Devices, row 5, column D (Protocol): '2019' is not one of 2005, 2017, 2025",
    ]
    assert lines[-1] == "lanqing registry import: 6 errors; nothing was written."


def test_a_device_whose_site_is_on_a_bad_row_of_another_sheet_is_reported_there(cast, tmp_path, capsys, english):
    path = _add_rows(_export(tmp_path), {
        2: [["W-02", "water", "涧河断面", "141025100000", "", "", "", "", "Ⅵ", "", "", "yes"]],
        3: [["W-02", "1", "1#"]],
        4: [["MNW02", "W-02", "1", "2017", "", "", "", "", "", "", "", "", "", ""]],
    })
    assert _refused(path, capsys)[:-1] == [
        "registry.xlsx: sheet Sites, row 5, column I (Target water class): 'Ⅵ' is not one of Ⅰ, Ⅱ, Ⅲ, Ⅳ, Ⅴ",
        "registry.xlsx: sheet Points, row 5, column A (Site code): W-02 is on row 5 of the sheet Sites, which has "
        "errors",
        "registry.xlsx: sheet Devices, row 5, column C (Point code): W-02 / 1 is on row 5 of the sheet Points, "
        "which has errors",
    ]


def test_a_new_device_without_a_password_is_registered_disabled_until_one_is_set(cast, tmp_path, capsys):
    path = _add_rows(_export(tmp_path), {4: [["MNNEW01", "AIR-01", "1", "2017"]]})
    _import(path, capsys)
    device = Device.objects.get(mn="MNNEW01")
    assert not device.is_active
    assert not device.check_password("")
    _add_rows(path, {}, out=path)
    book = load_workbook(path)
    row = next(r for r in book["设备"].iter_rows(min_row=2) if r[0].value == "MNNEW01")
    row[4].value = "pw5678"
    book.save(path)
    _import(path, capsys)
    device.refresh_from_db()
    assert device.is_active
    assert device.check_password("pw5678")


def test_passwords_and_keys_never_appear_in_an_export(cast, tmp_path):
    device = Device.objects.get(mn="MNOUTA")
    device.protocol = "2025"
    device.set_password("secret-pw-1")
    device.save()
    from lanqing.monitoring.services import device_key_replace

    device_key_replace(device_id=device.id, raw=b"abcdefgh12345678")
    path = _export(tmp_path)
    with zipfile.ZipFile(path) as archive:
        text = b"".join(archive.read(name) for name in archive.namelist())
    assert b"secret-pw-1" not in text
    assert b"abcdefgh12345678" not in text
    assert device.password_hash.encode() not in text
    rows = list(load_workbook(path)["设备"].iter_rows(min_row=2, values_only=True))
    assert all(row[4] is None and row[5] is None for row in rows)


def test_text_that_looks_like_a_formula_is_exported_as_text_and_reads_back(cast, tmp_path, capsys):
    names = {"AIR-01": "=HYPERLINK(\"http://x\")", "OUT-A": "+1", "OUT-B": "-2"}
    for code, name in names.items():
        Site.objects.filter(code=code).update(name=name)
    Enterprise.objects.filter(pk=cast.enterprise_a.pk).update(address="@SUM(A1)")
    path = _export(tmp_path)
    with zipfile.ZipFile(path) as archive:
        sheets = [archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets/")]
    assert all(b"<f>" not in sheet and b"<f " not in sheet for sheet in sheets)
    before = _snapshot()
    assert "新建 0 条，更新 0 条" in _import(path, capsys)
    assert _snapshot() == before
    assert Site.objects.get(code="AIR-01").name == names["AIR-01"]


def test_text_starting_with_a_tab_is_exported_as_a_text_cell(cast, tmp_path):
    Enterprise.objects.filter(pk=cast.enterprise_a.pk).update(contact_name="\t=1+2")
    path = _export(tmp_path)
    row = next(r for r in load_workbook(path)["企业"].iter_rows(min_row=2) if r[1].value == "甲焦化有限公司")
    assert (row[9].value, row[9].data_type) == ("\t=1+2", "s")


def test_a_sheet_formatted_far_below_its_data_is_refused_rather_than_read_to_its_end(english):
    from openpyxl.styles import Font

    from lanqing.registry.workbook import SHEETS, workbook_read

    book = Workbook()
    book.remove(book.active)
    for layout in SHEETS:
        sheet = book.create_sheet(layout.key)
        sheet.append([column.key for column in layout.columns])
    for row in range(2, 60):
        book["sites"].cell(row=row, column=1).font = Font(bold=True)
    buffer = io.BytesIO()
    book.save(buffer)
    _sheets, errors = workbook_read(buffer.getvalue(), max_rows=10)
    assert [(e.sheet, e.reason["key"] % e.reason["params"]) for e in errors] == [
        ("sites", "the sheet runs past row 50; delete the empty rows below the data")]


def test_an_sm4_key_in_the_workbook_is_stored_sealed_once_and_a_bad_one_is_not_echoed(cast, tmp_path, capsys,
                                                                                      english):
    path = _add_rows(_export(tmp_path), {4: [["MNKEY01", "OUT-A", "1", "2025", "pw-key-1", "abcdefgh12345678"]]})
    _import(path, capsys)
    key = DeviceKey.objects.get(device__mn="MNKEY01")
    assert key.open() == b"abcdefgh12345678"
    assert b"abcdefgh12345678" not in bytes(key.sealed)
    _import(path, capsys)
    assert list(DeviceKey.objects.filter(device__mn="MNKEY01")) == [key]
    bad = _add_rows(_export(tmp_path, "bad.xlsx"), {4: [["MNKEY02", "OUT-A", "1", "2025", "", "short-secret"]]})
    lines = _refused(bad, capsys)
    assert lines[0] == ("bad.xlsx: sheet Devices, row 6, column F (SM4 key): the key is not 16 printable ASCII "
                        "characters")
    assert not any("short-secret" in line for line in lines)


def _device_cell(path, mn: str, column: int, value) -> None:
    book = load_workbook(path)
    row = next(r for r in book.worksheets[4].iter_rows(min_row=2) if r[0].value == mn)
    row[column].value = value
    book.save(path)


def test_the_commissioning_date_is_exported_imported_and_checked(cast, tmp_path, capsys, english):
    from datetime import date, timedelta

    from django.utils import timezone

    Device.objects.filter(mn="MNAIR01").update(commissioned_on=date(2024, 5, 1))
    path = _export(tmp_path)
    book = load_workbook(path)
    assert book.worksheets[4]["O1"].value == "Commissioning date"
    cell = next(r for r in book.worksheets[4].iter_rows(min_row=2) if r[0].value == "MNAIR01")[14]
    assert cell.value.date() == date(2024, 5, 1)
    before = _snapshot()
    _import(path, capsys)
    assert _snapshot() == before
    # Typed as text, the date is read too; the receiver then refuses data from before it.
    _device_cell(path, "MNAIR01", 14, "2024-06-02")
    _import(path, capsys)
    assert Device.objects.get(mn="MNAIR01").commissioned_on == date(2024, 6, 2)
    tomorrow = timezone.localdate() + timedelta(days=1)
    _device_cell(path, "MNAIR01", 14, "2024-13-01")
    _device_cell(path, "MNOUTA", 14, tomorrow)
    before = _snapshot()
    lines = _refused(path, capsys)
    assert lines[:-1] == [
        "registry.xlsx: sheet Devices, row 2, column O (Commissioning date): '2024-13-01' is not a date "
        "(YYYY-MM-DD)",
        f"registry.xlsx: sheet Devices, row 3, column O (Commissioning date): {tomorrow:%Y-%m-%d} is in the future",
    ]
    assert _snapshot() == before


def test_a_workbook_without_the_commissioning_date_column_keeps_the_stored_dates(cast, tmp_path, capsys):
    from datetime import date

    Device.objects.filter(mn="MNAIR01").update(commissioned_on=date(2024, 5, 1))
    path = _export(tmp_path)
    book = load_workbook(path)
    book.worksheets[4].delete_cols(15)
    book.save(path)
    before = _snapshot()
    _import(path, capsys)
    assert _snapshot() == before
