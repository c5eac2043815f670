"""`lanqing aqi` and `lanqing evaluate`: the standards engine on a CSV (UTF-8 or GBK) or XLSX file, for
analysts."""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from lanqing.cli_language import gettext as _
from lanqing.standards import air_tables
from lanqing.standards.aqi import ABOVE_TABLE, NOT_USED, MissingIndicators, canonical, compute_aqi
from lanqing.standards.evaluation import VERDICT_TEXT, evaluate_daily, evaluate_hourly
from lanqing.standards.versions import EARLIEST_DATA, beijing_today, data_day, parse_standard
from lanqing.tabular import TableError, cell_text, parse_local_datetime, read_table

OUTPUT_KINDS = (".csv", ".xlsx", ".json")


def register(subparsers: Any) -> None:
    aqi = subparsers.add_parser(
        "aqi",
        help=_("compute the AQI (HJ 633) of hourly or daily concentrations in a CSV or XLSX file"),
        description=_("Reads columns time (or date), optional station, and SO2, NO2, CO (mg/m³), O3, PM10, "
                      "PM2.5 (µg/m³; for --period day also O3_8h, the daily max 8-h mean). Writes the input "
                      "columns, then AQI, level, category, primary_pollutants and IAQI_<column>."),
    )
    aqi.add_argument("file", help=_("CSV (UTF-8 or GBK) or XLSX file"))
    aqi.add_argument("--period", required=True, choices=["hour", "day"], help=_("hourly or daily values"))
    aqi.add_argument(
        "--standard",
        default="auto",
        choices=["auto", "2012", "2026"],
        help=_("HJ 633 version; auto = by the date of each row (2026 rules from 2026-03-01)"),
    )
    aqi.add_argument("-o", "--output", help=_("output file, .csv, .xlsx or .json (default: CSV on stdout)"))
    _co_unit_option(aqi)
    aqi.set_defaults(func=cmd_aqi)

    evaluate = subparsers.add_parser(
        "evaluate",
        help=_("assess hourly or daily air-quality data per HJ 663 by month, quarter or year"),
        description=_("Hourly input: time, optional station, SO2, NO2, CO, O3, PM10, PM2.5. Daily input: date, "
                      "optional station, SO2, NO2, CO, PM10, PM2.5, O3_8h (optional O3 = daily max 1-h)."),
    )
    evaluate.add_argument("file", help=_("CSV (UTF-8 or GBK) or XLSX file"))
    evaluate.add_argument(
        "--by", default="year", choices=["month", "quarter", "year"], help=_("period of the statistics")
    )
    evaluate.add_argument(
        "--standard",
        default="auto",
        choices=["auto", "2012", "2026"],
        help=_("version of the standards; auto = by date"),
    )
    evaluate.add_argument("-o", "--output", help=_("output file, .csv, .xlsx or .json (default: CSV on stdout)"))
    _co_unit_option(evaluate)
    evaluate.set_defaults(func=cmd_evaluate)


def _co_unit_option(parser: Any) -> None:
    parser.add_argument(
        "--co-unit",
        choices=["mg", "ug"],
        help=_("unit of the CO column: mg (mg/m³) or ug (µg/m³, divided by 1000); without it CO is read as "
               "mg/m³ and values above %(limit)s are flagged as a possible unit mistake")
        % {"limit": air_tables.CO_SUSPECT_ABOVE_MG_M3},
    )


# ---- reading -----------------------------------------------------------------------------------------------


@dataclass
class Problems:
    name: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def error(self, line: int | None, column: str | None, text: str) -> None:
        self.errors.append(self._where(line, column) + text)

    def warn(self, line: int | None, column: str | None, text: str) -> None:
        self.warnings.append(self._where(line, column) + text)

    def _where(self, line: int | None, column: str | None) -> str:
        place = {"file": self.name, "line": line, "column": column}
        if line is not None and column is not None:
            return _("%(file)s, line %(line)s, column %(column)s: ") % place
        if line is not None:
            return _("%(file)s, line %(line)s: ") % place
        if column is not None:
            return _("%(file)s, column %(column)s: ") % place
        return f"{self.name}: "

    def report(self) -> None:
        for text in self.warnings:
            print(_("warning: %(problem)s") % {"problem": text}, file=sys.stderr)
        for text in self.errors:
            print(_("error: %(problem)s") % {"problem": text}, file=sys.stderr)


