"""The year's work at a province's size (issue 17, item 10): 10,000 key tasks, 1,000,000 ledger households,
500 units (``--quick``: 1,000 tasks, 20,000 households, 50 units).

Figures, each a ratio to a baseline of the same run on the same fresh SQLite database:
* **task import** — ``tasks_import`` of the offices' workbook (every row checked, all written in one
  transaction) against ``read_table`` reading the same file once;
* **household import** — ``households_import`` of the ledger as CSV against reading the same file once;
* **scorecards** — every township's and unit's card for the year against reading the rows they come from once
  (cases, tasks, letter targets, households: ``values_list`` over each table);
* **ledger progress page** — p95 of ``/yearwork/heating/progress/`` for the bureau against the login page, and
  against the password page of the same signed-in user (whose menu costs what every signed-in page's does).
  The pages are served in-process by Django's test client, not through ``lanqing web`` over a socket: the
  ratio is the view's own cost, not the server's.

Run: ``python benchmarks/bench_yearwork.py [--quick]`` (or ``benchmarks/run.py yearwork``). Ratios printed; no
assertions. The work runs in a child process so that this module does not configure Django itself.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
PAGE_SAMPLES = 40


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(int(len(ordered) * 0.95) - 1, 0)]


def _timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def child(quick: bool) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from openpyxl import Workbook

    from lanqing.org.accounts import user_create
    from lanqing.org.divisions import gu_county_load
    from lanqing.org.models import Jurisdiction, Level, Unit, UnitKind
    from lanqing.tabular import read_table
    from lanqing.yearwork.heating import HEADERS_ZH as HOUSEHOLD_HEADERS
    from lanqing.yearwork.heating import ID_CHECK, ID_WEIGHTS, MAX_ROWS, households_import
    from lanqing.yearwork.models import Household, LetterTarget, Plan, Task, VillageHeating
    from lanqing.yearwork.scorecard import Period, scorecards
    from lanqing.yearwork.task_table import HEADERS_ZH as TASK_HEADERS
    from lanqing.yearwork.task_table import tasks_import

    tasks, households, units = (1_000, 20_000, 50) if quick else (10_000, 1_000_000, 500)
    call_command("migrate", interactive=False, verbosity=0)
    gu_county_load()
    county = Jurisdiction.objects.get(code="141025000000")
    bureau = Unit.objects.create(name="生态环境局", kind=UnitKind.BUREAU, jurisdiction=county)
    Unit.objects.bulk_create([Unit(name=f"部门{n:04d}", jurisdiction=county) for n in range(units)])
    user = user_create(username="bureau", password="bench-password-9", role="bureau", scope=bureau.name,
                       check_password=False)
    townships = list(Jurisdiction.objects.filter(level=Level.TOWNSHIP, code__startswith=county.prefix))
    villages = list(Jurisdiction.objects.filter(level=Level.VILLAGE, code__startswith=county.prefix)
                    .select_related("parent"))
    plan = Plan.objects.create(jurisdiction=county, year=2020, title="重点工作", created_at=django_now())

    book = Workbook(write_only=True)
    sheet = book.create_sheet("重点任务")
    sheet.append(TASK_HEADERS)
    for n in range(1, tasks + 1):
        sheet.append([n, f"重点任务{n}", f"部门{n % units:04d}", f"部门{(n + 1) % units:04d}",
                      townships[n % len(townships)].name, "2020-12-31", f"完成 {n % 90 + 10}户",
                      "2020-06-30 完成方案；2020-11-30 完成验收"])
    buffer = io.BytesIO()
    book.save(buffer)
    workbook = buffer.getvalue()
    read_s, _ = _timed(lambda: read_table(workbook, max_rows=tasks + 1))
    import_s, record = _timed(lambda: tasks_import(plan=plan, by=user, data=workbook, file_name="tasks.xlsx"))
    assert not record.errors, record.errors[:3]  # type: ignore[attr-defined]

    # A ledger file holds at most MAX_ROWS households (the import refuses more), so a province's ledger comes as
    # several files, as its townships would send them.
    files: list[bytes] = []
    text, writer = io.StringIO(), None
    for n in range(households):
        if n % MAX_ROWS == 0:
            if writer is not None:
                files.append(text.getvalue().encode())
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(HOUSEHOLD_HEADERS)
        assert writer is not None
        village = villages[n % len(villages)]
        # Region, birth date, sequence: distinct for every n below 16,800,000.
        d = n // 1000
        body = f"141025{1950 + d % 50}{(d // 50) % 12 + 1:02d}{(d // 600) % 28 + 1:02d}{n % 1000:03d}"
        number = body + ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
        writer.writerow([village.parent.name if village.parent else "", village.name, f"户主{n}", number, "",
                         "散煤", "煤改电" if n % 3 else "", "2020-11-01" if n % 3 else "", 3000, 1500])
    files.append(text.getvalue().encode())
    ledger_read_s = ledger_import_s = 0.0
    written = 0
    for ledger in files:
        seconds, _ = _timed(lambda ledger=ledger: read_table(ledger, max_rows=MAX_ROWS + 1))
        ledger_read_s += seconds
        seconds, (count, errors) = _timed(lambda ledger=ledger: households_import(by=user, data=ledger))
        ledger_import_s += seconds
        assert not errors, errors[:3]
        written += count
    VillageHeating.objects.bulk_create([VillageHeating(village=v, year=2020, households_target=households
                                                       // len(villages)) for v in villages])

    all_units = list(Unit.objects.filter(kind=UnitKind.DEPARTMENT))
    rows_s, _ = _timed(lambda: (list(Task.objects.values_list("id", "completion", "lead_unit")),
                                list(LetterTarget.objects.values_list("id", "measured")),
                                list(Household.objects.values_list("id", "township", "converted_on"))))
    cards_s, cards = _timed(lambda: scorecards(townships=townships, units=all_units, period=Period(2020)))

    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    trivial, signed_in, progress = [], [], []
    for _ in range(PAGE_SAMPLES):
        seconds, response = _timed(lambda: client.get("/login/"))
        trivial.append(seconds)
        seconds, response = _timed(lambda: client.get("/account/password/"))
        signed_in.append(seconds)
        seconds, response = _timed(lambda: client.get("/yearwork/heating/progress/", {"year": 2020}))
        assert response.status_code == 200, response.status_code  # type: ignore[attr-defined]
        progress.append(seconds)
    return {"tasks": tasks, "households": written, "units": units, "cards": len(cards),
            "task_import_s": import_s, "task_read_s": read_s, "ledger_import_s": ledger_import_s,
            "ledger_read_s": ledger_read_s, "cards_s": cards_s, "rows_s": rows_s,
            "progress_p95_s": _p95(progress), "login_p95_s": _p95(trivial), "signed_in_p95_s": _p95(signed_in)}


def django_now():
    from django.utils import timezone

    return timezone.now()


def main(quick: bool = False) -> None:
    with tempfile.TemporaryDirectory(prefix="lanqing-bench-yearwork-") as data_dir:
        env = dict(os.environ)
        env.update({"LANQING_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "lanqing.settings",
                    "PYTHONPATH": os.pathsep.join([str(SRC), str(HERE.parent), env.get("PYTHONPATH", "")])})
        env.pop("LANQING_DATABASE_URL", None)
        args = [sys.executable, __file__, "--child"] + (["--quick"] if quick else [])
        output = subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    print(f"{figures['tasks']:,} tasks, {figures['households']:,} households, {figures['units']} units, "
          f"{figures['cards']} scorecards (SQLite)")
    print(f"task import      {figures['task_import_s']:8.2f} s   reading the workbook once "
          f"{figures['task_read_s']:6.2f} s   ratio {figures['task_import_s'] / figures['task_read_s']:6.1f}")
    print(f"household import {figures['ledger_import_s']:8.2f} s   reading the CSV once      "
          f"{figures['ledger_read_s']:6.2f} s   ratio {figures['ledger_import_s'] / figures['ledger_read_s']:6.1f}")
    print(f"scorecards       {figures['cards_s']:8.2f} s   reading their rows once   "
          f"{figures['rows_s']:6.2f} s   ratio {figures['cards_s'] / figures['rows_s']:6.1f}")
    print(f"progress page p95 {figures['progress_p95_s'] * 1000:7.1f} ms  login page p95 "
          f"{figures['login_p95_s'] * 1000:6.1f} ms   ratio {figures['progress_p95_s'] / figures['login_p95_s']:6.1f}")
    print(f"                           password page p95 {figures['signed_in_p95_s'] * 1000:6.1f} ms   "
          f"ratio {figures['progress_p95_s'] / figures['signed_in_p95_s']:6.1f}")


if __name__ == "__main__":
    if "--child" in sys.argv:
        print(json.dumps(child(quick="--quick" in sys.argv)))
    else:
        main(quick="--quick" in sys.argv)
