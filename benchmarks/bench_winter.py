"""Heavy-pollution compliance benchmark (issue 19, item 8).

``OUTLETS`` listed outlets, each with SO2 and flue-gas flow every hour for the 14 baseline days and a 7-day
orange warning (21 days × 24 h × 2 factors per outlet), in a fresh SQLite database in a temporary folder.
Timed: ``winter.compliance.warning_compliance`` for the whole warning (every outlet's hourly and episode cut),
against the baseline of reading the same measurements once (one query over the same rows, values into a dict),
in the same process. Printed: both times and their ratio, against the goal of 5×.

Run: ``python benchmarks/bench_winter.py`` (``--quick``: 100 outlets). No assertions. The work runs in a child
process so that this module does not configure Django itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
GOAL = 5.0
WARNING_DAYS, BASELINE_DAYS = 7, 14


def child(outlets: int) -> dict:
    import django

    django.setup()
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from lanqing.monitoring.factors import factors_ensure
    from lanqing.monitoring.models import Factor, Measurement, Period, Point, Site
    from lanqing.org.credit_code import make_credit_code
    from lanqing.org.divisions import gu_county_load
    from lanqing.org.models import Enterprise, Industry, Jurisdiction
    from lanqing.winter.compliance import warning_compliance
    from lanqing.winter.models import PollutionWarning, ReductionEntry, ReductionList

    gu_county_load()
    factors_ensure()
    county = Jurisdiction.objects.get(code="141025000000")
    township = Jurisdiction.objects.get(code="141025100000")
    industry = Industry.objects.create(code="2521", name="炼焦")
    so2, flow = Factor.objects.get(code="a21026"), Factor.objects.get(code="a00000")
    zone = ZoneInfo("Asia/Shanghai")
    start = datetime(2026, 1, 15, 0, 0, tzinfo=zone)
    listed = ReductionList.objects.create(jurisdiction=county, season="2025-2026", version=1, created_at=start)
    first_hour = start - timedelta(days=BASELINE_DAYS)
    hours = (BASELINE_DAYS + WARNING_DAYS) * 24
    for number in range(outlets):
        enterprise = Enterprise.objects.create(credit_code=make_credit_code(f"91141025MA{number:07d}"),
                                               name=f"企业{number}", industry=industry, township=township)
        site = Site.objects.create(kind="outlet", code=f"B{number:05d}", name=f"排口{number}", jurisdiction=township,
                                   enterprise=enterprise, outlet_medium="gas")
        point = Point.objects.create(site=site, code="1", name="1#")
        rows = []
        for hour in range(hours):
            when = first_hour + timedelta(hours=hour)
            cut = 0.5 if hour >= BASELINE_DAYS * 24 else 1.0
            rows.append(Measurement(point=point, factor=so2, period=Period.HOUR, time=when,
                                    value=(80 + number % 40 + hour % 24) * cut))
            rows.append(Measurement(point=point, factor=flow, period=Period.HOUR, time=when, value=12.0))
        Measurement.objects.bulk_create(rows, batch_size=2000)
        ReductionEntry.objects.create(reduction_list=listed, enterprise=enterprise, level="orange", site=site,
                                      allowed_share=50, factor=so2, measure="限产一半")
    warning = PollutionWarning.objects.create(
        jurisdiction=county, level="orange", starts_at=start, ends_at=start + timedelta(days=WARNING_DAYS),
        document_number="bench", issuer="bench", reduction_list=listed, issued_at=start)
    now = start + timedelta(days=WARNING_DAYS + 1)

    def read_once() -> int:
        rows = Measurement.objects.filter(period=Period.HOUR, flag="N", time__gte=first_hour,
                                          time__lt=warning.ends_at).values_list("point_id", "factor__code",
                                                                                "time", "value")
        values = {(p, c, t): v for p, c, t, v in rows.iterator(chunk_size=5000)}
        return len(values)

    read_once()  # warm the page cache for both
    started = time.perf_counter()
    count = read_once()
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    figures = warning_compliance(warning, now=now)
    measured = time.perf_counter() - started
    achieved = sorted(round(f.achieved or 0, 1) for f in figures)
    return {"outlets": outlets, "rows": count, "read_once_s": baseline, "compliance_s": measured,
            "achieved_median": achieved[len(achieved) // 2]}


def main(quick: bool = False) -> None:
    outlets = 100 if quick else 1000
    with tempfile.TemporaryDirectory() as data_dir:
        env = dict(os.environ)
        env.update({"LANQING_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "lanqing.settings",
                    "PYTHONPATH": os.pathsep.join([str(SRC), str(HERE.parent), env.get("PYTHONPATH", "")])})
        env.pop("LANQING_DATABASE_URL", None)
        done = subprocess.run([sys.executable, __file__, "--child", str(outlets)], env=env, check=True,
                              capture_output=True, text=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    ratio = result["compliance_s"] / result["read_once_s"]
    print(f"compliance of {result['outlets']} outlets, {WARNING_DAYS}-day warning, {BASELINE_DAYS}-day baseline "
          f"({result['rows']:,} hourly values): {result['compliance_s']:.2f} s; reading them once: "
          f"{result['read_once_s']:.2f} s; ratio {ratio:.2f}× (goal ≤ {GOAL:.0f}×); median achieved cut "
          f"{result['achieved_median']} %")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(child(int(sys.argv[2]))))
    else:
        main(quick="--quick" in sys.argv)
