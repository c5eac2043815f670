"""The monthly and yearly reports state the year's work: key tasks, letters, clean heating and the scorecard
ranking, each figure checked against a count of the stored rows (or a hand computation), in the PDF's Chinese
text and as sheets of the workbook; the archive keeps which rows they came from."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pypdfium2
import pytest
from openpyxl import load_workbook

from tests.yearwork.conftest import SHANGHAI, ledger, year  # noqa: F401 - the 2020 plan, letters' parties, ledger

pytestmark = pytest.mark.django_db
NOW = datetime(2020, 12, 1, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def worked(ledger):  # noqa: F811
    from lanqing.yearwork.models import Letter, LetterTarget, Task

    Task.objects.filter(id=ledger.mine.id).update(status="overdue", completion=Decimal("0.2500"), computed_at=NOW)
    Task.objects.filter(id=ledger.dust.id).update(status="done", completion=Decimal("1"), computed_at=NOW)
    letter = Letter.objects.create(jurisdiction=ledger.county, year=2020, township=ledger.yueyang, created_at=NOW)
    LetterTarget.objects.create(letter=letter, measure="other", description="PM2.5", target_value=45, at_most=True,
                                measured=40, measured_at=NOW)
    LetterTarget.objects.create(letter=letter, measure="other", description="优良天数", target_value=80,
                                measured=70, measured_at=NOW)
    return ledger


def _generate(kind, start, area):
    # The generation job alone: a worker's pass would run the periodic milestone check too, which recomputes
    # the tasks' completion from their milestones and would change the figures under test.
    from lanqing.reports.models import Report
    from lanqing.reports.services import report_generate, report_request

    report = report_request(kind=kind, start=start, area=area)
    report_generate(report_id=report.id)
    return Report.objects.get(id=report.id)


def _all_text(data: bytes) -> str:
    document = pypdfium2.PdfDocument(data)
    text = "".join(document[n].get_textpage().get_text_range() for n in range(len(document)))
    return text.replace("\r\n", "").replace("\n", "")


def test_the_monthly_report_states_the_year_s_work_in_chinese(worked):
    from lanqing.yearwork.models import Household, Task, VillageHeating

    report = _generate("monthly", date(2020, 11, 1), worked.county)
    assert report.status == "done"
    text = _all_text(bytes(report.pdf))
    assert "年度工作" in text
    tasks = list(Task.objects.filter(plan__year=2020))
    mean = sum((t.completion for t in tasks), Decimal(0)) / len(tasks) * 100
    assert (f"重点任务 {len(tasks)} 项；已完成 {sum(t.status == 'done' for t in tasks)} 项；"
            f"滞后 {sum(t.status == 'overdue' for t in tasks)} 项；平均完成率 {mean:.1f}%。") in text
    assert "滞后的重点任务" in text
    assert worked.mine.title in text
    assert worked.lead.name in text  # the lead unit of the task behind schedule
    assert "目标责任书 1 份；达标 0 份；未达标 1 份；尚无定论 0 份（责任目标达标 1 项，未达标 1 项）。" in text
    converted = sum(1 for h in Household.objects.all()
                    if h.converted_on and date(2020, 1, 1) <= h.converted_on <= date(2020, 11, 30))
    target = sum(v.households_target for v in VillageHeating.objects.filter(year=2020))
    assert (f"清洁取暖：截至 2020-11-30 已改造 {converted} 户，年度任务 {target} 户（完成 "
            f"{Decimal(converted) / target * 100:.1f}%）。") in text
    assert "考核排名" in text


def test_the_workbook_has_the_ranking_sheet_with_the_month_s_scores_by_hand(worked):
    report = _generate("monthly", date(2020, 11, 1), worked.county)
    book = load_workbook(io.BytesIO(bytes(report.xlsx)))
    for sheet in ("考核排名", "滞后的重点任务", "目标责任书", "清洁取暖进度"):
        assert sheet in book.sheetnames
    rows = list(book["考核排名"].iter_rows(values_only=True))
    assert rows[0][:2] == ("排名", "乡镇或单位")
    scored = {row[1]: (row[0], row[-1]) for row in rows[1:] if row[-1] != "—"}
    # November 2020 by hand, default weights (cases 30, tasks 30, targets 25, heating 15), no case due:
    # 住建局 leads 扬尘治理 (100 %) → 100.0; 岳阳镇: tasks 100 %, targets 1 of 2, heating 0 of 4 in November
    # → (30 + 12.5 + 0) / 70 = 60.7; 北平镇: tasks (25 % + 100 %) / 2, heating 1 of 2 → (18.75 + 7.5) / 45 = 58.3;
    # 自然资源局 leads the mine (25 %) → 25.0.
    assert scored == {worked.department.name: ("1", "100.0"), "岳阳镇": ("2", "60.7"), "北平镇": ("3", "58.3"),
                      worked.lead.name: ("4", "25.0")}
    behind = list(book["滞后的重点任务"].iter_rows(values_only=True))
    assert behind[1][:2] == (worked.mine.title, worked.lead.name)


def test_equal_scores_share_a_rank_in_the_report(worked):
    from lanqing.yearwork.models import Task

    # 自然资源局's task at 100 % too: it ties 住建局 at 100.0, and the next, 北平镇 (tasks 100 %, heating 1 of 2:
    # (30 + 7.5) / 45 = 83.3), comes third, not second.
    Task.objects.filter(id=worked.mine.id).update(completion=Decimal("1"))
    report = _generate("yearly", date(2020, 1, 1), worked.county)
    rows = list(load_workbook(io.BytesIO(bytes(report.xlsx)))["考核排名"].iter_rows(values_only=True))
    ranks = {row[1]: row[0] for row in rows[1:]}
    assert (ranks[worked.department.name], ranks[worked.lead.name], ranks["北平镇"]) == ("1", "1", "3")


def test_the_archive_keeps_the_year_s_work_rows_the_report_came_from(worked):
    from lanqing.yearwork.models import Household, LetterTarget, Task, VillageHeating

    report = _generate("yearly", date(2020, 1, 1), worked.county)
    used = dict(report.sources["yearwork"])
    assert datetime.fromisoformat(used.pop("tasks_computed_at")) == NOW
    assert datetime.fromisoformat(used.pop("targets_measured_at")) == NOW
    assert used == {
        "year": 2020, "tasks": Task.objects.filter(plan__year=2020).count(),
        "letter_targets": LetterTarget.objects.count(), "households": Household.objects.count(),
        "village_targets": VillageHeating.objects.filter(year=2020).count()}
    daily = _generate("daily_air", date(2020, 11, 2), worked.county)
    assert "yearwork" not in daily.sources