@dataclass
class Parsed:
    header: list[str]
    lines: list[int]
    cells: list[list[str]]  # the input cells as text
    when: list[datetime | None]
    stations: list[str]
    values: dict[str, np.ndarray]  # pollutant column -> float64, NaN where blank or bad
    flags: list[list[str]]  # per row: marks for the output's flags column, e.g. "CO_unit_suspect"


class FileProblem(Exception):
    pass


def _read(
    path: Path,
    problems: Problems,
    *,
    time_column: str,
    pollutant_columns: dict[str, str],
    required: tuple[str, ...],
    hourly: bool,
    co_unit: str | None = None,
) -> Parsed:
    """co_unit: "mg" or "ug" when the user said which; None reads mg/m³ and flags values that look like µg/m³."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileProblem(_("%(file)s: cannot read the file: %(reason)s") % {"file": path, "reason": exc.strerror}) from None
    try:
        table = read_table(data)
    except TableError as exc:
        raise FileProblem(f"{path.name}: {_table_error(exc)}") from None
    header = table.header
    lowered = {h.strip().lower(): i for i, h in enumerate(header)}
    if time_column not in lowered:
        raise FileProblem(_("%(file)s: line 1: the column %(column)s is missing") % {
            "file": path.name, "column": repr(time_column)})
    t_index = lowered[time_column]
    s_index = lowered.get("station")
    chosen: dict[str, int] = {}
    for i, name in enumerate(header):
        indicator = canonical(name)
        if indicator is not None and indicator in pollutant_columns.values():
            chosen[name] = i
    present = {canonical(name) for name in chosen}
    missing = [pollutant for pollutant in required if pollutant not in present]
    if missing:
        names = [next(k for k, v in pollutant_columns.items() if v == m) for m in missing]
        raise FileProblem(_("%(file)s: line 1: the column(s) %(columns)s are missing") % {
            "file": path.name, "columns": ", ".join(names)})
    today = beijing_today()
    lines, cells, when, stations = [], [], [], []
    flags: list[list[str]] = [[] for _ in table.rows]
    co_top = max(air_tables.BREAKPOINTS[v]["CO_1h" if hourly else "CO_24h"][-1] for v in air_tables.BREAKPOINTS)
    values = {name: np.full(len(table.rows), np.nan) for name in chosen}
    for r, (line, row) in enumerate(table.rows):
        texts = [cell_text(row[i]) if i < len(row) else "" for i in range(len(header))]
        lines.append(line)
        cells.append(texts)
        stations.append(texts[s_index] if s_index is not None else "")
        moment = _moment(row[t_index] if t_index < len(row) else "", texts[t_index], problems, line=line,
                         column=header[t_index], hourly=hourly, today=today)
        when.append(moment)
        for name, i in chosen.items():
            raw = row[i] if i < len(row) else ""
            text = cell_text(raw)
            if text == "" or text in ("-", "—", "-;", "NA", "N/A"):
                continue
            try:
                number = float(raw) if isinstance(raw, (int, float)) else float(text.replace(",", ""))
            except ValueError:
                problems.error(line, name, _("%(value)s is not a number") % {"value": repr(text)})
                continue
            if not math.isfinite(number):
                problems.error(line, name, _("%(value)s is not a number") % {"value": repr(text)})
                continue
            if number < 0:
                problems.error(line, name, _("%(value)s is negative; a concentration cannot be") % {"value": text})
                continue
            if canonical(name) == "CO":
                co = _co_mg(number, text, problems, flags[r], line=line, column=name, co_unit=co_unit, co_top=co_top)
                if co is None:
                    continue
                number = co
            values[name][r] = number
    return Parsed(header, lines, cells, when, stations, values, flags)


def _moment(raw: Any, text: str, problems: Problems, *, line: int, column: str, hourly: bool,
            today: date) -> datetime | None:
    """The row's time, or None (with the error recorded) when it is missing, too old or in the future."""
    moment = parse_local_datetime(raw)
    if moment is None:
        problems.error(line, column, _("%(value)s is not a date and time") % {"value": repr(text)})
        return None
    day = data_day(moment) if hourly else moment.date()
    if day < EARLIEST_DATA:
        problems.error(line, column, _("%(day)s is before %(earliest)s") % {
            "day": day.isoformat(), "earliest": EARLIEST_DATA.isoformat()})
        return None
    if day > today:
        problems.error(line, column, _("%(day)s is in the future") % {"day": day.isoformat()})
        return None
    return moment


