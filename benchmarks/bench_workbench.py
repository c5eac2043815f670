"""Workbench, overview and analysis pages with three years of data; the monthly report (issue 18, item 6).

The Gu County demo with three years of hourly data at every demo site (``--quick``: 60 days), loaded by the
product's demo loader (the hourly values only: every figure derived from them is the product's own work), then
one pass of ``lanqing worker`` (it precomputes what the pages read). ``lanqing web`` on that SQLite file serves,
to 20 concurrent logged-in clients:
* each role's workbench (``/``): bureau, leadership, township, department, enterprise;
* the overview (``/overview/``), the air analysis (``/overview/air/``), water and sources
  (``/overview/water/``), as the bureau;
against two baselines served by the same process under the same load, each measured before and after the
pages: the signed-in page that does least (``/account/password/done/``: session, user, menu and base template
around one sentence), the fair baseline of a signed-in page, and the login page to clients without a session
(a signed-in client asking for it is redirected to its workbench). The ratio is the cost of each page itself
(goal: p95 ≤ 3× the baseline's).

The monthly report: the five months up to the month before last (``--quick``: the month before last) are asked
for, oldest first, and each job run the way the worker runs it (``job_claim_next`` + ``job_run``: figures, PDF
and workbook), timed; the median is the generation time. Before them, the month before is made the same way
(the worker's first report reads the font file) and its time printed. The kept subset of the Chinese font
(lanqing.reports.fonts) is made by the installation's first PDF: here in the worker's first pass, whose schedule
asks for the last day's, month's and year's reports. Against three times to open the PDF: (a) loading it and
rasterising every page
with PDFium (the engine of Chrome's viewer, through pypdfium2) at 100 % zoom on a 96-dpi screen, a clerk's
clicks and download left out, the smallest opening time a reader can see; (b) what a clerk's browser does:
asking ``lanqing web`` for the archived PDF (signed in, under the same 20-client load of the trivial page
as the pages had) and rasterising every page as in (a); (c) what a clerk sees: Chromium (Debian's, driven by
Playwright as in the browser tests) asking for it, signed in, until its PDF viewer shows the first page's title.
Goal: generation ≤ 0.1× the opening time a clerk sees, (c); (a) and (b) leave the browser out and are printed
for comparison.

The loaded database is kept in var/bench/ (one file per number of days, rebuilt after 20 hours; ``lanqing init``
migrates the copy) and copied for each run, since loading three years takes minutes.

Run: ``python benchmarks/bench_workbench.py`` (``--quick`` for a smoke run; ``--threads N`` starts the server with
N threads instead of its default, as the README's production section starts it). Ratios printed; no assertions. The
set-up runs in child processes so this module does not configure Django itself.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from http_load import free_port, load, openers, p95, sign_in, threads_arguments, wait_for  # noqa: E402 - after its folder is on the path

SRC = HERE.parent / "src"
CACHE = HERE.parent / "var" / "bench"
CLIENTS = 20
GOAL_P95_RATIO = 3.0
GOAL_REPORT_RATIO = 0.1
# Demo accounts by role (lanqing.demo.catalogue.DEMO_ACCOUNTS); the password is the demo's.
ROLES = (("bureau", "bureau"), ("leadership", "leader"), ("township", "yueyang"), ("department", "zhujian"),
         ("enterprise", "qiye"))
PAGES = (("overview", "/overview/"), ("air analysis", "/overview/air/"), ("water and sources", "/overview/water/"))
# The signed-in page that does least: the base template (menu, session, user) around one sentence.
TRIVIAL = "/account/password/done/"
# Debian's Chromium, as the browser tests use it; where its PDF viewer draws the first page's title in a
# 1280 × 720 window at the viewer's default zoom.
CHROMIUM = os.environ.get("LANQING_CHROMIUM", "/usr/bin/chromium")
TITLE_AREA = {"x": 440, "y": 80, "width": 700, "height": 150}
# Rasterising scale of "opening" the PDF: 96-dpi screen pixels per PDF point at 100 % zoom.
VIEW_SCALE = 96 / 72


def _env(data_dir: str) -> dict:
    env = dict(os.environ)
    env.update({"LANQING_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "lanqing.settings",
                "PYTHONPATH": os.pathsep.join([str(SRC), str(HERE.parent), env.get("PYTHONPATH", "")])})
    env.pop("LANQING_DATABASE_URL", None)
    env.pop("LANQING_PUBLIC_SITE", None)
    return env


def child_load(days: int) -> dict:
    """Runs in a child process: an empty database, then the demo with `days` of hourly data."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from lanqing.demo import demo_load

    summary = demo_load(days=days)
    return {"measurements": summary.measurements, "sites": summary.sites, "seconds": summary.seconds}


