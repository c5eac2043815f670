#!/usr/bin/env python3
"""Set-up and the two commands of the README, for a fresh machine with only Python >= 3.11 and Node 20.

    python3 dev.py demo   installs what is missing, builds the Gu County demo, runs every process
    python3 dev.py test   installs what is missing, runs lint, type checks and the whole test suite
                          (SQLite, PostgreSQL and a real browser)

Only the standard library is used here, because nothing else is installed yet when this runs.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
VENDOR = ROOT / "src" / "lanqing" / "static" / "vendor"
VENDOR_FILES = {
    "echarts.min.js": ROOT / "node_modules" / "echarts" / "dist" / "echarts.min.js",
    "htmx.min.js": ROOT / "node_modules" / "htmx.org" / "dist" / "htmx.min.js",
}
# Debian packages the browser tests and the catalogue check need; installed when missing and we are root.
SYSTEM_PACKAGES = {"chromium": "/usr/bin/chromium", "fonts-noto-cjk": "/usr/share/fonts/opentype/noto",
                   "gettext": "/usr/bin/msgmerge"}
DEFAULT_TEST_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(*argv, **kwargs) -> None:
    subprocess.run([str(a) for a in argv], check=True, cwd=ROOT, **kwargs)


def stamp_ok(name: str, *inputs: Path) -> tuple[bool, Path, str]:
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in inputs if p.exists())).hexdigest()
    stamp = VENV / f".stamp-{name}"
    return stamp.exists() and stamp.read_text() == digest, stamp, digest


def ensure_python_packages() -> None:
    if not PYTHON.exists():
        say("creating the virtual environment .venv")
        run(sys.executable, "-m", "venv", VENV)
    fresh, stamp, digest = stamp_ok("python", ROOT / "pyproject.toml")
    if not fresh:
        say("installing Python packages from PyPI")
        run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        run(PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[test]")
        stamp.write_text(digest)


def ensure_front_end() -> None:
    fresh, stamp, digest = stamp_ok("npm", ROOT / "package.json", ROOT / "package-lock.json")
    if not fresh or not all(path.exists() for path in VENDOR_FILES.values()):
        if shutil.which("npm") is None:
            sys.exit("npm was not found: install Node.js 20 (it brings npm), then run this again")
        say("installing front-end packages from npm")
        run("npm", "ci" if (ROOT / "package-lock.json").exists() else "install", "--no-audit", "--no-fund",
            "--loglevel=error")
        stamp.write_text(digest)
    VENDOR.mkdir(parents=True, exist_ok=True)
    for name, source in VENDOR_FILES.items():
        target = VENDOR / name
        if not target.exists() or target.read_bytes() != source.read_bytes():
            shutil.copyfile(source, target)


def ensure_system_packages() -> None:
    missing = [name for name, path in SYSTEM_PACKAGES.items() if not Path(path).exists()]
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        sys.exit("the tests need these Debian packages: " + " ".join(missing)
                 + f"\ninstall them (sudo apt-get install -y {' '.join(missing)}) and run this again")
    say("installing " + ", ".join(missing) + " with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run("apt-get", "update", "-qq", env=env, stdout=subprocess.DEVNULL)
    run("apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing, env=env,
        stdout=subprocess.DEVNULL)


def lanqing(*argv: str) -> list[str]:
    return [str(PYTHON), "-m", "lanqing", *argv]


def command_demo(args: list[str]) -> int:
    ensure_python_packages()
    ensure_front_end()
    return subprocess.call(lanqing("demo", *args), cwd=ROOT)


def command_test(args: list[str]) -> int:
    ensure_python_packages()
    ensure_front_end()
    ensure_system_packages()
    env = dict(os.environ)
    env.pop("LANQING_DATABASE_URL", None)
    # Tests keep their files apart from a demo in ./var, and use a real SQLite file (not :memory:).
    env["LANQING_DATA_DIR"] = str(ROOT / "var" / "test")
    env["LANQING_TEST_SQLITE_NAME"] = str(ROOT / "var" / "test" / "test.sqlite3")
    say("ruff")
    run(BIN / "ruff", "check", "src", "tests", "benchmarks", "dev.py")
    say("mypy")
    run(BIN / "mypy", "src/lanqing", env=env)
    say("import layers (lint-imports, contracts in .importlinter)")
    run(BIN / "lint-imports", "--no-cache", env=env)
    say("preparing static files and catalogues")
    run(*lanqing("init"), env=dict(env, LANQING_DATABASE_URL=f"sqlite:///{ROOT / 'var' / 'test' / 'init.sqlite3'}"))
    results = ROOT / "var" / "test"
    postgres_url = os.environ.get("LANQING_TEST_POSTGRES_URL", DEFAULT_TEST_POSTGRES)
    # The two runs go side by side (two cores; much of a run is waiting on the processes it starts), the
    # PostgreSQL run in a data folder of its own, its output kept and printed after the SQLite run's.
    postgres_dir = ROOT / "var" / "test-postgres"
    postgres_dir.mkdir(parents=True, exist_ok=True)
    shutil.copytree(results / "static", postgres_dir / "static", dirs_exist_ok=True)
    shutil.copy2(results / "secret_key", postgres_dir / "secret_key")
    postgres_log = results / "postgres.log"
    for stale in (results / "sqlite.xml", results / "postgres.xml"):
        stale.unlink(missing_ok=True)  # a run that writes none must not be counted by an older one
    say(f"tests on SQLite (with the browser tests), and alongside on PostgreSQL ({postgres_url}): everything "
        "that touches the database")
    with postgres_log.open("w", encoding="utf-8") as log:
        # Tests whose `lanqing` processes run on a SQLite file of their own (own_sqlite) would only run again.
        postgres_run = subprocess.Popen(
            [PYTHON, "-m", "pytest", "-p", "no:cacheprovider", "-m", "not browser and not own_sqlite",
             *PURE_TEST_DIRS, f"--junitxml={results / 'postgres.xml'}", *args],
            cwd=ROOT, env=dict(env, LANQING_DATABASE_URL=postgres_url, LANQING_DATA_DIR=str(postgres_dir)),
            stdout=log, stderr=subprocess.STDOUT)
        try:
            sqlite = subprocess.call([PYTHON, "-m", "pytest", f"--junitxml={results / 'sqlite.xml'}", *args],
                                     cwd=ROOT, env=env)
        finally:
            postgres = postgres_run.wait()
    say(f"tests on PostgreSQL ({postgres_url}), as they ran alongside")
    print(postgres_log.read_text(encoding="utf-8"), flush=True)
    passed, failed, skipped = count_results(results / "sqlite.xml", results / "postgres.xml")
    say(f"SQLite run exit {sqlite}, PostgreSQL run exit {postgres}")
    print(f"{passed} passed, {failed} failed, {skipped} skipped", flush=True)
    return 1 if (sqlite or postgres or failed) else 0


# Pure libraries do not touch the database; the PostgreSQL run leaves them out.
PURE_TEST_DIRS = ["--ignore=tests/standards", "--ignore=tests/hj212", "--ignore=tests/browser"]


def count_results(*reports: Path) -> tuple[int, int, int]:
    import xml.etree.ElementTree as ElementTree

    passed = failed = skipped = 0
    for report in reports:
        if not report.exists():
            failed += 1  # a run that wrote no report did not pass
            continue
        for suite in ElementTree.parse(report).getroot().iter("testsuite"):
            tests, skips = int(suite.get("tests", 0)), int(suite.get("skipped", 0))
            bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            passed += tests - skips - bad
            failed += bad
            skipped += skips
    return passed, failed, skipped


def main() -> int:
    commands = {"demo": command_demo, "test": command_test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    try:
        return commands[sys.argv[1]](sys.argv[2:])
    except subprocess.CalledProcessError as error:
        print(f"dev.py: step failed (exit {error.returncode}): {' '.join(map(str, error.cmd))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
