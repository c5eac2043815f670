"""`lanqing aqi` and `lanqing evaluate` on real files: UTF-8, GBK, XLSX, bad rows, missing columns."""

from __future__ import annotations

import argparse
import csv
import io
import json

import numpy as np
import pytest
from openpyxl import Workbook, load_workbook

from lanqing.standards.cli import main, register

HOURLY = (
    "time,station,SO2,NO2,CO,O3,PM10,PM2.5\n"
    "2018-02-20 07:00,临钢医院,87,18,2.8,22,128,97\n"
    "2017-07-07 16:00,工商学校,49,11,1.3,240,127,56\n"
    "2017-07-07 16:00,南机场,49,2,1.6,187,85,65\n"
)


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    # These tests read the messages in English; the command line speaks Chinese unless LANQING_LANGUAGE says en.
    monkeypatch.setenv("LANQING_LANGUAGE", "en")


def test_problems_are_reported_in_chinese_by_default(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("LANQING_LANGUAGE")
    path = tmp_path / "hours.csv"
    path.write_text("time,SO2,NO2,CO,O3,PM10,PM2.5\n2018-02-20 07:00,-1,18,2.8,22,128,97\n", encoding="utf-8")
    code, _out, err = run(capsys, "aqi", path, "--period", "hour")
    assert code == 1
    assert "错误：hours.csv，第 2 行，SO2 列：-1 是负数；浓度不能为负" in err


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_register_adds_both_commands_with_help_and_a_function():
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["aqi", "x.csv", "--period", "hour"])
    assert callable(args.func)
    assert args.standard == "auto"
    assert parser.parse_args(["evaluate", "x.csv", "--by", "month"]).by == "month"


def test_hourly_utf8_csv_reproduces_the_published_linfen_values(tmp_path, capsys):
    path = tmp_path / "hours.csv"
    path.write_text(HOURLY, encoding="utf-8")
    code, out, err = run(capsys, "aqi", path, "--period", "hour")
    assert code == 0
    assert err == ""
    rows = rows_of(out)
    assert [r["AQI"] for r in rows] == ["128", "120", "88"]
    assert [r["category"] for r in rows] == ["轻度污染", "轻度污染", "良"]
    assert [r["primary_pollutants"] for r in rows] == ["PM2.5", "O3", "PM2.5"]
    assert list(rows[0])[-7:] == ["IAQI_SO2", "IAQI_NO2", "IAQI_CO", "IAQI_O3", "IAQI_PM10", "IAQI_PM2.5", "flags"]
    assert rows[0]["station"] == "临钢医院"
    assert rows[0]["level"] == "3"


def test_a_gbk_file_with_chinese_headers_is_read(tmp_path, capsys):
    path = tmp_path / "gbk.csv"
    path.write_bytes(HOURLY.replace("station", "站点").encode("gbk"))
    code, out, _ = run(capsys, "aqi", path, "--period", "hour")
    assert code == 0
    assert rows_of(out)[0]["站点"] == "临钢医院"


def test_a_utf8_file_with_bom_is_read(tmp_path, capsys):
    path = tmp_path / "bom.csv"
    path.write_bytes(HOURLY.encode("utf-8-sig"))
    code, out, _ = run(capsys, "aqi", path, "--period", "hour")
    assert code == 0
    assert rows_of(out)[0]["time"] == "2018-02-20 07:00"


def test_daily_xlsx_in_and_xlsx_out(tmp_path, capsys):
    book = Workbook()
    sheet = book.active
    sheet.append(["date", "SO2", "NO2", "CO", "PM10", "PM2.5", "O3_8h", "O3"])
    sheet.append(["2025-05-01", 6, 20, 0.7, 60, 30, 170, 260])
    sheet.append(["2026-05-01", 6, 20, 0.7, 60, 30, 170, 260])
    source = tmp_path / "days.xlsx"
    book.save(source)
    target = tmp_path / "out.xlsx"
    code, _, err = run(capsys, "aqi", source, "--period", "day", "-o", target)
    assert code == 0
    values = list(load_workbook(target).active.iter_rows(values_only=True))
    header = list(values[0])
    assert header[-12:-8] == ["AQI", "level", "category", "primary_pollutants"]
    assert "IAQI_O3_8h" in header
    assert "IAQI_O3" in header
    # 2025: the 2012 daily AQI includes the O3 daily max 1-h; 2026 leaves it out [U].
    assert values[1][header.index("AQI")] == 130
    assert values[1][header.index("primary_pollutants")] == "O3"
    assert values[2][header.index("AQI")] == 110
    assert values[2][header.index("primary_pollutants")] == "O3_8h"
    assert "not part of the daily AQI" in err


