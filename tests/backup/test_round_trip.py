"""`lanqing backup` and `lanqing restore` as an operator runs them: real processes, a real SQLite file or a real
PostgreSQL server, real uploaded files. Every table and every file comes back; a backup taken while another
process writes is consistent; a damaged archive, a non-empty target and a missing pg_dump are refused clearly."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import tarfile
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

# Nothing here uses pytest-django's test database: each installation is its own data folder and database.
SEED = r"""
from lanqing.bootstrap import django_setup
django_setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from lanqing.cases.transitions import case_open, case_submit
from lanqing.monitoring.models import Device, Point, Site
from lanqing.monitoring.services import device_key_replace
from lanqing.org.accounts import user_create
from lanqing.org.models import Enterprise, Industry, Jurisdiction, Unit
from lanqing.org.credit_code import make_credit_code

county = Jurisdiction.objects.get(code="141025000000")
town = Jurisdiction.objects.get(code="141025100000")
unit, _ = Unit.objects.get_or_create(name="古县分局", kind="bureau", jurisdiction=county)
from lanqing.cases.models import DeadlineRule, ResponsibilityRule
ResponsibilityRule.objects.create(category="inspection", lead_unit=unit)
DeadlineRule.objects.create(working_days=5, remind_before_days=1, unit_leader_after_days=2, leadership_after_days=5)
bureau = user_create(username="bureau", password="correct-horse-battery-9", role="bureau", scope="古县分局",
                     full_name="局")
enterprise = Enterprise.objects.create(credit_code=make_credit_code("91141025MA0000001"), name="甲焦化",
                                       township=town, industry=Industry.objects.create(code="2521", name="炼焦"))
site = Site.objects.create(kind="outlet", code="OUT-A", name="甲公司焦炉烟囱", jurisdiction=town,
                           enterprise=enterprise, outlet_medium="gas", limit_set="GB16171-2012:coke-oven:special")
device = Device(mn="MN0001", point=Point.objects.create(site=site, code="1", name="1#"), protocol="2025")
device.set_password("123456")
device.save()
device_key_replace(device_id=device.id, raw=b"0123456789abcdef")
case = case_open(title="夜间冒黄烟", category="inspection", source="inspection", by=bureau, site=site)
enterprise_user = user_create(username="ent", password="correct-horse-battery-9", role="enterprise",
                              scope=enterprise.credit_code, full_name="企业")
"""

WRITER = r"""
import sys, time
from pathlib import Path
from lanqing.bootstrap import django_setup
django_setup()
from django.db import transaction
from lanqing.org.models import Industry
stop = Path(sys.argv[1])
deadline = time.monotonic() + 120
n = 0
# Two rows per transaction: a consistent copy holds as many of one as of the other.
while not stop.exists() and time.monotonic() < deadline and n < 4000:
    with transaction.atomic():
        Industry.objects.create(code=f"{2 * n:04d}", name="pair-A")
        Industry.objects.create(code=f"{2 * n + 1:04d}", name="pair-B")
    n += 1
"""


def _postgres_url() -> str | None:
    url = os.environ.get("LANQING_DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


class Installation:
    """A data folder and a database, and the `lanqing` command run against them."""

    def __init__(self, folder: Path, database_url: str) -> None:
        self.folder, self.database_url = folder, database_url
        folder.mkdir(parents=True, exist_ok=True)
        self.env = dict(os.environ, LANQING_DATA_DIR=str(folder), LANQING_DATABASE_URL=database_url)
        self.env.pop("LANQING_SECRET_KEY", None)

    def run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "lanqing", *argv], env=self.env, capture_output=True,
                              text=True, timeout=300, check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"lanqing {' '.join(argv)}: exit {done.returncode}\n{done.stdout}\n{done.stderr}")
        return done

    def python(self, script: str, *argv: str, **kwargs):
        return subprocess.Popen([sys.executable, "-c", script, *argv], env=self.env, **kwargs)

    def seed(self) -> None:
        self.run("init", "--county", "141025")
        process = self.python(SEED, stderr=subprocess.PIPE, text=True)
        _out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        # An uploaded file (evidence) through the real workflow.
        process = self.python(EVIDENCE, stderr=subprocess.PIPE, text=True)
        _out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err

    def tables(self) -> dict[str, list[tuple]]:
        """Every row of every table, in a stable order."""
        if self.database_url.startswith("sqlite"):
            with closing(sqlite3.connect(self.database_url[len("sqlite:///"):])) as connection:
                names = [n for (n,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
                return {name: sorted(connection.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
                        for name in names}
        with psycopg.connect(self.database_url) as connection:
            names = [n for (n,) in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")]
            return {name: sorted(connection.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
                    for name in names}

    def files(self) -> dict[str, str]:
        media = self.folder / "media"
        return {path.relative_to(media).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
                for path in media.rglob("*") if path.is_file()}


EVIDENCE = r"""
from lanqing.bootstrap import django_setup
django_setup()
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from lanqing.cases.models import Case
from lanqing.cases.transitions import case_submit
case = Case.objects.get()
user = get_user_model().objects.get(username="ent")
case_submit(case=case, by=user, text="已整改", files=[SimpleUploadedFile("photo.png",
            b"\x89PNG\r\n\x1a\n" + bytes(range(256)))])
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def installations(request, tmp_path):
    """A source and an empty target of one engine (PostgreSQL only where the tests run on it)."""
    if request.param == "sqlite":
        yield (Installation(tmp_path / "source", f"sqlite:///{tmp_path / 'source' / 'lanqing.sqlite3'}"),
               Installation(tmp_path / "target", f"sqlite:///{tmp_path / 'target' / 'lanqing.sqlite3'}"))
        return
    base = _postgres_url()
    if base is None:
        pytest.skip("PostgreSQL: run with LANQING_DATABASE_URL=postgresql://… (python3 dev.py test does)")

    parts = urlsplit(base)
    names = [f"{parts.path.lstrip('/')}_backup_{side}_{os.getpid()}" for side in ("source", "target")]
    admin = base[: -len(parts.path)] + "/postgres" if parts.path else base
    with psycopg.connect(admin, autocommit=True) as connection:
        for name in names:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield tuple(Installation(tmp_path / side, base[: -len(parts.path)] + "/" + name)
                    for side, name in zip(("source", "target"), names, strict=True))
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            for name in names:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_every_table_and_every_file_come_back(installations, tmp_path):
    source, target = installations
    source.seed()
    assert source.files(), "the seed uploads evidence"
    archive = tmp_path / "lanqing.tar"
    source.run("backup", str(archive))
    assert archive.stat().st_mode & 0o077 == 0  # it holds the secret key
    done = target.run("restore", str(archive))
    assert "restored and checked" in done.stdout
    assert target.tables() == source.tables()
    assert target.files() == source.files()
    assert (target.folder / "secret_key").read_text() == (source.folder / "secret_key").read_text()
    # The restored installation opens the sealed SM4 key and checks the device password with the restored secret.
    check = target.python(
        "from lanqing.bootstrap import django_setup\ndjango_setup()\n"
        "from lanqing.monitoring.models import Device\nfrom lanqing.monitoring.services import device_key_current\n"
        "d = Device.objects.get(mn='MN0001')\nassert device_key_current(d.id) == b'0123456789abcdef'\n"
        "assert d.check_password('123456')\n", stderr=subprocess.PIPE, text=True)
    assert check.wait(timeout=120) == 0, check.stderr.read() if check.stderr else ""


