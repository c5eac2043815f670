"""Detection follows the receiver: its commit queues one judgement job, a worker loop takes it, and every
hourly value the device sends is judged once, late and backfilled hours too."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lanqing import hj212
from lanqing.jobs.models import Job, JobStatus
from lanqing.monitoring.measurements import NEW_VALUES_JOB
from lanqing.monitoring.models import NewValue
from tests.polling import wait_until

from .conftest import hourly, peer, process_env, receiver_process

MN = "MNOUTA"
# Beijing time of the current hour: the judgement takes values whose data time has come.
NOW_HOUR = (datetime.now(UTC) + timedelta(hours=8)).replace(tzinfo=None).replace(minute=0, second=0, microsecond=0)
H = timedelta(hours=1)
# GB 13223-2011 coal: SO2 100 mg/m³ at 6 % O2.
SETUP = f"""
from lanqing.alerts.models import AlertRule
from lanqing.monitoring.factors import factors_ensure
from lanqing.monitoring.models import Device, Point, Site
from lanqing.org.divisions import gu_county_load
from lanqing.org.models import Jurisdiction
gu_county_load(); factors_ensure()
site = Site.objects.create(kind="outlet", code="OUT-A", name="焦炉烟囱", outlet_medium="gas",
                           limit_set="GB13223-2011:coal", jurisdiction=Jurisdiction.objects.get(code="141025100000"))
device = Device(mn="{MN}", point=Point.objects.create(site=site, code="1", name="1#"))
device.set_password("123456"); device.save()
AlertRule.objects.create(name="exceedance", kind="exceedance", severity="high")
"""


def _send_all(sock: socket.socket, packets: list[bytes]) -> None:
    """Each packet in turn, waiting for its 9014 as a device does."""
    buffer = b""
    for packet in packets:
        sock.sendall(packet)
        while True:
            while b"\r\n" not in buffer:
                chunk = sock.recv(65536)
                assert chunk, "the receiver closed the connection"
                buffer += chunk
            line, _, buffer = buffer.partition(b"\r\n")
            if hj212.parse_bytes(line + b"\r\n").header.cn == "9014":
                break


def _hour(when: datetime, so2: float, qn: str | None = None) -> bytes:
    return hourly(peer(mn=MN), when, {"a21026": so2, "a19001": 6.0}, qn=qn)


@pytest.mark.own_sqlite  # a SQLite file of its own: the PostgreSQL run leaves it out
@pytest.mark.django_db(transaction=True)
def test_the_receivers_commits_queue_one_coalesced_judgement_job_and_minute_data_none(cast, receiver):
    device = receiver.connect()
    device.send(hj212.build_data(peer(mn="MNOUTA"), hj212.Cn.MINUTE_DATA, NOW_HOUR,
                                 {"a21026": {"Avg": 50.0, "Flag": "N"}}))
    device.reply()
    assert not Job.objects.exists()
    assert not NewValue.objects.exists()
    for back in range(1, 5):
        device.send(hourly(peer(mn="MNOUTA"), NOW_HOUR - back * H, {"a21026": 50.0, "a19001": 6.0}))
        device.reply()
    # Four commits (each packet waited for its 9014), one job waiting for a worker, four hours to judge.
    assert list(Job.objects.values_list("kind", "status")) == [(NEW_VALUES_JOB, JobStatus.QUEUED)]
    assert NewValue.objects.count() == 4
    device.close()


def _db(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=30)
    connection.execute("PRAGMA query_only=1")
    return connection


def _wait(path: Path, sql: str, wanted, timeout: float = 120.0) -> None:
    """Polls the product's database until ``sql`` returns ``wanted`` (a generous bound, not a timing claim)."""
    def got() -> list:
        with _db(path) as connection:
            return connection.execute(sql).fetchall()

    wait_until(lambda: got() == wanted, timeout=timeout, interval=0.1)
    assert got() == wanted, f"{sql!r} still returns {got()!r}"


@pytest.fixture
def processes(tmp_path: Path):
    """``lanqing receiver`` and ``lanqing worker --loop`` on one SQLite file, once the worker's first pass
    (which runs every periodic task, the scheduled evaluation too) is over."""
    env = process_env(tmp_path, "detection.sqlite3", SETUP)
    database = tmp_path / "detection.sqlite3"
    receiver, port = receiver_process(env, "--no-host-commands")
    worker = subprocess.Popen([sys.executable, "-m", "lanqing", "worker", "--loop"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(database, "SELECT count(*) FROM jobs_periodicrun WHERE name = 'alerts.evaluate' "
                        "AND last_run_at IS NOT NULL", [(1,)])
        yield database, port
    finally:
        for process in (worker, receiver):
            process.terminate()
            process.wait(timeout=30)


SETTLED = ("SELECT (SELECT count(*) FROM monitoring_newvalue) + (SELECT count(*) FROM jobs_job "
           "WHERE status IN ('queued', 'running'))")


def _scheduled_run(database: Path) -> str:
    with _db(database) as connection:
        return connection.execute("SELECT last_run_at FROM jobs_periodicrun WHERE name = 'alerts.evaluate'"
                                  ).fetchone()[0]


def test_a_worker_loop_raises_the_alert_of_a_received_hour_without_waiting_for_the_schedule(processes):
    database, port = processes
    scheduled = _scheduled_run(database)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        _send_all(sock, [_hour(NOW_HOUR - H, 400.0)])
    _wait(database, "SELECT status, count FROM alerts_alert", [("active", 1)])
    # Raised by the job the receiver queued: the five-minute scheduled pass has not run again.
    assert _scheduled_run(database) == scheduled
    with _db(database) as connection:
        assert connection.execute("SELECT kind, status FROM jobs_job").fetchall() == [(NEW_VALUES_JOB, "done")]


def test_late_exceedance_hours_after_a_normal_hour_are_each_recorded_once_and_a_resend_is_not_judged_again(
        processes):
    database, port = processes
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        _send_all(sock, [_hour(NOW_HOUR, 20.0)])
        _wait(database, SETTLED, [(0,)])
        # Three hours over the limit for 1, 2 and 3 hours ago arrive late, newest first, after the normal hour.
        _send_all(sock, [_hour(NOW_HOUR - back * H, 300.0 + back) for back in (1, 2, 3)])
        _wait(database, SETTLED, [(0,)])
        with _db(database) as connection:
            first = connection.execute("SELECT time, value, judged_at FROM alerts_exceedance ORDER BY time"
                                       ).fetchall()
            alerts = connection.execute("SELECT status, message FROM alerts_alert").fetchall()
            jobs_before = connection.execute("SELECT count(*) FROM jobs_job").fetchone()[0]
        assert [row[1] for row in first] == [303.0, 302.0, 301.0]
        assert alerts  # opened by the late hours, though the newest hour is within the limit
        _send_all(sock, [_hour(NOW_HOUR - 2 * H, 302.0)])
        _wait(database, SETTLED, [(0,)])
    with _db(database) as connection:
        again = connection.execute("SELECT time, value, judged_at FROM alerts_exceedance ORDER BY time").fetchall()
        jobs = connection.execute("SELECT count(*) FROM jobs_job").fetchone()[0]
    # An identical resend stores nothing (issue 15: history is not rewritten), so there is nothing to judge again.
    assert again == first
    assert jobs == jobs_before
