"""Reports: what a clerk downloads (Chinese text in the PDF, the workbook's sheets), the archive's promises (one
entry per request, who and from which data) and the refusals (a period not over, no Chinese font)."""

from __future__ import annotations

import io
from datetime import date

import pypdfium2
import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.workbench.test_overview import _air_year

pytestmark = pytest.mark.django_db
DAY = date(2025, 11, 10)  # under HJ 633-2012, whose table gives PM2.5 80 µg/m³ an IAQI of 107


def _pdf_text_and_ink(data: bytes) -> tuple[str, int]:
    document = pypdfium2.PdfDocument(data)
    page = document[0]
    text = page.get_textpage().get_text_range()
    pixels = page.render(scale=1).to_numpy()
    return text, int((pixels[:, :, :3] < 100).all(axis=2).sum())


def _generate(kind, start, area, by=None):
    from lanqing.jobs.services import worker_pass
    from lanqing.reports.models import Report
    from lanqing.reports.services import report_request

    report = report_request(kind=kind, start=start, area=area, by=by)
    worker_pass(worker="test")
    return Report.objects.get(id=report.id)


def test_the_daily_report_prints_its_chinese_text_with_the_font_embedded(cast):
    # PM2.5 80 all day: IAQI 107, 轻度污染, primary pollutant PM2.5.
    _air_year(cast.air_station, lambda day: 80.0, first=DAY, days=1)
    report = _generate("daily_air", DAY, cast.county, by=cast.users["bureau"])
    assert report.status == "done"
    assert report.progress == 100
    text, ink = _pdf_text_and_ink(bytes(report.pdf))
    assert "古县环境空气质量日报" in text
    assert "区域 AQI：107，轻度污染；首要污染物：PM2.5" in text.replace("\r\n", "").replace("\n", "")
    assert cast.air_station.name in text
    assert ink > 2000  # the glyphs are drawn, not empty boxes from a missing font
    assert report.sources["stations"] == 1
    assert report.sources["values"] == 24 * 6


def test_the_monthly_workbook_has_a_sheet_per_table(cast):
    _air_year(cast.air_station, lambda day: 30.0, first=date(2026, 10, 1), days=31)
    report = _generate("monthly", date(2026, 10, 15), cast.county)
    assert (report.period_start, report.period_end) == (date(2026, 10, 1), date(2026, 10, 31))
    book = load_workbook(io.BytesIO(bytes(report.xlsx)))
    assert book.sheetnames[0] == "摘要"
    assert "站点排名" in book.sheetnames
    ranking = list(book["站点排名"].iter_rows(values_only=True))
    assert ranking[0][:3] == ("排名", "站点", "综合指数")
    assert ranking[1][1] == cast.air_station.name
    summary = " ".join(str(row[0]) for row in book["摘要"].iter_rows(values_only=True) if row[0])
    assert "PM2.5 平均浓度：30 µg/m³；优良天数比例：100.0%（有效天数 31 天）" in summary
    assert report.requested_by is None  # asked for without a person: the archive says "schedule"


def test_one_request_makes_one_archive_entry_however_often_it_is_asked(cast):
    from lanqing.reports.models import Report
    from lanqing.reports.services import report_generate, report_request

    first = report_request(kind="monthly", start=date(2026, 10, 1), area=cast.county, by=cast.users["bureau"])
    again = report_request(kind="monthly", start=date(2026, 10, 20), area=cast.county, by=cast.users["leader"])
    assert again.id == first.id
    assert Report.objects.count() == 1
    report_generate(report_id=first.id)
    report_generate(report_id=first.id)  # a second worker with the same job finds it taken
    assert Report.objects.get(id=first.id).status == "done"
    assert Report.objects.count() == 1
    later = report_request(kind="monthly", start=date(2026, 10, 1), area=cast.county, by=cast.users["bureau"])
    assert later.id != first.id  # once made, asking again makes a new edition (late data may have arrived)


def test_a_period_not_over_is_refused_with_its_reason(cast, client_for):
    from django.utils import timezone

    client = client_for(cast.users["bureau"])
    response = client.post(reverse("reports:request"), {"kind": "monthly", "start": timezone.localdate()},
                           follow=True)
    page = response.content.decode()
    assert "尚未结束：报告只统计完整的日" in page
    assert 'data-testid="report-row"' not in page