def test_a_backup_taken_while_another_process_writes_is_consistent(installations, tmp_path):
    source, target = installations
    source.run("init")
    stop = tmp_path / "stop"
    writer = source.python(WRITER, str(stop), stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while _pairs(source) < 20:
            assert writer.poll() is None, "the writer stopped before writing"
            assert time.monotonic() < deadline, "the writer did not start writing"
            time.sleep(0.05)
        source.run("backup", str(tmp_path / "busy.tar"))
        assert writer.poll() is None, "the writer was still writing while the backup ran"
    finally:
        stop.touch()
        writer.wait(timeout=120)
    target.run("restore", str(tmp_path / "busy.tar"))
    rows = target.tables()["org_industry"]
    a_rows = sum(1 for row in rows if "pair-A" in row)
    b_rows = sum(1 for row in rows if "pair-B" in row)
    assert a_rows == b_rows >= 20


def _pairs(installation: Installation) -> int:
    try:
        rows = installation.tables().get("org_industry", [])
    except (sqlite3.OperationalError, psycopg.OperationalError):  # the writer may hold the file for a moment
        return 0
    return sum(1 for row in rows if "pair-B" in row)


def test_restore_refuses_a_non_empty_target_unless_forced_and_a_damaged_archive(installations, tmp_path):
    source, target = installations
    source.seed()
    archive = tmp_path / "lanqing.tar"
    source.run("backup", str(archive))
    target.run("init")
    refused = target.run("restore", str(archive), check=False)
    assert refused.returncode == 1
    assert "not empty" in refused.stderr
    assert "--force" in refused.stderr
    assert "nothing was changed" in refused.stderr
    assert "bureau" not in repr(target.tables()["auth_user"])
    # A flipped byte in the middle of the archive (inside the database member) is found before anything changes.
    damaged = tmp_path / "damaged.tar"
    data = bytearray(archive.read_bytes())
    with tarfile.open(archive) as opened:
        member = opened.getmember("database/lanqing.sqlite3" if source.database_url.startswith("sqlite")
                                  else "database/lanqing.pgdump")
    data[member.offset_data + member.size // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    broken = target.run("restore", str(damaged), "--force", check=False)
    assert broken.returncode == 1
    assert "checksum" in broken.stderr
    cut = tmp_path / "cut.tar"
    cut.write_bytes(archive.read_bytes()[: member.offset_data + 100])
    assert target.run("restore", str(cut), "--force", check=False).returncode == 1
    assert target.run("restore", str(tmp_path / "none.tar"), check=False).returncode == 1
    forced = target.run("restore", str(archive), "--force")
    assert "restored and checked" in forced.stdout
    assert target.tables() == source.tables()
    assert target.files() == source.files()
    assert target.run("backup", str(archive), check=False).returncode == 1  # never overwrites an archive


def test_a_missing_pg_dump_is_named(tmp_path):
    base = _postgres_url()
    if base is None:
        pytest.skip("PostgreSQL only")
    installation = Installation(tmp_path / "x", base)
    installation.env["PATH"] = str(tmp_path / "empty-path")
    done = subprocess.run([sys.executable, "-m", "lanqing", "backup", str(tmp_path / "x.tar")], env=installation.env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1
    assert "pg_dump was not found on PATH" in done.stderr
    assert not (tmp_path / "x.tar").exists()


def test_restoring_into_the_other_engine_is_refused(tmp_path):
    source = Installation(tmp_path / "s", f"sqlite:///{tmp_path / 's' / 'db.sqlite3'}")
    source.run("init")
    source.run("backup", str(tmp_path / "s.tar"))
    base = _postgres_url()
    if base is None:
        pytest.skip("PostgreSQL only")
    target = Installation(tmp_path / "t", base)
    done = target.run("restore", str(tmp_path / "s.tar"), check=False)
    assert done.returncode == 1
    assert "sqlite database" in done.stderr
