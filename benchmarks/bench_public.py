"""Public site benchmark (issue 16, item 11).

``lanqing web --public`` on a fresh SQLite database with the Gu County demo (a year of hourly data; ``--quick``:
30 days) serves, to 50 concurrent anonymous clients, the quality page (``/public/quality/``: every station's AQI
now, over 24 hours and 30 days, the water sections, the year so far) and a demo report's tracking page. The
baseline is the public home page served by the same process under the same load, so the ratio is the cost of
each page itself (goal: p95 ≤ 2× the baseline's). Every client asks for every page once before the timing
(steady state: each server thread has its database connection open, as under a steady load).

Run: ``python benchmarks/bench_public.py`` (``--quick`` for a smoke run; ``--threads N`` starts the server with N
threads instead of its default, as the README's production section starts it). Ratios printed; no assertions. The
set-up runs in a child process so this module does not configure Django itself.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from http_load import free_port, load, openers, p95, threads_arguments, wait_for  # noqa: E402 - after its folder is on the path

SRC = HERE.parent / "src"
CLIENTS = 50
GOAL_P95_RATIO = 2.0


def _env(data_dir: str) -> dict:
    env = dict(os.environ)
    env.update({"LANQING_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "lanqing.settings",
                "PYTHONPATH": os.pathsep.join([str(SRC), str(HERE.parent), env.get("PYTHONPATH", "")])})
    env.pop("LANQING_DATABASE_URL", None)
    env.pop("LANQING_PUBLIC_SITE", None)
    return env


def child_setup(days: int) -> dict:
    """Runs in a child process: the demo with `days` of data; returns a tracking code of a handled report."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from lanqing.demo import demo_load
    from lanqing.public.models import PublicReport

    demo_load(days=days)
    report = PublicReport.objects.filter(rated_at__isnull=False).first() or PublicReport.objects.first()
    assert report is not None
    return {"code": report.code, "reports": PublicReport.objects.count()}


def _child(env: dict, *argv: str) -> dict:
    done = subprocess.run([sys.executable, __file__, *argv], env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(quick: bool = False) -> None:
    days = 30 if quick else 365
    per_client = 3 if quick else 10
    with tempfile.TemporaryDirectory(prefix="lanqing-bench-public-") as data_dir:
        env = _env(data_dir)
        setup = _child(env, "--child-setup", str(days))
        subprocess.run([sys.executable, "-m", "lanqing", "init"], env=env, check=True, capture_output=True)
        port = free_port()
        log = Path(data_dir) / "web.log"
        server = subprocess.Popen([sys.executable, "-m", "lanqing", "web", "--public", "--port", str(port),
                                   *threads_arguments(sys.argv)], env=env, stdout=log.open("wb"),
                                  stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(f"{base}/public/")
            clients = openers(CLIENTS)
            load(clients[:1], f"{base}/public/", 1)  # imports and templates
            started = time.perf_counter()
            urllib.request.urlopen(f"{base}/public/quality/", timeout=300).read()
            first_quality = time.perf_counter() - started
            # Warm-up, every page once by every client: each server thread's database connection is opened by
            # its first page that reads (kept for a minute, so a steady load opens one a minute per thread).
            for path in ("/public/", "/public/quality/", f"/public/track/{setup['code']}/"):
                load(clients, f"{base}{path}", 1)
            baseline = load(clients, f"{base}/public/", per_client)
            quality = load(clients, f"{base}/public/quality/", per_client)
            track = load(clients, f"{base}/public/track/{setup['code']}/", per_client)
        except RuntimeError:
            errors = [line for line in log.read_text(errors="replace").splitlines() if "Error" in line]
            print("\n".join(errors[-5:]), file=sys.stderr)
            raise
        finally:
            server.terminate()
            server.wait(timeout=30)
        print(f"lanqing web --public, SQLite, demo with {days} days of data, {setup['reports']} public reports")
        print(f"quality page, first request (computed, then cached for 5 minutes): {first_quality * 1000:.0f} ms")
        for name, timings in (("home page (baseline)", baseline), ("quality page", quality),
                              ("tracking page", track)):
            print(f"{name}: {CLIENTS} clients × {per_client}, median {statistics.median(timings) * 1000:.1f} ms, "
                  f"p95 {p95(timings) * 1000:.1f} ms; ratio to baseline median "
                  f"{statistics.median(timings) / statistics.median(baseline):.2f}, "
                  f"p95 {p95(timings) / p95(baseline):.2f} (goal ≤ {GOAL_P95_RATIO:.0f})")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child-setup":
        print(json.dumps(child_setup(int(sys.argv[2]))))
    else:
        main(quick="--quick" in sys.argv)