def _co_mg(number: float, text: str, problems: Problems, row_flags: list[str], *, line: int, column: str,
           co_unit: str | None, co_top: float) -> float | None:
    """A CO value in mg/m³, or None (with the error recorded) when it cannot be one."""
    if co_unit == "ug":
        return number / 1000
    if co_unit is None and number > co_top:
        # Above HJ 633's whole table: surely µg/m³, and no sub-index could be given anyway.
        problems.error(line, column, _(
            "CO %(value)s mg/m³ is implausible: was it given in µg/m³? Say --co-unit ug if the column "
            "is in µg/m³") % {"value": text})
        return None
    if co_unit is None and number > air_tables.CO_SUSPECT_ABOVE_MG_M3:
        problems.warn(line, column, _(
            "CO %(value)s mg/m³ is unusually high: was it given in µg/m³? Computed as mg/m³; say "
            "--co-unit ug if the column is in µg/m³, --co-unit mg to silence this") % {"value": text})
        row_flags.append("CO_unit_suspect")
    return number


def _table_error(error: TableError) -> str:
    return _(error.reason) % error.params


# ---- writing -----------------------------------------------------------------------------------------------


def _write(header: list[str], rows: list[list[Any]], output: str | None) -> None:
    if output is None:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return
    path = Path(output)
    kind = path.suffix.lower()
    if kind == ".json":
        records = [dict(zip(header, row, strict=True)) for row in rows]
        path.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    elif kind == ".xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        book.save(path)
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
        # A BOM so that Excel on a Chinese Windows opens the UTF-8 file correctly.
        path.write_text(buffer.getvalue(), encoding="utf-8-sig")


def _written(header: list[str], rows: list[list[Any]], output: str | None, *, command: str) -> bool:
    try:
        _write(header, rows, output)
    except OSError as exc:
        print(f"lanqing {command}: " + _("cannot write %(file)s: %(reason)s") % {
            "file": output, "reason": exc.strerror}, file=sys.stderr)
        return False
    return True


def _check_output(output: str | None) -> str | None:
    if output is not None and Path(output).suffix.lower() not in OUTPUT_KINDS:
        return _("the output must end in .csv, .xlsx or .json, not %(name)s") % {"name": repr(Path(output).name)}
    return None


# ---- lanqing aqi -------------------------------------------------------------------------------------------

HOUR_COLUMNS = {
    "SO2": "SO2",
    "NO2": "NO2",
    "CO": "CO",
    "O3": "O3_1h",
    "PM10": "PM10",
    "PM2.5": "PM2.5",
    "O3_8h": "O3_8h",
    "SO2_24h": "SO2_24h",
}
DAY_COLUMNS = {
    "SO2": "SO2",
    "NO2": "NO2",
    "CO": "CO",
    "PM10": "PM10",
    "PM2.5": "PM2.5",
    "O3_8h": "O3_8h",
    "O3": "O3_1h",
}
REQUIRED = {
    "hour": ("SO2", "NO2", "CO", "O3_1h", "PM10", "PM2.5"),
    "day": ("SO2", "NO2", "CO", "PM10", "PM2.5", "O3_8h"),
}


