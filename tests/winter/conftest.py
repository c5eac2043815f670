from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

HEADER_ZH = ["统一社会信用代码", "企业名称", "预警级别", "绩效等级", "排口站点编码", "工序或生产线", "占正常排放或负荷的比例(%)",
             "证明因子(HJ 212 编码)", "减排措施"]


def workbook(rows, header=None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header or HEADER_ZH)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def good_rows(cast):
    return make_good_rows(cast)


def make_good_rows(cast):
    a, b = cast.enterprise_a.credit_code, cast.enterprise_b.credit_code
    return [
        [a, "甲焦化有限公司", "黄色", "B", "OUT-A", "", 80, "a21026", "焦炉延长结焦时间，限产20%"],
        [a, "甲焦化有限公司", "橙色", "B", "OUT-A", "", 50, "a21026", "焦炉限产一半"],
        [a, "甲焦化有限公司", "红色", "B", "", "原料堆场", 0, "", "停止装卸作业"],
        [b, "乙焦化有限公司", "orange", "D", "OUT-B", "", 0, "a21002", "焦炉闷炉停产"],
    ]


ZONE = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 20, 8, 0, tzinfo=ZONE)
END = START + timedelta(hours=24)
EARLIER = datetime(2026, 11, 15, 10, 0, tzinfo=ZONE)  # a yellow warning that makes 15 November no baseline day
STOP_DAY = date(2026, 11, 12)  # outlet A marked as stopped all day: its low values are no baseline
GAP = (date(2026, 11, 10), range(8, 12))  # outlet A sent nothing these hours
NOW = datetime(2026, 11, 21, 10, 0, tzinfo=ZONE)


def _rows(point, factor, values):
    from lanqing.monitoring.models import Measurement, Period

    return [Measurement(point=point, factor=factor, period=Period.HOUR, time=when, value=value)
            for when, value in values]


@pytest.fixture
def episode(cast):
    return make_episode(cast)


def make_episode(cast):
    """An orange warning of 24 hours on 20 November 2026 with 16 days of hourly data before it: outlet A cuts
    about 44 % where 50 % is required, outlet B sends nothing during the warning."""
    from lanqing.monitoring.models import Factor, Measurement
    from lanqing.winter import lists
    from lanqing.winter.models import OutletStop
    from lanqing.winter.warnings import Document, warning_issue, warning_lift

    a, b = cast.enterprise_a.credit_code, cast.enterprise_b.credit_code
    rows = [[a, "", "黄色", "B", "OUT-A", "", 80, "a21026", "限产两成"],
            [a, "", "橙色", "B", "OUT-A", "", 50, "a21026", "焦炉限产一半"],
            [b, "", "橙色", "D", "OUT-B", "", 0, "a21002", "焦炉闷炉"]]
    assert lists.reduction_list_import(by=cast.users["bureau"], season="2026-2027", data=workbook(rows)).errors == []
    so2, nox, flow = (Factor.objects.get(code=c) for c in ("a21026", "a21002", "a00000"))
    point_a, point_b = cast.outlet_a.points.get(), cast.outlet_b.points.get()
    measurements = []
    for offset in range(1, 17):  # 4 to 19 November, every hour
        day = START.date() - timedelta(days=offset)
        for clock in range(24):
            when = datetime.combine(day, time(clock), ZONE)
            if not (day == GAP[0] and clock in GAP[1]):
                conc = 5.0 if day == STOP_DAY else 100.0 + day.day
                measurements += _rows(point_a, so2, [(when, conc)]) + _rows(point_a, flow, [(when, 10.0)])
            measurements += _rows(point_b, nox, [(when, 200.0)]) + _rows(point_b, flow, [(when, 20.0)])
    for hour in range(24):  # the warning: A cuts to 55 for 12 hours, then only to 70; B sends nothing
        when = START + timedelta(hours=hour)
        measurements += _rows(point_a, so2, [(when, 55.0 if hour < 12 else 70.0)])
        measurements += _rows(point_a, flow, [(when, 10.0)])
    Measurement.objects.bulk_create(measurements)
    OutletStop.objects.create(site=cast.outlet_a, starts_at=datetime.combine(STOP_DAY, time(), ZONE),
                              ends_at=datetime.combine(STOP_DAY + timedelta(days=1), time(), ZONE), note="检修")
    bureau = cast.users["bureau"]
    doc = Document(number="临重污染指〔2026〕9号", issuer="临汾市重污染天气应急指挥部")
    yellow = warning_issue(by=bureau, level="yellow", starts_at=EARLIER, ends_at=None, document=doc, now=EARLIER)
    warning_lift(by=bureau, warning=yellow, at=EARLIER + timedelta(hours=10), document=doc, now=EARLIER)
    return warning_issue(by=bureau, level="orange", starts_at=START, ends_at=END, document=doc,
                         tolerance=Decimal(5), now=START)
