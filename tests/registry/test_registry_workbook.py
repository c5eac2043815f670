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
    out = _import(path, capsys)
    assert "0 created, 0 updated" in out
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
    out = _import(path, capsys)
    assert "sites: 2 created" in out and "devices: 2 created" in out
    site = Site.objects.get(code="OUT-C")
    assert (site.enterprise.credit_code, site.limit_set, float(site.reference_o2)) == (
        NEW_CREDIT_CODE, "GB13223-2011:coal:existing", 6.0)
    assert Site.objects.get(code="W-01").target_class == 3
    assert Device.objects.get(mn="MNOUTC01").check_password("pw1234")
    before = _snapshot()
    assert "0 created, 0 updated" in _import(path, capsys)
    assert _snapshot() == before
