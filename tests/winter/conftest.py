from __future__ import annotations

import io

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
    a, b = cast.enterprise_a.credit_code, cast.enterprise_b.credit_code
    return [
        [a, "甲焦化有限公司", "黄色", "B", "OUT-A", "", 80, "a21026", "焦炉延长结焦时间，限产20%"],
        [a, "甲焦化有限公司", "橙色", "B", "OUT-A", "", 50, "a21026", "焦炉限产一半"],
        [a, "甲焦化有限公司", "红色", "B", "", "原料堆场", 0, "", "停止装卸作业"],
        [b, "乙焦化有限公司", "orange", "D", "OUT-B", "", 0, "a21002", "焦炉闷炉停产"],
    ]
