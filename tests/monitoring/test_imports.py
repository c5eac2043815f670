"""Measurement import: bad rows reported with line, column and reason; good rows imported; idempotent."""

import io

import pytest
from django.utils import translation
from openpyxl import Workbook

from lanqing.monitoring.imports import describe_error, import_measurements
from lanqing.monitoring.models import Measurement

HEADER = "site,point,factor,period,time,value,flag\n"


@pytest.fixture(autouse=True)
def _english():
    # These tests read the English messages; the Chinese ones are checked by the catalogue test.
    with translation.override("en"):
        yield


def csv(*lines, header=HEADER, encoding="utf-8"):
    return (header + "".join(line + "\n" for line in lines)).encode(encoding)


def errors_of(result):
    return [(e.line, e.column, describe_error(e.as_dict())) for e in result.errors]


def test_good_rows_are_imported_as_hourly_values_in_utc(cast):
    result = import_measurements(csv("AIR-01,1,a34004,hour,2026-01-05 08:00,75,N",
                                     "AIR-01,,PM10,,2026-01-05 08:00,120,"))
    assert (result.rows_written, result.errors) == (2, [])
    stored = Measurement.objects.get(factor__code="a34004")
    # 08:00 in Beijing is 00:00 UTC: the interval start, stored in UTC.
    assert stored.time.isoformat() == "2026-01-05T00:00:00+00:00"
    assert stored.value == 75
    assert stored.flag == "N"
    assert stored.source == "import"


def test_importing_the_same_file_twice_changes_nothing(cast):
    data = csv("AIR-01,1,a34004,hour,2026-01-05 08:00,75,N", "AIR-01,1,a34004,hour,2026-01-05 09:00,80,N")
    first = import_measurements(data)
    before = list(Measurement.objects.values_list("id", "value", "flag"))
    second = import_measurements(data)
    assert (first.rows_written, second.rows_written, second.rows_unchanged) == (2, 0, 2)
    assert list(Measurement.objects.values_list("id", "value", "flag")) == before


def test_a_corrected_value_replaces_the_stored_one(cast):
    import_measurements(csv("AIR-01,1,a34004,hour,2026-01-05 08:00,75,N"))
    result = import_measurements(csv("AIR-01,1,a34004,hour,2026-01-05 08:00,77,N"))
    assert result.rows_written == 1
    assert Measurement.objects.get().value == 77


def test_every_bad_row_is_reported_with_line_column_and_reason_and_good_rows_still_import(cast):
    result = import_measurements(csv(
        "AIR-01,1,a34004,hour,2026-01-05 08:00,75,N",
        "NOPE,1,a34004,hour,2026-01-05 08:00,75,N",
        "AIR-01,1,XX999,hour,2026-01-05 08:00,75,N",
        "AIR-01,1,a34004,weekly,2026-01-05 08:00,75,N",
        "AIR-01,1,a34004,hour,yesterday,75,N",
        "AIR-01,1,a34004,hour,2026-01-05 08:30,75,N",
        "AIR-01,1,a34004,hour,2026-01-05 10:00,abc,N",
        "AIR-01,1,a34004,hour,2026-01-05 11:00,-3,N",
        "AIR-01,1,a34004,hour,2026-01-05 12:00,5,Q",
        "AIR-01,1,a34004,hour,2099-01-05 12:00,5,N",
        "AIR-01,1,a34004,hour,2026-01-05 08:00,76,N",
        "AIR-01,9,a34004,hour,2026-01-05 13:00,5,N",
    ))
    assert result.rows_written == 1
    assert [(line, column) for line, column, _ in errors_of(result)] == [
        (3, "site"), (4, "factor"), (5, "period"), (6, "time"), (7, "time"), (8, "value"), (9, "value"),
        (10, "flag"), (11, "time"), (12, "time"), (13, "point")]
    reasons = dict(((line, column), reason) for line, column, reason in errors_of(result))
    assert "NOPE" in reasons[(3, "site")]
    assert "repeats line 2" in reasons[(12, "time")]
    assert result.rows_rejected == 11


def test_a_file_with_only_bad_rows_imports_nothing_and_says_so(cast):
    result = import_measurements(csv("NOPE,1,a34004,hour,2026-01-05 08:00,75,N"))
    assert result.imported_nothing
    assert Measurement.objects.count() == 0
    assert "Nothing was imported" in result.summary()


def test_gbk_files_from_chinese_offices_are_read(cast):
    data = csv("AIR-01,1,细颗粒物,小时,2026-01-05 08:00,75,N", header="站点,点位,因子,周期,时间,数值,标记\n",
               encoding="gbk")
    result = import_measurements(data)
    assert (result.rows_written, result.errors) == (1, [])


def test_xlsx_files_are_read_with_real_dates(cast):
    from datetime import datetime

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["site", "point", "factor", "period", "time", "value", "flag"])
    sheet.append(["AIR-01", "1", "a34004", "hour", datetime(2026, 1, 5, 8), 75.5, "N"])  # noqa: DTZ001 - a cell has no zone
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = import_measurements(buffer.getvalue())
    assert result.rows_written == 1
    assert Measurement.objects.get().value == 75.5


@pytest.mark.parametrize(("data", "words"), [
    (b"", "empty"),
    (b"\x00\x01\x02binary", "binary"),
    (b"\xff\xfe\xfa\xfb" * 10, "neither UTF-8 nor GBK"),
    (b"PK\x03\x04 not really a zip", ".xlsx workbook cannot be opened"),
    (b"site,value\nAIR-01,5\n", "missing column(s): factor, time"),
])
def test_malformed_files_get_a_clear_message_and_change_nothing(cast, data, words):
    result = import_measurements(data)
    assert result.file_error is not None
    assert words in result.summary()
    assert Measurement.objects.count() == 0


def test_a_user_cannot_import_into_a_site_outside_their_scope(cast):
    from lanqing.monitoring.selectors import sites_visible_to

    result = import_measurements(csv("OUT-B,1,a21026,hour,2026-01-05 08:00,35,N"),
                                 sites=sites_visible_to(cast.users["township_a"]))
    assert [column for _, column, _ in errors_of(result)] == ["site"]
    assert Measurement.objects.count() == 0


def test_a_long_bad_cell_is_quoted_by_a_short_excerpt(cast):
    result = import_measurements(csv("AIR-01,1,a34004,hour,2026-01-05 08:00," + "9x" * 2000 + ",N"))
    [(line, column, reason)] = errors_of(result)
    assert (line, column) == (2, "value")
    assert reason.endswith("… is not a number")
    assert len(reason) < 80
