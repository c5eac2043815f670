"""The enterprise's file and portal: its own file, data, lab results and cases only; lab uploads go in whole or
not at all; a dispatched case can be reported on from the portal at once."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADER = "outlet,point,factor,sampled,value,unit,lab,report\n"


def _hours_ago(hours: int) -> datetime:
    return (timezone.now() - timedelta(hours=hours)).replace(minute=0, second=0, microsecond=0)


def _local(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _upload(client, enterprise, text: str, name: str = "lab.csv"):
    return client.post(reverse("org:enterprise_lab_upload", args=[enterprise.id]),
                       {"file": SimpleUploadedFile(name, text.encode())})


def _xlsx_text(response) -> str:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    return " ".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)


@pytest.fixture
def files(cast):
    """Each enterprise with a permit and one uploaded lab result; 乙's names are markers no one else may read."""
    from lanqing.monitoring.lab import lab_results_upload
    from lanqing.org.models import DischargePermit

    sampled = _local(_hours_ago(30) + timedelta(minutes=20))
    for enterprise, outlet, number, report in (
            (cast.enterprise_a, "OUT-A", "甲许可-0001", "甲检-0001"), (cast.enterprise_b, "OUT-B", "乙许可-0002", "乙检-0002")):
        DischargePermit.objects.create(enterprise=enterprise, number=number, issued_by="临汾市生态环境局",
                                       valid_from=date(2023, 1, 1), valid_to=date(2099, 12, 31),
                                       annual_caps={"SO2": 12.5, "NOx": 30})
        user = cast.users["enterprise_a" if enterprise == cast.enterprise_a else "enterprise_b"]
        upload = lab_results_upload(enterprise=enterprise, file_name=f"{report}.csv", by=user,
                                    content=(HEADER + f"{outlet},1,a21026,{sampled},33.5,mg/m3,古县检测站,{report}\n").encode())
        assert upload.status == "accepted", upload.errors
    return cast


def test_an_enterprise_never_sees_another_enterprises_file_data_lab_results_or_cases(files, client_for):
    from lanqing.cases.transitions import case_open

    cast = files
    case_open(title="乙公司焦炉烟囱冒黄烟", category="inspection", source="inspection", by=cast.users["bureau"],
              site=cast.outlet_b, now=timezone.now())
    client = client_for(cast.users["enterprise_a"])
    for name in ("org:enterprise", "org:enterprise_data", "org:enterprise_lab", "org:enterprise_lab_template"):
        assert client.get(reverse(name, args=[cast.enterprise_b.id])).status_code == 404, name
    assert _upload(client, cast.enterprise_b, HEADER).status_code == 404
    own = [client.get(reverse("org:enterprise", args=[cast.enterprise_a.id])).content.decode(),
           client.get(reverse("org:enterprise_data", args=[cast.enterprise_a.id])).content.decode(),
           client.get(reverse("org:enterprise_lab", args=[cast.enterprise_a.id])).content.decode(),
           _xlsx_text(client.get(reverse("org:enterprise_lab", args=[cast.enterprise_a.id]), {"export": "xlsx"})),
           _xlsx_text(client.get(reverse("org:enterprise_data", args=[cast.enterprise_a.id]), {"export": "xlsx"})),
           client.get("/api/v1/enterprises").content.decode(), client.get("/api/v1/sites").content.decode()]
    text = " ".join(own)
    assert "甲许可-0001" in own[0]
    assert "甲检-0001" in own[2]
    assert "甲检-0001" in own[3]
    for marker in ("乙焦化有限公司", "乙公司焦炉烟囱", "乙许可-0002", "乙检-0002", "乙公司焦炉烟囱冒黄烟"):
        assert marker not in text, marker
    api = client.get(f"/api/v1/sites/{cast.outlet_b.id}/measurements", {"factor": "a21026"})
    assert api.status_code == 404