def child_report(pdf_path: str, months: int) -> dict:
    """Runs in a child process: asks for the county's monthly reports of the `months` months up to the month
    before last, oldest first, after one more month before them (the worker's first report in a process reads
    the font), and runs each job as the worker does; returns the seconds each timed job took."""
    import django

    django.setup()
    from django.utils import timezone

    from lanqing.jobs.services import job_claim_next, job_run
    from lanqing.reports.models import Report, ReportKind, ReportStatus
    from lanqing.reports.services import report_request, scheduled_areas

    today = timezone.localdate()
    starts = [(today.replace(day=1) - timedelta(days=32)).replace(day=1)]
    for _ in range(months):
        starts.insert(0, (starts[0] - timedelta(days=1)).replace(day=1))
    timed = []
    for start in starts:
        report = report_request(kind=ReportKind.MONTHLY, start=start, area=scheduled_areas()[0])
        job = job_claim_next(worker="bench")
        assert job is not None
        started = time.perf_counter()
        job_run(job=job)
        timed.append(time.perf_counter() - started)
        report.refresh_from_db()
        if report.status != ReportStatus.DONE:
            raise RuntimeError(f"the report ended {report.status}")
    Path(pdf_path).write_bytes(bytes(Report.objects.get(id=report.id).pdf))
    return {"first": timed[0], "timed": timed[1:], "seconds": statistics.median(timed[1:]),
            "month": starts[-1].isoformat(), "id": report.id}


