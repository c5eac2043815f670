"""Supervision benchmark (issue 5, item 11; issue 13, item 2).

Figures, all from one run on a fresh SQLite database in a temporary folder, with the product's own processes
(``lanqing receiver``, ``lanqing worker --loop`` and ``lanqing web``, as the README runs them):
* **detection latency** — a device connects over TCP and sends an hourly packet (CN 2061) whose SO2 exceeds
  its outlet's limit; the clock starts when the packet is sent and stops when its case is listed by
  ``GET /api/v1/cases`` (a bureau API token). Nothing is queued by the benchmark: the receiver's commit
  queues the judgement, the worker's poll takes it, the rule opens the alert and its case. ``SAMPLES``
  outlets, one packet each, a random pause between them (so the packets fall anywhere in the worker's
  poll). Median and p95, and both as a ratio to the goals (3 s and 6 s);
* **inbox under load** — the same ``lanqing web`` process serving the case inbox (``/cases/?box=all``, first
  page of 10,000 cases) to 20 concurrent logged-in clients; the baseline is the signed-in page that does least
  (``/account/password/done/``) served by the same process under the same load, so the ratio is the cost of
  the inbox itself.

Run: ``python benchmarks/bench_cases.py`` (``--quick``: 5 packets, 1,000 cases, fewer requests). Ratios
printed; no assertions. The set-up runs in child processes so this module does not configure Django itself.
"""

from __future__ import annotations

import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from http_load import free_port, load, openers, p95, sign_in, threads_arguments, wait_for  # noqa: E402 - after its folder is on the path

SRC = HERE.parent / "src"
PASSWORD = "bench-password-9"
DEVICE_PASSWORD = "123456"
CLIENTS = 20
# The signed-in page that does least: session, user, menu and base template around one sentence.
TRIVIAL = "/account/password/done/"
GOAL_MEDIAN_S, GOAL_P95_S = 3.0, 6.0
# An outlet per packet: each exceedance is a problem of its own, opening its own case.
SAMPLES = 20
CHINA = timezone(timedelta(hours=8))


def _env(data_dir: str) -> dict:
    env = dict(os.environ)
    env.update({"LANQING_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "lanqing.settings",
                "PYTHONPATH": os.pathsep.join([str(SRC), str(HERE.parent), env.get("PYTHONPATH", "")])})
    env.pop("LANQING_DATABASE_URL", None)
    return env