def test_staff_in_scope_see_the_same_file_without_the_upload(files, client_for):
    cast = files
    for role in ("bureau", "township_b"):
        client = client_for(cast.users[role])
        page = client.get(reverse("org:enterprise", args=[cast.enterprise_b.id])).content.decode()
        assert "乙许可-0002" in page
        assert "乙检-0002" in page
        assert "SO2 12.5 吨/年" in page
        lab = client.get(reverse("org:enterprise_lab", args=[cast.enterprise_b.id])).content.decode()
        assert "乙检-0002" in lab
        assert 'name="file"' not in lab
        assert _upload(client, cast.enterprise_b, HEADER).status_code == 403
    township_a = client_for(cast.users["township_a"])
    assert township_a.get(reverse("org:enterprise", args=[cast.enterprise_b.id])).status_code == 404


def test_a_file_with_bad_rows_stores_nothing_and_names_each_line_and_field(cast, client_for):
    from lanqing.monitoring.models import LabResult, LabUpload, Measurement

    client = client_for(cast.users["enterprise_a"])
    good = _local(_hours_ago(5))
    future = _local(timezone.now() + timedelta(days=2))
    text = (HEADER
            + f"OUT-A,1,a21026,{good},20,mg/m3,古县检测站,R-1\n"  # line 2: good
            + f"OUT-A,1,x99999,{good},20,mg/m3,古县检测站,R-1\n"  # line 3: unknown factor
            + f"OUT-A,1,a21002,{future},20,mg/m3,古县检测站,R-1\n"  # line 4: in the future
            + f"OUT-B,1,a21026,{good},20,mg/m3,古县检测站,R-1\n"  # line 5: another enterprise's outlet
            + f"OUT-A,1,a34013,{good},twenty,mg/m3,古县检测站,R-1\n")  # line 6: not a number
    response = _upload(client, cast.enterprise_a, text)
    assert response.status_code == 400
    page = response.content.decode()
    assert "没有写入" in page
    errors = [(e["line"], e["column"]) for e in LabUpload.objects.get().errors]
    assert errors == [(3, "factor"), (4, "sampled"), (5, "outlet"), (6, "value")]
    assert "未知的监测因子 x99999" in page
    assert "OUT-B" in page
    assert "twenty" in page
    assert LabResult.objects.count() == 0
    assert Measurement.objects.filter(source="manual").count() == 0
    assert LabUpload.objects.get().status == "refused"
    listing = client.get(reverse("org:enterprise_lab", args=[cast.enterprise_a.id])).content.decode()
    assert "暂无化验结果" in listing


def test_a_good_file_becomes_manual_hourly_values_judged_like_others(cast, client_for):
    from lanqing.jobs.models import Job
    from lanqing.monitoring.measurements import NEW_VALUES_JOB
    from lanqing.monitoring.models import Factor, Measurement, NewValue

    client = client_for(cast.users["enterprise_a"])
    sampled = _hours_ago(4) + timedelta(minutes=35)
    response = _upload(client, cast.enterprise_a,
                       HEADER + f"OUT-A,,二氧化硫,{_local(sampled)},41.2,mg/m³,古县检测站,R-7\n")
    assert response.status_code == 302
    value = Measurement.objects.get(source="manual")
    assert (value.point.site_id, value.factor.code, value.period, value.value) == (cast.outlet_a.id, "a21026", "hour", 41.2)
    assert value.time == sampled.replace(minute=0)
    assert NewValue.objects.filter(point=value.point, period="hour", time=value.time).exists()
    data = client.get(reverse("org:enterprise_data", args=[cast.enterprise_a.id])).content.decode()
    assert "41.20 <small class=\"muted\">化验</small>" in data
    assert Job.objects.filter(kind=NEW_VALUES_JOB).exists()
    # The same report again is refused, and so is a result for an hour the online monitor reported.
    assert _upload(client, cast.enterprise_a,
                   HEADER + f"OUT-A,1,a21026,{_local(sampled)},41.2,mg/m3,古县检测站,R-7\n").status_code == 400
    device_hour = _hours_ago(8)
    Measurement.objects.create(point=value.point, factor=Factor.objects.get(code="a21002"), period="hour",
                               time=device_hour, value=80)
    response = _upload(client, cast.enterprise_a,
                       HEADER + f"OUT-A,1,a21002,{_local(device_hour + timedelta(minutes=10))},60,mg/m3,古县检测站,R-8\n")
    assert response.status_code == 400
    assert Measurement.objects.get(factor__code="a21002").value == 80
    page = client.get(reverse("org:enterprise_lab", args=[cast.enterprise_a.id])).content.decode()
    assert "R-7" in page
    assert "41.2 mg/m³" in page