def test_a_township_asks_for_and_sees_its_own_reports_only(cast, client_for):
    _generate("daily_air", DAY, cast.county, by=cast.users["bureau"])
    client = client_for(cast.users["township_b"])
    page = client.get(reverse("reports:archive")).content.decode()
    assert 'data-testid="report-row"' not in page  # the county's report is not the township's
    client.post(reverse("reports:request"), {"kind": "daily_air", "start": DAY.isoformat()})
    from lanqing.jobs.services import worker_pass
    from lanqing.reports.models import Report

    worker_pass(worker="test")
    mine = Report.objects.get(jurisdiction=cast.beiping)
    assert mine.status == "done"
    text, _ink = _pdf_text_and_ink(bytes(mine.pdf))
    assert "北平镇环境空气质量日报" in text
    assert "本区域没有空气站" in text
    page = client.get(reverse("reports:archive")).content.decode()
    assert page.count('data-testid="report-row"') == 1
    pdf = client.get(reverse("reports:pdf", args=[mine.id]))
    assert pdf["Content-Type"] == "application/pdf"
    # The PDF opens in the browser's viewer; the workbook is saved.
    assert pdf["Content-Disposition"].startswith("inline; filename=")
    assert client.get(reverse("reports:xlsx", args=[mine.id]))["Content-Disposition"].startswith("attachment;")


def test_without_a_chinese_font_the_report_fails_with_its_reason(cast, monkeypatch, settings):
    from lanqing.reports import render

    monkeypatch.setattr(render, "FONT_CANDIDATES", ())
    settings.PDF_FONT = "/nonexistent/font.ttc"
    report = _generate("daily_air", DAY, cast.county)
    assert report.status == "failed"
    assert report.pdf is None
    from django.utils import translation

    with translation.override("zh-hans"):
        assert "请安装 fonts-noto-cjk" in report.display_failure


def test_the_schedule_asks_once_for_yesterday_last_month_and_last_year(cast):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from lanqing.reports.models import Report
    from lanqing.reports.services import reports_schedule

    now = datetime(2026, 12, 5, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert reports_schedule(now=now) == []  # no data, no report
    _air_year(cast.air_station, lambda day: 30.0, first=date(2025, 12, 31), days=1)
    _air_year(cast.air_station, lambda day: 30.0, first=date(2026, 11, 30), days=1)
    _air_year(cast.air_station, lambda day: 30.0, first=date(2026, 12, 4), days=1)
    made = reports_schedule(now=now)
    assert sorted((r.kind, r.period_start) for r in made) == [
        ("daily_air", date(2026, 12, 4)), ("monthly", date(2026, 11, 1)), ("yearly", date(2025, 1, 1))]
    assert {r.jurisdiction_id for r in made} == {cast.county.id}  # the bureau's area
    assert reports_schedule(now=now) == []
    assert Report.objects.count() == 3


def test_a_character_outside_the_kept_font_subset_is_still_printed(settings, tmp_path):
    """The PDF is set in a kept subset of the CJK font (common hanzi and the catalogue's characters); a rare
    character of a name (垚, not in GB 2312) has the subset made again with it, instead of being dropped."""
    from lanqing.reports import fonts, render
    from lanqing.reports.content import ReportContent, Section

    settings.DATA_DIR = tmp_path
    common = ReportContent("古县环境空气质量月报", "2026年10月", [Section("概况", ["优良天数比例 91.2%"])])
    text, ink = _pdf_text_and_ink(render.pdf_bytes(common))
    assert "古县环境空气质量月报" in text
    assert ink > 500  # drawn glyphs, not empty boxes
    kept = list((tmp_path / fonts.FOLDER).glob("*.ttf"))
    assert len(kept) == 1  # the subset was made and kept for the next report
    assert ord("垚") not in fonts.covered(kept[0])

    without = ReportContent("古县环境空气质量月报", "2026年10月", [Section("概况", ["鑫化工有限公司"])])
    rare = ReportContent("古县环境空气质量月报", "2026年10月", [Section("概况", ["垚鑫化工有限公司"])])
    text, ink_rare = _pdf_text_and_ink(render.pdf_bytes(rare))
    assert "垚鑫化工有限公司" in text
    assert ink_rare > _pdf_text_and_ink(render.pdf_bytes(without))[1]  # 垚 is drawn, not an empty box
    assert ord("垚") in fonts.covered(kept[0])  # and kept for the next report that names it

    made = kept[0].stat().st_mtime_ns
    text, _ink = _pdf_text_and_ink(render.pdf_bytes(
        ReportContent("古县环境空气质量月报", "2026年10月", [Section("概况", ["笑脸😀化工"])])))
    assert "笑脸" in text
    assert "化工" in text
    assert kept[0].stat().st_mtime_ns == made  # no font has 😀: the subset is not made again for it