def child_setup(outlets: int) -> dict:
    """Runs in a child process: the county, a bureau user, ``outlets`` outlets with a device each, the rule."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from lanqing.alerts.models import AlertRule
    from lanqing.cases.models import ResponsibilityRule
    from lanqing.monitoring.factors import factors_ensure
    from lanqing.monitoring.models import Device, Point, Site
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
    sites = {}
    for index in range(outlets):
        outlet = Site.objects.create(kind="outlet", code=f"OUT-{index:02d}", name=f"焦炉烟囱 {index + 1}",
                                     jurisdiction=township, enterprise=enterprise, outlet_medium="gas",
                                     limit_set="GB13223-2011:coal")
        device = Device(mn=f"BENCHMN{index:05d}", point=Point.objects.create(site=outlet, code="1", name="1#"))
        device.set_password(DEVICE_PASSWORD)
        device.save()
        sites[device.mn] = outlet.id
    ResponsibilityRule.objects.create(category="exceedance", lead_unit=bureau)
    AlertRule.objects.create(name="超标", kind="exceedance", severity="high", creates_case=True)
    return {"sites": sites}


def child_cases(cases: int) -> dict:
    """Runs in a child process: ``cases`` more cases for the inbox figures."""
    import django

    django.setup()
    from django.utils import timezone as django_timezone

    from lanqing.cases.models import Case
    from lanqing.monitoring.models import Site
    from lanqing.org.models import Unit

    now = django_timezone.now()
    outlet = Site.objects.filter(kind="outlet").first()
    assert outlet is not None
    bureau = Unit.objects.get(kind="bureau")
    Case.objects.bulk_create([Case(
        number=f"BENCH{i:08d}", title=f"督办单 {i}", category="inspection", severity="medium",
        source="inspection", enterprise=outlet.enterprise, site=outlet, jurisdiction=outlet.jurisdiction,
        township=outlet.jurisdiction, lead_unit=bureau, state="dispatched",
        deadline_at=now + timedelta(days=i % 30 - 10), created_at=now - timedelta(minutes=i), updated_at=now)
        for i in range(cases)], batch_size=2000)
    return {"cases": Case.objects.count()}


def _child(env: dict, *argv: str) -> dict:
    done = subprocess.run([sys.executable, __file__, *argv], env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _exceeding_hour(mn: str) -> bytes:
    from lanqing import hj212

    # The last full hour, in the Beijing time HJ 212 uses; SO2 400 mg/m³ at the reference 6 % O2 (limit 100).
    hour = datetime.now(CHINA).replace(tzinfo=None, minute=0, second=0, microsecond=0) - timedelta(hours=1)
    return hj212.build_data(hj212.Peer(mn, DEVICE_PASSWORD, "31", hj212.Version.V2017), hj212.Cn.HOUR_DATA, hour,
                            {"a21026": {"Avg": 400.0, "Flag": "N"}, "a19001": {"Avg": 6.0, "Flag": "N"}})


def _case_listed(base: str, token: str, site_id: int) -> bool:
    request = urllib.request.Request(f"{base}/api/v1/cases?limit=1000", headers={
        "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return any(case["site_id"] == site_id for case in json.load(response)["items"])


def _detection_latency(receiver_port: int, base: str, token: str, sites: dict[str, int]) -> list[float]:
    pause = random.Random(212)
    latencies = []
    for mn, site_id in sites.items():
        time.sleep(pause.uniform(0.0, 2.0))
        with socket.create_connection(("127.0.0.1", receiver_port), timeout=10) as device:
            started = time.perf_counter()
            device.sendall(_exceeding_hour(mn))
            # The device's part ends with the 9014; the receiver may send it commands too, which it ignores.
            while True:
                if _case_listed(base, token, site_id):
                    break
                if time.perf_counter() - started > 120:
                    raise RuntimeError(f"no case for {mn} within 120 s")
                time.sleep(0.02)
            latencies.append(time.perf_counter() - started)
    return latencies


def main(quick: bool = False) -> None:
    cases = 1_000 if quick else 10_000
    samples = 5 if quick else SAMPLES
    per_client = 3 if quick else 15
    sys.path.insert(0, str(SRC))  # the packets are built with the worktree's own codec
    with tempfile.TemporaryDirectory(prefix="lanqing-bench-cases-") as data_dir:
        env = _env(data_dir)
        sites = _child(env, "--child-setup", str(samples))["sites"]
        subprocess.run([sys.executable, "-m", "lanqing", "init"], env=env, check=True, capture_output=True)
        token = subprocess.run([sys.executable, "-m", "lanqing", "createtoken", "bureau", "--name", "bench"],
                               env=env, check=True, capture_output=True, text=True).stdout.strip()
        port = free_port()
        receiver = subprocess.Popen([sys.executable, "-m", "lanqing", "receiver", "--host", "127.0.0.1", "--port",
                                     "0"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        worker = subprocess.Popen([sys.executable, "-m", "lanqing", "worker", "--loop"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        server = subprocess.Popen([sys.executable, "-m", "lanqing", "web", "--port", str(port),
                                   *threads_arguments(sys.argv)], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            assert receiver.stdout is not None
            line = receiver.stdout.readline()
            if "listening on" not in line:
                raise RuntimeError(f"the receiver did not start: {line!r}")
            receiver_port = int(line.rsplit(":", 1)[1])
            wait_for(f"{base}/login/")
            time.sleep(3)  # the worker's first pass runs every periodic task; measure after it
            latencies = _detection_latency(receiver_port, base, token, sites)
            total = _child(env, "--child-cases", str(cases))["cases"]
            clients = openers(CLIENTS, sign_in(base, "bureau", PASSWORD))
            load(clients, f"{base}{TRIVIAL}", 1)  # warm-up
            # The signed-in page that does least (a signed-in client asking for /login/ is sent to its
            # workbench, which is no baseline).
            baseline = load(clients, f"{base}{TRIVIAL}", per_client)
            inbox = load(clients, f"{base}/cases/?box=all", per_client)
            overdue = load(clients, f"{base}/cases/?box=overdue&q={urllib.parse.quote('督办')}", per_client)
        finally:
            for process in (server, worker, receiver):
                process.terminate()
                process.wait(timeout=30)
        median, slow = statistics.median(latencies), p95(latencies)
        print(f"detection latency, packet sent → case in GET /api/v1/cases (receiver + worker --loop + web, "
              f"SQLite): median {median:.2f} s, p95 {slow:.2f} s ({samples} exceeding hourly packets)")
        print(f"  ratio to the goals (median ≤ {GOAL_MEDIAN_S:.0f} s, p95 ≤ {GOAL_P95_S:.0f} s): "
              f"median {median / GOAL_MEDIAN_S:.2f}, p95 {slow / GOAL_P95_S:.2f}")
        for name, timings in (("signed-in trivial page (baseline)", baseline), ("inbox, all", inbox),
                              ("inbox, overdue + search", overdue)):
            print(f"{name}: {CLIENTS} clients × {per_client}, median {statistics.median(timings) * 1000:.1f} ms, "
                  f"p95 {p95(timings) * 1000:.1f} ms; ratio to baseline median "
                  f"{statistics.median(timings) / statistics.median(baseline):.2f}, "
                  f"p95 {p95(timings) / p95(baseline):.2f}")
        print(f"  ({total} cases in the database)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child-setup":
        print(json.dumps(child_setup(int(sys.argv[2]))))
    elif len(sys.argv) > 1 and sys.argv[1] == "--child-cases":
        print(json.dumps(child_cases(int(sys.argv[2]))))
    else:
        main(quick="--quick" in sys.argv)