def test_an_excel_file_is_read_like_a_csv(cast, client_for):
    from openpyxl import Workbook

    from lanqing.monitoring.models import LabResult

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["排放口编码", "点位编码", "因子编码", "采样时间", "监测值", "单位", "检测机构", "报告编号"])
    sheet.append(["OUT-A", "1", "a34013", (_hours_ago(6) + timedelta(hours=8)).replace(tzinfo=None), 4.5, "mg/m3",
                  "古县检测站", "X-1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = client_for(cast.users["enterprise_a"])
    response = client.post(reverse("org:enterprise_lab_upload", args=[cast.enterprise_a.id]),
                           {"file": SimpleUploadedFile("lab.xlsx", buffer.getvalue())})
    assert response.status_code == 302
    assert LabResult.objects.get().report_number == "X-1"


def test_the_hourly_data_page_marks_values_above_the_limit(cast, client_for):
    from lanqing.monitoring.models import Factor, Measurement, Site

    Site.objects.filter(id=cast.outlet_a.id).update(limit_set="GB16171-2012:coke-oven:special")  # SO2 30 at 8 % O2
    point = cast.outlet_a.points.get()
    so2, o2 = Factor.objects.get(code="a21026"), Factor.objects.get(code="a19001")
    for hours, value in ((3, 25.0), (2, 48.0)):
        Measurement.objects.create(point=point, factor=so2, period="hour", time=_hours_ago(hours), value=value)
        Measurement.objects.create(point=point, factor=o2, period="hour", time=_hours_ago(hours), value=8.0)
    client = client_for(cast.users["enterprise_a"])
    page = client.get(reverse("org:enterprise_data", args=[cast.enterprise_a.id])).content.decode()
    assert page.count('data-testid="exceeds"') == 1
    assert "<b>48.00</b>" in page
    file_page = client.get(reverse("org:enterprise", args=[cast.enterprise_a.id])).content.decode()
    assert "超过限值" in file_page
    assert "≤ 30" in file_page
    export = _xlsx_text(client.get(reverse("org:enterprise_data", args=[cast.enterprise_a.id]), {"export": "xlsx"}))
    assert "48" in export


def test_the_enterprise_reports_on_a_case_as_soon_as_it_is_dispatched(cast, client_for):
    from lanqing.cases.models import ResponsibilityRule
    from lanqing.cases.transitions import case_open

    ResponsibilityRule.objects.create(category="inspection", lead_unit=cast.department)
    case = case_open(title="焦炉烟囱冒黄烟", category="inspection", source="inspection", by=cast.users["bureau"],
                     site=cast.outlet_a, now=timezone.now())
    assert case.state == "dispatched"
    client = client_for(cast.users["enterprise_a"])
    page = client.get(reverse("org:enterprise", args=[cast.enterprise_a.id])).content.decode()
    link = f'{reverse("cases:detail", args=[case.id])}#rectify'
    assert link in page
    detail = client.get(reverse("cases:detail", args=[case.id])).content.decode()
    assert 'id="rectify"' in detail
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    response = client.post(reverse("cases:act", args=[case.id, "submit"]),
                           {"text": "已更换脱硫喷嘴", "files": [SimpleUploadedFile("fix.png", png)]})
    assert response.status_code in (200, 302)
    case.refresh_from_db()
    assert case.state == "submitted"
    assert case.events.filter(action="submitted").get().evidence.count() == 1
    page = client.get(reverse("org:enterprise", args=[cast.enterprise_a.id])).content.decode()
    assert link not in page