def cmd_aqi(args: argparse.Namespace) -> int:
    path = Path(args.file)
    problems = Problems(path.name)
    bad_output = _check_output(args.output)
    if bad_output:
        print(f"lanqing aqi: {bad_output}", file=sys.stderr)
        return 2
    hourly = args.period == "hour"
    try:
        parsed = _read(
            path,
            problems,
            time_column="time" if hourly else "date",
            pollutant_columns=HOUR_COLUMNS if hourly else DAY_COLUMNS,
            required=REQUIRED[args.period],
            hourly=hourly,
            co_unit=args.co_unit,
        )
    except FileProblem as exc:
        print(f"lanqing aqi: {exc}", file=sys.stderr)
        return 2
    times = np.array(
        [np.datetime64(t, "m") if t is not None else np.datetime64("NaT") for t in parsed.when],
        dtype="datetime64[m]",
    )
    standard = parse_standard(args.standard)
    try:
        result = compute_aqi(
            parsed.values, period=args.period, standard=standard, times=times, check_co_unit=args.co_unit is None
        )
    except MissingIndicators as exc:
        print(f"lanqing aqi: {path.name}: {exc}", file=sys.stderr)
        return 2
    for j, column in enumerate(result.columns):
        unused = result.codes[j] == NOT_USED
        if unused.any():
            problems.warn(
                None,
                column,
                (_("not part of the hourly AQI under HJ 633-2026; left out (%(count)s rows)")
                 if args.period == "hour" else
                 _("not part of the daily AQI under HJ 633-2026; left out (%(count)s rows)"))
                % {"count": int(unused.sum())},
            )
    iaqi_columns = [name for name in parsed.header if name in result.columns]
    header = [
        *parsed.header,
        "AQI",
        "level",
        "category",
        "primary_pollutants",
        *[f"IAQI_{name}" for name in iaqi_columns],
        "flags",
    ]
    primaries = result.joined(result.primary)
    levels = result.level
    rows = []
    for r in range(len(parsed.lines)):
        a = int(result.aqi[r])
        row: list[Any] = list(parsed.cells[r])
        if a < 0:
            row += ["", "", "", ""]
        else:
            row += [
                f"{a}+" if result.above_table[r] else a,
                int(levels[r]),
                air_tables.CATEGORY_ZH[levels[r] - 1],
                primaries[r],
            ]
        for name in iaqi_columns:
            code = int(result.codes[result.columns.index(name), r])
            row.append("" if code < 0 else ("500+" if code == ABOVE_TABLE else code))
        row.append(" ".join(parsed.flags[r]))
        rows.append(row)
    if not _written(header, rows, args.output, command="aqi"):
        return 2
    problems.report()
    return 1 if problems.errors else 0


# ---- lanqing evaluate --------------------------------------------------------------------------------------

EVAL_HOUR = {"SO2": "SO2", "NO2": "NO2", "CO": "CO", "O3": "O3_1h", "PM10": "PM10", "PM2.5": "PM2.5"}
EVAL_DAY = {
    "SO2": "SO2",
    "NO2": "NO2",
    "CO": "CO",
    "PM10": "PM10",
    "PM2.5": "PM2.5",
    "O3_8h": "O3_8h",
    "O3": "O3_1h",
}


