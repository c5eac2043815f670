"""Supervision benchmark (issue 5, item 11).

Figures, all from one run on a fresh SQLite database in a temporary folder:
* **alert latency** — from the moment a packet's hourly value is durable (the point where the receiver sends
  its 9014 acknowledgement) to its alert and its case being visible in the database: the value is written,
  an ``alerts.evaluate`` job is queued as the receiver does, and a worker pass runs it. Median and p95, and
  both as a ratio to the packet interval (60 s minute data, the shortest interval that carries hourly means);
* **inbox under load** — a real ``lanqing web`` process on 127.0.0.1 serving the case inbox (``/cases/?box=all``,
  first page of 10,000 cases) to 20 concurrent logged-in clients; the baseline is the login page served by the
  same process under the same load, so the ratio is the cost of the inbox itself.

Run: ``python benchmarks/bench_cases.py`` (``--quick``: 1,000 cases, fewer requests). Ratios printed; no
assertions. The measuring code runs in child processes so this module does not configure Django itself.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
PASSWORD = "bench-password-9"
PACKET_INTERVAL_S = 60.0
CLIENTS = 20


def _env(data_dir: str) -> dict:
    env = dict(os.environ)
    env.update({"LANQING_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "lanqing.settings",
                "PYTHONPATH": os.pathsep.join([str(SRC), str(HERE.parent), env.get("PYTHONPATH", "")])})
    env.pop("LANQING_DATABASE_URL", None)
    return env


def child_prepare(cases: int, samples: int) -> dict:
    """Runs in a child process: builds the data and measures the alert latency."""
    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", interactive=False, verbosity=0)
    from lanqing.alerts.jobs import EVALUATE_JOB
    from lanqing.alerts.models import Alert, AlertRule
    from lanqing.cases.models import Case, ResponsibilityRule
    from lanqing.jobs.services import job_enqueue, worker_pass
    from lanqing.monitoring.factors import factors_ensure
    from lanqing.monitoring.measurements import MeasurementRow, measurements_upsert
    from lanqing.monitoring.models import Factor, Point, Site
    from lanqing.org.accounts import user_create
    from lanqing.org.credit_code import make_credit_code
    from lanqing.org.divisions import gu_county_load
    from lanqing.org.models import Enterprise, Industry, Jurisdiction, Unit

    gu_county_load()
    factors_ensure()
    county = Jurisdiction.objects.get(code="141025000000")
    township = Jurisdiction.objects.get(code="141025100000")
    bureau = Unit.objects.create(name="临汾市生态环境局古县分局", kind="bureau", jurisdiction=county)
    user_create(username="bureau", password=PASSWORD, role="bureau", scope=bureau.name, check_password=False)
    industry = Industry.objects.create(code="2521", name="炼焦")
    enterprise = Enterprise.objects.create(credit_code=make_credit_code("91141025MA0000001"), name="甲焦化",
                                           industry=industry, township=township)
    outlet = Site.objects.create(kind="outlet", code="OUT-A", name="焦炉烟囱", jurisdiction=township,
                                 enterprise=enterprise, outlet_medium="gas", limit_set="GB13223-2011:coal")
    point = Point.objects.create(site=outlet, code="1", name="1#")
    ResponsibilityRule.objects.create(category="exceedance", lead_unit=bureau)
    AlertRule.objects.create(name="超标", kind="exceedance", severity="high", creates_case=True,
                             params={"lookback_hours": samples * 2 + 4})
    so2, o2 = Factor.objects.get(code="a21026"), Factor.objects.get(code="a19001")

    latencies = []
    hour = timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=samples * 2 + 2)
    for _ in range(samples):
        # An exceeding hour, measured from "durable" (the ack point) to "alert and case visible".
        hour += timedelta(hours=1)
        measurements_upsert([MeasurementRow(point.id, so2.id, "hour", hour, 400.0),
                             MeasurementRow(point.id, o2.id, "hour", hour, 6.0)])
        acked = time.perf_counter()
        job_enqueue(kind=EVALUATE_JOB, payload={"since": hour.isoformat()})
        worker_pass(worker="bench", max_jobs=10)
        visible = Case.objects.filter(alert__status="active").exists() and Alert.objects.filter(
            status="active").exists()
        latencies.append(time.perf_counter() - acked)
        assert visible, "the exceedance produced no alert and case"
        # A clean hour clears the alert so that the next exceedance opens a new alert and case.
        hour += timedelta(hours=1)
        measurements_upsert([MeasurementRow(point.id, so2.id, "hour", hour, 10.0),
                             MeasurementRow(point.id, o2.id, "hour", hour, 6.0)])
        job_enqueue(kind=EVALUATE_JOB, payload={"since": hour.isoformat()})
        worker_pass(worker="bench", max_jobs=10)
        Case.objects.filter(state="dispatched").update(state="closed")

    now = timezone.now()
    Case.objects.bulk_create([Case(
        number=f"BENCH{i:08d}", title=f"督办单 {i}", category="inspection", severity="medium",
        source="inspection", enterprise=enterprise, site=outlet, jurisdiction=township, township=township,
        lead_unit=bureau, state="dispatched", deadline_at=now + timedelta(days=i % 30 - 10),
        created_at=now - timedelta(minutes=i), updated_at=now) for i in range(cases)], batch_size=2000)
    return {"latencies": latencies, "cases": Case.objects.count()}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _opener():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def _login(base: str):
    opener = _opener()
    page = opener.open(f"{base}/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"username": "bureau", "password": PASSWORD,
                                   "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(f"{base}/login/", data=data, headers={"Referer": f"{base}/login/"})
    opener.open(request).read()
    return opener


def _load(openers, url: str, per_client: int) -> list[float]:
    timings: list[float] = []
    lock = threading.Lock()

    def client(opener) -> None:
        mine = []
        for _ in range(per_client):
            started = time.perf_counter()
            with opener.open(url) as response:
                response.read()
                if response.status != 200:
                    raise RuntimeError(f"{url}: HTTP {response.status}")
            mine.append(time.perf_counter() - started)
        with lock:
            timings.extend(mine)

    threads = [threading.Thread(target=client, args=(o,)) for o in openers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(round(0.95 * len(values))) - 1)]


def main(quick: bool = False) -> None:
    cases = 1_000 if quick else 10_000
    samples = 5 if quick else 30
    per_client = 3 if quick else 15
    with tempfile.TemporaryDirectory(prefix="lanqing-bench-cases-") as data_dir:
        env = _env(data_dir)
        prepared = subprocess.run(
            [sys.executable, __file__, "--child-prepare", str(cases), str(samples)], env=env, check=True,
            capture_output=True, text=True)
        result = json.loads(prepared.stdout.strip().splitlines()[-1])
        latencies = result["latencies"]
        median, p95 = statistics.median(latencies), _p95(latencies)
        print(f"alert+case latency after the ack: median {median * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms "
              f"({samples} exceedances)")
        print(f"  as a ratio to the {PACKET_INTERVAL_S:.0f} s packet interval: median {median / PACKET_INTERVAL_S:.5f}, "
              f"p95 {p95 / PACKET_INTERVAL_S:.5f}")

        port = _free_port()
        subprocess.run([sys.executable, "-m", "lanqing", "init"], env=env, check=True, capture_output=True)
        server = subprocess.Popen([sys.executable, "-m", "lanqing", "web", "--port", str(port), "--threads",
                                   str(CLIENTS)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"{base}/login/", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.1)
            openers = [_login(base) for _ in range(CLIENTS)]
            _load(openers, f"{base}/login/", 1)  # warm-up
            baseline = _load(openers, f"{base}/login/", per_client)
            inbox = _load(openers, f"{base}/cases/?box=all", per_client)
            overdue = _load(openers, f"{base}/cases/?box=overdue&q={urllib.parse.quote('督办')}", per_client)
        finally:
            server.terminate()
            server.wait(timeout=10)
        for name, timings in (("login page (baseline)", baseline), ("inbox, all", inbox),
                              ("inbox, overdue + search", overdue)):
            print(f"{name}: {CLIENTS} clients × {per_client}, median {statistics.median(timings) * 1000:.1f} ms, "
                  f"p95 {_p95(timings) * 1000:.1f} ms; ratio to baseline median "
                  f"{statistics.median(timings) / statistics.median(baseline):.2f}, "
                  f"p95 {_p95(timings) / _p95(baseline):.2f}")
        print(f"  ({result['cases']} cases in the database)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child-prepare":
        print(json.dumps(child_prepare(int(sys.argv[2]), int(sys.argv[3]))))
    else:
        main(quick="--quick" in sys.argv)