def test_json_output_and_a_forced_version(tmp_path, capsys):
    path = tmp_path / "hours.csv"
    path.write_text(HOURLY, encoding="utf-8")
    target = tmp_path / "out.json"
    code, _, _ = run(capsys, "aqi", path, "--period", "hour", "--standard", "2026", "-o", target)
    records = json.loads(target.read_text(encoding="utf-8"))
    # PM2.5 97 on the HJ 633-2026 row: 100 + (97 − 60)/55 × 50 = 133.6 -> 134 (2012 gives 128).
    assert code == 0
    assert records[0]["AQI"] == 134
    assert records[0]["IAQI_PM2.5"] == 134


def test_bad_rows_are_reported_by_line_and_column_and_good_rows_still_computed(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(
        HOURLY + "2017-07-07 17:00,X,abc,11,1300,240,-3,56\n"
        "2011-01-01 01:00,X,1,1,1,1,1,1\n"
        "2099-01-01 01:00,X,1,1,1,1,1,1\n"
        "yesterday,X,1,1,1,1,1,1\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "aqi", path, "--period", "hour")
    assert code == 1
    assert "bad.csv, line 5, column SO2: 'abc' is not a number" in err
    assert "line 5, column CO: CO 1300 mg/m³ is implausible" in err
    assert "line 5, column PM10: -3 is negative" in err
    assert "line 6, column time: 2011-01-01 is before 2013-01-01" in err
    assert "line 7, column time: 2099-01-01 is in the future" in err
    assert "line 8, column time: 'yesterday' is not a date and time" in err
    rows = rows_of(out)
    assert [r["AQI"] for r in rows] == ["128", "120", "88", "120", "", "", ""]
    assert rows[3]["IAQI_SO2"] == ""
    assert rows[3]["IAQI_CO"] == ""
    assert rows[3]["IAQI_PM10"] == ""


def test_co_that_the_table_defines_is_computed_with_a_warning_and_a_flag(tmp_path, capsys):
    path = tmp_path / "co.csv"
    path.write_text(HOURLY + "2017-07-07 17:00,X,10,10,59.9,10,10,10\n2017-07-07 18:00,X,10,10,119.9,10,10,10\n",
                    encoding="utf-8")
    code, out, err = run(capsys, "aqi", path, "--period", "hour")
    assert code == 0
    rows = rows_of(out)
    # HJ 633 CO 1-h: 150 + (59.9 − 35)/(60 − 35) × 50 = 199.8 -> 200; 300 + (119.9 − 90)/30 × 100 = 399.7 -> 400.
    assert [r["IAQI_CO"] for r in rows[3:]] == ["200", "400"]
    assert [r["AQI"] for r in rows[3:]] == ["200", "400"]
    assert [r["flags"] for r in rows] == ["", "", "", "CO_unit_suspect", "CO_unit_suspect"]
    assert "line 5, column CO: CO 59.9 mg/m³ is unusually high: was it given in µg/m³?" in err
    assert "line 6, column CO: CO 119.9 mg/m³ is unusually high" in err
    assert "error" not in err


def test_the_analyst_says_the_co_unit(tmp_path, capsys):
    path = tmp_path / "ug.csv"
    path.write_text(HOURLY.replace(",2.8,", ",2800,").replace(",1.3,", ",1300,").replace(",1.6,", ",1600,"),
                    encoding="utf-8")
    code, out, err = run(capsys, "aqi", path, "--period", "hour", "--co-unit", "ug")
    assert code == 0
    assert err == ""
    rows = rows_of(out)
    # 2.8 mg/m³: 50 × 2.8/5 = 28; the published AQI of the rows is unchanged.
    assert [r["AQI"] for r in rows] == ["128", "120", "88"]
    assert rows[0]["IAQI_CO"] == "28"
    assert rows[0]["CO"] == "2800"
    high = tmp_path / "high.csv"
    high.write_text(HOURLY + "2017-07-07 17:00,X,10,10,1300,10,10,10\n2017-07-07 18:00,X,10,10,60,10,10,10\n",
                    encoding="utf-8")
    code, out, err = run(capsys, "aqi", high, "--period", "hour", "--co-unit", "mg")
    assert code == 0
    assert err == ""
    assert [r["IAQI_CO"] for r in rows_of(out)[3:]] == ["500+", "200"]


def test_a_missing_column_stops_with_a_message(tmp_path, capsys):
    path = tmp_path / "short.csv"
    path.write_text("time,SO2,NO2,CO,O3,PM10\n2018-02-20 07:00,1,1,1,1,1\n", encoding="utf-8")
    code, out, err = run(capsys, "aqi", path, "--period", "hour")
    assert code == 2
    assert out == ""
    assert "line 1: the column(s) PM2.5 are missing" in err


def test_an_unreadable_file_and_a_bad_output_name_are_errors(tmp_path, capsys):
    code, _, err = run(capsys, "aqi", tmp_path / "nothing.csv", "--period", "hour")
    assert code == 2
    assert "cannot read" in err
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\x00\x01\x02")
    code, _, err = run(capsys, "aqi", binary, "--period", "hour")
    assert code == 2
    assert "binary" in err
    code, _, err = run(capsys, "aqi", binary, "--period", "hour", "-o", tmp_path / "out.txt")
    assert code == 2
    assert ".csv, .xlsx or .json" in err


def _hourly_year_file(path, *, drop_station_b_from: int | None = None) -> None:
    rng = np.random.default_rng(11)
    times = np.arange(
        np.datetime64("2023-01-01T01:00"), np.datetime64("2024-01-01T01:00"), np.timedelta64(1, "h")
    )
    lines = ["time,station,SO2,NO2,CO,O3,PM10,PM2.5"]
    for station in ("A", "B"):
        for i, t in enumerate(times):
            if station == "B" and drop_station_b_from is not None and i >= drop_station_b_from:
                continue
            so2, no2, o3, pm10, pm25 = rng.integers(5, 90, 5)
            co = rng.integers(2, 20) / 10
            lines.append(f"{str(t).replace('T', ' ')},{station},{so2},{no2},{co},{o3},{pm10},{pm25}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_evaluate_by_year_gives_statistics_or_insufficient_data(tmp_path, capsys):
    path = tmp_path / "year.csv"
    _hourly_year_file(path, drop_station_b_from=24 * 300)
    target = tmp_path / "year.json"
    code, _, err = run(capsys, "evaluate", path, "--by", "year", "-o", target)
    assert code == 0, err
    records = json.loads(target.read_text(encoding="utf-8"))
    assert [(r["station"], r["period"]) for r in records] == [("A", "2023"), ("B", "2023")]
    assert isinstance(records[0]["PM2.5_mean"], int)
    assert records[0]["valid_aqi_days"] == 365
    assert records[0]["attainment"] in ("attains", "exceeds")
    assert records[1]["PM2.5_mean"] == "insufficient data"
    assert records[1]["attainment"] == "insufficient data"
    assert records[1]["composite_index"] == "insufficient data"


def test_evaluate_by_month_on_daily_input(tmp_path, capsys):
    path = tmp_path / "days.csv"
    lines = ["date,SO2,NO2,CO,PM10,PM2.5,O3_8h"]
    for day in range(1, 32):
        lines.append(f"2024-01-{day:02d},10,30,0.8,70,40,90")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "evaluate", path, "--by", "month")
    rows = rows_of(out)
    assert code == 0
    assert rows[0]["period"] == "2024-01"
    assert (
        rows[0]["PM2.5_mean"] == "40"
    )
    assert (
        rows[0]["good_days"] == "31"
    )
    assert (
        rows[0]["good_days_ratio"] == "100"
    )
    assert rows[0]["attainment"] == "not assessed"


def test_the_module_runs_as_a_script(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "hours.csv"
    path.write_text(HOURLY, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "lanqing.standards.cli", "aqi", str(path), "--period", "hour"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert "128" in done.stdout