def cmd_evaluate(args: argparse.Namespace) -> int:
    path = Path(args.file)
    problems = Problems(path.name)
    bad_output = _check_output(args.output)
    if bad_output:
        print(f"lanqing evaluate: {bad_output}", file=sys.stderr)
        return 2
    try:
        data = path.read_bytes()
        header = read_table(data).header
    except OSError as exc:
        print("lanqing evaluate: " + _("%(file)s: cannot read the file: %(reason)s") % {
            "file": path, "reason": exc.strerror}, file=sys.stderr)
        return 2
    except TableError as exc:
        print(f"lanqing evaluate: {path.name}: {_table_error(exc)}", file=sys.stderr)
        return 2
    hourly = "time" in {h.strip().lower() for h in header}
    try:
        parsed = _read(
            path,
            problems,
            time_column="time" if hourly else "date",
            pollutant_columns=EVAL_HOUR if hourly else EVAL_DAY,
            required=("SO2", "NO2", "CO", "O3_1h", "PM10", "PM2.5") if hourly else REQUIRED["day"],
            hourly=hourly,
            co_unit=args.co_unit,
        )
    except FileProblem as exc:
        print(f"lanqing evaluate: {exc}", file=sys.stderr)
        return 2
    good = [r for r, t in enumerate(parsed.when) if t is not None]
    if not good:
        problems.report()
        print("lanqing evaluate: " + _("%(file)s: no row has a usable date") % {"file": path.name}, file=sys.stderr)
        return 2
    moments = [parsed.when[r] for r in good]
    days = [data_day(m) if hourly else m.date() for m in moments if m is not None]
    first, last = min(days), max(days)
    n_days = (last - first).days + 1
    stations = sorted({parsed.stations[r] for r in good})
    index = {s: i for i, s in enumerate(stations)}
    slots = n_days * 24 if hourly else n_days
    by_indicator = {canonical(name): name for name in parsed.values}
    arrays = {name: np.full((len(stations), slots), np.nan) for name in parsed.values}
    seen = np.zeros((len(stations), slots), dtype=bool)
    for r, day in zip(good, days, strict=True):
        moment = parsed.when[r]
        assert moment is not None
        if hourly:
            start = datetime(first.year, first.month, first.day)  # noqa: DTZ001 - data hours are naive Beijing time
            # Slot 0 holds 00:00–01:00 of the first day, labelled 01:00 (the label marks the hour's end) [U].
            slot = int((moment - start) / timedelta(hours=1)) - 1
        else:
            slot = (day - first).days
        s = index[parsed.stations[r]]
        if seen[s, slot]:
            problems.error(
                parsed.lines[r], parsed.header[0], _("a second row for the same station and time; ignored")
            )
            continue
        seen[s, slot] = True
        for name in parsed.values:
            arrays[name][s, slot] = parsed.values[name][r]
    standard = parse_standard(args.standard)
    if hourly:
        hourly_values = {("O3" if k == "O3_1h" else k): arrays[v] for k, v in by_indicator.items() if k}
        evaluation = evaluate_hourly(hourly_values, first_day=first, by=args.by, standard=standard)
    else:
        daily = {("O3" if k == "O3_8h" else k): arrays[v] for k, v in by_indicator.items() if k}
        evaluation = evaluate_daily(daily, first_day=first, by=args.by, standard=standard)
    header_out = ["station", "period", "start", "end"]
    for name in evaluation.statistics:
        header_out += [name, f"{name}_valid_days", f"{name}_verdict"]
    header_out += [
        "valid_aqi_days",
        "good_days",
        "good_days_ratio",
        "heavy_pollution_days",
        "composite_index",
        "composite_main_pollutant",
        "attainment",
    ]
    rows = []
    for s, station in enumerate(stations):
        for p, label in enumerate(evaluation.periods):
            row: list[Any] = [
                station,
                label,
                evaluation.period_start[p].isoformat(),
                evaluation.period_end[p].isoformat(),
            ]
            for st in evaluation.statistics.values():
                value = st.rounded[s, p]
                row += [
                    "insufficient data" if math.isnan(value) else _number(value),
                    int(st.valid_days[s, p]),
                    VERDICT_TEXT[int(st.verdict[s, p])],
                ]
            ratio = evaluation.good_ratio[s, p]
            composite = evaluation.composite_rounded[s, p]
            row += [
                int(evaluation.valid_aqi_days[s, p]),
                int(evaluation.good_days[s, p]),
                "insufficient data" if math.isnan(ratio) else _number(ratio),
                int(evaluation.heavy_days[s, p]),
                "insufficient data" if math.isnan(composite) else _number(composite),
                evaluation.composite_main[s][p],
                VERDICT_TEXT[int(evaluation.attainment[s, p])],
            ]
            rows.append(row)
    if not _written(header_out, rows, args.output, command="evaluate"):
        return 2
    problems.report()
    return 1 if problems.errors else 0


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lanqing.standards.cli")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
