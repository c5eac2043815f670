"""The emission-reduction list: import with every bad cell named and nothing written, versions, export that
reads back, editing on the page, and who sees which entries."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from lanqing.texts import render
from lanqing.winter import lists
from lanqing.winter.models import ReductionEntry, ReductionList
from tests.winter.conftest import workbook

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_a_good_workbook_becomes_version_one_with_every_row(cast, good_rows):
    result = lists.reduction_list_import(by=cast.users["bureau"], season="2026-2027", data=workbook(good_rows),
                                         now=NOW)
    assert result.errors == []
    assert result.reduction_list is not None
    assert (result.reduction_list.season, result.reduction_list.version) == ("2026-2027", 1)
    entries = {(e.enterprise.name, e.level): e for e in result.reduction_list.entries.select_related("enterprise")}
    assert set(entries) == {("甲焦化有限公司", "yellow"), ("甲焦化有限公司", "orange"), ("甲焦化有限公司", "red"),
                            ("乙焦化有限公司", "orange")}
    orange_a = entries[("甲焦化有限公司", "orange")]
    assert (orange_a.site, float(orange_a.allowed_share), orange_a.factor.code, orange_a.grade) == (
        cast.outlet_a, 50.0, "a21026", "b")
    assert entries[("甲焦化有限公司", "red")].process == "原料堆场"
    assert entries[("甲焦化有限公司", "red")].stops
    again = lists.reduction_list_import(by=cast.users["bureau"], season="2026-2027", data=workbook(good_rows))
    assert again.reduction_list is not None
    assert again.reduction_list.version == 2


def test_bad_rows_are_each_named_and_nothing_is_written(cast, good_rows):
    a, b = cast.enterprise_a.credit_code, cast.enterprise_b.credit_code
    rows = [*good_rows,
            [a, "", "橙色", "B", "OUT-A", "", 40, "", "重复"],            # row 6: same outlet at orange as row 3
            [b, "", "紫色", "B", "OUT-B", "", 50, "", "级别错误"],         # row 7: level
            [b, "", "红色", "E", "OUT-B", "", 150, "", "比例超限"],        # row 8: grade and share
            [b, "", "红色", "C", "OUT-A", "", 10, "a99999", "别家排口"],   # row 9: outlet and factor
            ["91141025MA00000999", "", "黄色", "", "", "", 10, "", ""],   # row 10: enterprise, process, measure
            ]
    result = lists.reduction_list_import(by=cast.users["bureau"], season="2026-2027", data=workbook(rows))
    assert result.reduction_list is None
    assert ReductionList.objects.count() == 0
    assert ReductionEntry.objects.count() == 0
    found = {(e.row, e.column) for e in result.errors}
    assert found == {(6, "Warning level"), (7, "Warning level"), (8, "Performance grade"),
                     (8, "Share of normal emission or load (%)"), (9, "Outlet site code"),
                     (9, "Proving factor (HJ 212 code)"), (10, "Unified social credit code"),
                     (10, "Process or line"), (10, "Measure")}
    assert all(e.sheet == "Reduction list" for e in result.errors)
    share = next(e for e in result.errors if e.row == 8 and e.column.startswith("Share"))
    with translation.override("zh-hans"):
        assert render(share.reason) == "占正常排放的比例应在 0 到 100% 之间，不能是 150。"
    with translation.override("en"):
        assert render(share.reason) == "A share of normal emission is between 0 and 100 %, not 150."
    duplicate = next(e for e in result.errors if e.row == 6)
    with translation.override("en"):
        assert "row 3" in render(duplicate.reason)


def test_only_the_bureau_keeps_the_list(cast, good_rows):
    from lanqing.org.access import Forbidden

    for role in ("township_b", "leader", "enterprise_a"):
        with pytest.raises(Forbidden):
            lists.reduction_list_import(by=cast.users[role], season="2026-2027", data=workbook(good_rows))
    assert ReductionList.objects.count() == 0


def test_a_wrong_season_or_a_missing_column_is_refused(cast, good_rows):
    bad_season = lists.reduction_list_import(by=cast.users["bureau"], season="2026-2028", data=workbook(good_rows))
    assert bad_season.reduction_list is None
    assert bad_season.errors[0].row == 0
    header = ["统一社会信用代码", "预警级别", "减排措施"]
    no_share = lists.reduction_list_import(by=cast.users["bureau"], season="2026-2027",
                                           data=workbook([[cast.enterprise_a.credit_code, "黄色", "x"]], header))
    assert [(e.row, e.column) for e in no_share.errors] == [(1, "Share of normal emission or load (%)")]
    assert ReductionList.objects.count() == 0


def test_the_export_reads_back_and_writes_no_formula(cast, good_rows, client_for):
    good_rows[0][8] = "-20% 焦炉限产"
    result = lists.reduction_list_import(by=cast.users["bureau"], season="2026-2027", data=workbook(good_rows))
    assert result.reduction_list is not None
    client = client_for(cast.users["bureau"])
    response = client.get(reverse("winter:list", kwargs={"list_id": result.reduction_list.id}), {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "统一社会信用代码"
    measures = [row[8] for row in rows[1:]]
    assert "'-20% 焦炉限产" in measures
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    again = lists.reduction_list_import(by=cast.users["bureau"], season="2026-2027", data=response.content)
    assert again.errors == []
    assert again.entries == 4


def test_the_page_import_shows_each_error_in_the_users_language(cast, client_for):
    client = client_for(cast.users["bureau"])
    rows = [[cast.enterprise_a.credit_code, "", "紫色", "", "OUT-A", "", 50, "", "x"]]
    upload = io.BytesIO(workbook(rows))
    upload.name = "list.xlsx"
    response = client.post(reverse("winter:lists"), {"season": "2026-2027", "file": upload},
                           HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    text = response.content.decode()
    assert "紫色 不是预警级别" in text
    assert "第 2 行" in text
    assert ReductionList.objects.count() == 0


def test_the_bureau_edits_the_newest_version_and_a_duplicate_is_refused(cast, good_rows, client_for):
    first = lists.reduction_list_import(by=cast.users["bureau"], season="2026-2027", data=workbook(good_rows))
    assert first.reduction_list is not None
    client = client_for(cast.users["bureau"])
    response = client.post(reverse("winter:list_new"), {"season": "2026-2027"})
    newest = ReductionList.objects.get(version=2)
    assert response.status_code == 302
    assert newest.entries.count() == 4
    entry = newest.entries.get(enterprise=cast.enterprise_b, level="orange")
    form = {"enterprise": cast.enterprise_b.id, "level": "orange", "grade": "c", "site": cast.outlet_b.id,
            "process": "", "allowed_share": "30", "factor": "", "measure": "限产七成"}
    response = client.post(reverse("winter:entry", kwargs={"entry_id": entry.id}), form)
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (float(entry.allowed_share), entry.grade, entry.measure) == (30.0, "c", "限产七成")
    old = first.reduction_list.entries.get(enterprise=cast.enterprise_b, level="orange")
    assert float(old.allowed_share) == 0.0  # the earlier version stays as it was
    refused = client.post(reverse("winter:entry", kwargs={"entry_id": old.id}), form)
    assert "较早的版本保持发布时的样子" in refused.content.decode()
    client.post(reverse("winter:entry_delete", kwargs={"entry_id": old.id}))
    old.refresh_from_db()
    assert float(old.allowed_share) == 0.0
    response = client.post(reverse("winter:entry_new", kwargs={"list_id": newest.id}), form, follow=True)
    assert newest.entries.count() == 4
    assert "已有相同排放口或工序的条目" in response.content.decode()
    over = {**form, "site": "", "process": "备煤", "allowed_share": "120"}
    client.post(reverse("winter:entry_new", kwargs={"list_id": newest.id}), over)
    assert newest.entries.count() == 4
    client.post(reverse("winter:entry_new", kwargs={"list_id": newest.id}), {**over, "allowed_share": "60"})
    assert newest.entries.filter(process="备煤").count() == 1


def test_each_officer_sees_the_county_list_with_only_its_own_enterprises(cast, good_rows, client_for):
    result = lists.reduction_list_import(by=cast.users["bureau"], season="2026-2027", data=workbook(good_rows))
    assert result.reduction_list is not None
    url = reverse("winter:list", kwargs={"list_id": result.reduction_list.id})
    page_a = client_for(cast.users["township_a"]).get(url).content.decode()
    assert "甲焦化有限公司" in page_a
    assert "乙焦化有限公司" not in page_a
    page_b = client_for(cast.users["township_b"]).get(url).content.decode()
    assert "乙焦化有限公司" in page_b
    assert "甲焦化有限公司" not in page_b
    assert client_for(cast.users["enterprise_a"]).get(url).status_code == 404