def _child(env: dict, *argv: str) -> dict:
    done = subprocess.run([sys.executable, __file__, *argv], env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"child {argv[0]} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _database(days: int) -> tuple[Path, dict]:
    """The loaded demo database for `days`, built unless a fresh one is kept."""
    CACHE.mkdir(parents=True, exist_ok=True)
    kept = CACHE / f"workbench-{days}d.sqlite3"
    about = kept.with_suffix(".json")
    if kept.exists() and about.exists() and time.time() - kept.stat().st_mtime < 20 * 3600:
        return kept, json.loads(about.read_text())
    with tempfile.TemporaryDirectory(prefix="lanqing-bench-workbench-load-") as data_dir:
        started = time.perf_counter()
        summary = _child(_env(data_dir), "--child-load", str(days))
        summary["load_seconds"] = round(time.perf_counter() - started, 1)
        shutil.copyfile(Path(data_dir) / "lanqing.sqlite3", kept)
    about.write_text(json.dumps(summary))
    return kept, summary


def _open_seconds(pdf: Path) -> tuple[float, int]:
    """Seconds to load the PDF and rasterise each page as a viewer shows it; the number of pages."""
    import pypdfium2

    started = time.perf_counter()
    document = pypdfium2.PdfDocument(str(pdf))
    pages = len(document)
    for index in range(pages):
        page = document[index]
        page.render(scale=VIEW_SCALE).to_numpy()
        page.close()
    document.close()
    return time.perf_counter() - started, pages


def _open_served_seconds(opener, url: str, pdf: Path) -> float:
    """Seconds to receive the PDF from the server and rasterise each page as a viewer shows it."""
    started = time.perf_counter()
    with opener.open(url, timeout=600) as response:
        data = response.read()
    if data != pdf.read_bytes():
        raise RuntimeError(f"{url} did not give the report's PDF")
    served = Path(str(pdf) + ".served")
    served.write_bytes(data)
    return time.perf_counter() - started + _open_seconds(served)[0]


def _text_drawn(page) -> bool:
    """Whether the viewer shows the first page's title: white paper with dark text where the title stands
    (before, the viewer's dark background or blank paper)."""
    from PIL import Image
    from playwright.sync_api import Error

    try:
        shot = Image.open(io.BytesIO(page.screenshot(clip=TITLE_AREA))).convert("L")
    except Error:  # a look while the viewer replaces the page ("Unable to capture screenshot"): look again
        return False
    values = shot.tobytes()
    paper = sum(1 for value in values if value > 200) / len(values)
    ink = sum(1 for value in values if value < 100) / len(values)
    return paper > 0.5 and ink > 0.002


def _shown_in_browser_seconds(base: str, jar, url: str) -> list[float]:
    """Seconds from asking Chromium (Debian's, through Playwright, as the browser tests drive it) for the
    archived PDF to its PDF viewer showing the first page's title, signed in as the clerk; three times, each in
    a new tab. Each look is a screenshot (tens of milliseconds), so the time is known to about one look."""
    from playwright.sync_api import sync_playwright

    seconds = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        context.add_cookies([{"name": cookie.name, "value": cookie.value or "", "url": base} for cookie in jar])
        for _ in range(3):
            page = context.new_page()
            started = time.perf_counter()
            page.goto(url, wait_until="commit")
            while not _text_drawn(page):
                if time.perf_counter() - started > 60:
                    raise RuntimeError(f"Chromium did not show {url} within 60 s")
            seconds.append(time.perf_counter() - started)
            page.close()
        browser.close()
    return seconds


def _serve(env: dict, data_dir: str, per_client: int, report: dict, pdf: Path) -> dict[str, list[float]]:
    port = free_port()
    log = Path(data_dir) / "web.log"
    server = subprocess.Popen([sys.executable, "-m", "lanqing", "web", "--port", str(port),
                               *threads_arguments(sys.argv)], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    results: dict[str, list[float]] = {}
    try:
        wait_for(f"{base}/login/")
        jars = {role: sign_in(base, username) for role, username in ROLES}
        sessions = {role: openers(CLIENTS, jar) for role, jar in jars.items()}
        bureau = sessions["bureau"]
        # The login page to clients without a session: a signed-in user asking for it is sent to the workbench.
        anonymous = openers(CLIENTS)
        # Warm-up, every page once by every client: imports, templates, first reads, and each server thread's
        # database connection (kept for a minute, so a steady load opens one a minute per thread).
        load(anonymous, f"{base}/login/", 1)
        for role, _username in ROLES:
            load(sessions[role], f"{base}/", 1)
        for url in (TRIVIAL, *(url for _, url in PAGES)):
            load(bureau, f"{base}{url}", 1)
        results["login page (baseline)"] = load(anonymous, f"{base}/login/", per_client)
        results["signed-in trivial page (baseline)"] = load(bureau, f"{base}{TRIVIAL}", per_client)
        for role, _username in ROLES:
            results[f"workbench, {role}"] = load(sessions[role], f"{base}/", per_client)
        for name, url in PAGES:
            results[name] = load(bureau, f"{base}{url}", per_client)
        results["login page (baseline, again)"] = load(anonymous, f"{base}/login/", per_client)
        results["signed-in trivial page (baseline, again)"] = load(bureau, f"{base}{TRIVIAL}", per_client)
        # The clerk opens the archived PDF while 19 others keep asking for the trivial page.
        opened: list[float] = []
        background = threading.Thread(target=load, args=(bureau[1:], f"{base}{TRIVIAL}", per_client))
        background.start()
        for _ in range(3):
            opened.append(_open_served_seconds(bureau[0], f"{base}/reports/{report['id']}.pdf", pdf))
        background.join()
        results["served PDF opened"] = opened
        results["PDF shown by the browser"] = _shown_in_browser_seconds(base, jars["bureau"],
                                                                        f"{base}/reports/{report['id']}.pdf")
    except RuntimeError:
        errors = [line for line in log.read_text(errors="replace").splitlines() if "Error" in line]
        print("\n".join(errors[-5:]), file=sys.stderr)
        raise
    finally:
        server.terminate()
        server.wait(timeout=30)
    return results


def main(quick: bool = False) -> None:
    days = 60 if quick else 3 * 365
    per_client = 2 if quick else 5
    kept, summary = _database(days)
    with tempfile.TemporaryDirectory(prefix="lanqing-bench-workbench-") as data_dir:
        env = _env(data_dir)
        shutil.copyfile(kept, Path(data_dir) / "lanqing.sqlite3")
        subprocess.run([sys.executable, "-m", "lanqing", "init"], env=env, check=True, capture_output=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "lanqing", "worker"], env=env, check=True, capture_output=True)
        worker_seconds = time.perf_counter() - started
        pdf = Path(data_dir) / "monthly.pdf"
        report = _child(env, "--child-report", str(pdf), "1" if quick else "5")
        opening = [_open_seconds(pdf) for _ in range(3)]
        results = _serve(env, data_dir, per_client, report, pdf)
        served = results.pop("served PDF opened")
        shown = results.pop("PDF shown by the browser")
    print(f"lanqing web, SQLite, Gu County demo with {days} days of hourly data: {summary['sites']} sites, "
          f"{summary['measurements']:,} hourly values (loaded in {summary.get('load_seconds', '?')} s, kept in "
          f"{kept.relative_to(HERE.parent)})")
    print(f"first pass of lanqing worker on the loaded data (every periodic task, the kept daily figures among them): {worker_seconds:.1f} s")
    baselines = {name: results[f"{name} (baseline)"] + results[f"{name} (baseline, again)"]
                 for name in ("signed-in trivial page", "login page")}
    for name, timings in results.items():
        median, slow = statistics.median(timings), p95(timings)
        ratios = "" if "baseline" in name else "; p95 ratio to " + ", to ".join(
            f"{base_name} {slow / p95(base):.2f}" for base_name, base in baselines.items()) + (
            f" (goal ≤ {GOAL_P95_RATIO:.0f})")
        print(f"{name}: {CLIENTS} clients × {per_client}, median {median * 1000:.1f} ms, "
              f"p95 {slow * 1000:.1f} ms{ratios}")
    open_seconds = min(seconds for seconds, _ in opening)
    pages = opening[0][1]
    served_seconds = min(served)
    ratio, served_ratio = report["seconds"] / open_seconds, report["seconds"] / served_seconds
    print(f"monthly reports up to {report['month'][:7]}: generated by the worker's job in {report['seconds']:.3f} s "
          f"(median of {len(report['timed'])}: {', '.join(f'{s:.3f}' for s in report['timed'])} s; the worker's first "
          f"report, made before them: {report['first']:.2f} s)")
    print(f"  (a) opened from the file (PDFium, {pages} pages at 96 dpi, best of 3) in {open_seconds:.3f} s: "
          f"ratio {ratio:.2f} (machine time only, no browser: for comparison)")
    print(f"  (b) asked of lanqing web by a signed-in clerk and rasterised (19 clients on the trivial page "
          f"meanwhile, best of 3) in {served_seconds:.3f} s: ratio {served_ratio:.2f} (no browser: for comparison)")
    shown_ratio = report["seconds"] / min(shown)
    print(f"  (c) asked of lanqing web in Chromium and shown by its PDF viewer up to the first page's title "
          f"(best of 3; {', '.join(f'{s:.2f}' for s in shown)} s) in {min(shown):.3f} s: ratio {shown_ratio:.2f} "
          f"(goal ≤ {GOAL_REPORT_RATIO}: {'met' if shown_ratio <= GOAL_REPORT_RATIO else 'not met'})")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child-load":
        print(json.dumps(child_load(int(sys.argv[2]))))
    elif len(sys.argv) > 1 and sys.argv[1] == "--child-report":
        print(json.dumps(child_report(sys.argv[2], int(sys.argv[3]))))
    else:
        main(quick="--quick" in sys.argv)
