"""Every command exits non-zero when it fails, with a message and no traceback: one family of commands per
test (the core commands, monitoring, registry, receiver, simulator, standards)."""

from __future__ import annotations

import pytest

# On a SQLite file of its own, whatever the run's database: the PostgreSQL run leaves it out.
pytestmark = pytest.mark.own_sqlite


def refused(result, code: int | None = None) -> str:
    assert result.returncode != 0, result.stdout + result.stderr
    if code is not None:
        assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip(), "a failing command says why"
    return result.stderr


def test_core_commands_fail_with_a_non_zero_exit(lanqing, busy_port, tmp_path):
    password = tmp_path / "password"
    password.write_text("Gu-county-2026-lanqing!")
    assert "no unit named 'no such bureau'" in refused(
        lanqing("createuser", "x", "--role", "bureau", "--scope", "no such bureau", "--password-file",
                str(password), language="en"), 2)
    refused(lanqing("createuser", "x", "--role", "bureau", "--scope", "临汾市生态环境局古县分局",
                    "--password-file", str(tmp_path / "missing")), 2)
    # Without a terminal and without a password file, there is no way to give a password.
    refused(lanqing("createuser", "x", "--role", "bureau", "--scope", "临汾市生态环境局古县分局"), 2)
    refused(lanqing("createtoken", "nobody"), 2)
    refused(lanqing("import-measurements", str(tmp_path / "missing.csv")), 2)
    refused(lanqing("divisions", "load", str(tmp_path / "missing.csv")), 2)
    refused(lanqing("divisions"), 2)
    refused(lanqing("init", "--county", "999999"), 1)
    refused(lanqing("web", "--port", str(busy_port)), 1)
    refused(lanqing("check"), 1)
    refused(lanqing("no-such-command"), 2)
    refused(lanqing("init", LANQING_SECRET_KEY_FILE="/proc/no/such/folder/secret_key"), 2)


def test_monitoring_commands_fail_with_a_non_zero_exit(lanqing, tmp_path):
    refused(lanqing("device", "import", str(tmp_path / "missing.csv")), 2)
    bad = tmp_path / "devices.csv"
    bad.write_text("mn,password,protocol,point\nMN1,123456,2019,NOSITE/1\n")
    refused(lanqing("device", "import", str(bad)), 1)
    refused(lanqing("device"), 2)
    refused(lanqing("replay", "--since", "yesterday"), 2)
    refused(lanqing("packets", "export", "-o", str(tmp_path / "no" / "such" / "folder.csv")), 2)


def test_registry_commands_fail_with_a_non_zero_exit(lanqing, tmp_path):
    refused(lanqing("registry", "import", str(tmp_path / "missing.xlsx")), 2)
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    refused(lanqing("registry", "import", str(junk)), 1)
    refused(lanqing("registry", "export", str(tmp_path / "no" / "such" / "folder.xlsx")), 2)
    refused(lanqing("registry"), 2)


def test_receiver_commands_fail_with_a_non_zero_exit(lanqing, busy_port):
    refused(lanqing("receiver", "--workers", "0"), 2)
    refused(lanqing("receiver", "--host", "127.0.0.1", "--port", str(busy_port)), 1)
    refused(lanqing("receiver", "--host", "127.0.0.1", "--port", str(busy_port), "--workers", "2"), 1)


def test_simulator_commands_fail_with_a_non_zero_exit(lanqing, closed_port):
    refused(lanqing("simulate", "--faults", "earthquake"), 2)
    refused(lanqing("simulate", "--kinds", "soil"), 2)
    refused(lanqing("simulate", "--demo"), 2)
    # Nothing listens: no device can connect, and the run ends with its duration all the same.
    refused(lanqing("simulate", "--port", str(closed_port), "--devices", "1", "--kinds", "air", "--versions",
                    "2017", "--duration", "1"), 1)


def test_standards_commands_fail_with_a_non_zero_exit(lanqing, tmp_path):
    refused(lanqing("aqi", str(tmp_path / "missing.csv"), "--period", "hour"), 2)
    refused(lanqing("aqi", str(tmp_path / "missing.csv"), "--period", "hour", "-o", "out.txt"), 2)
    refused(lanqing("evaluate", str(tmp_path / "missing.csv")), 2)
    no_dates = tmp_path / "hours.csv"
    no_dates.write_text("time,SO2,NO2,CO,O3,PM10,PM2.5\nnever,1,1,1,1,1,1\n")
    refused(lanqing("aqi", str(no_dates), "--period", "hour"), 1)
    refused(lanqing("aqi", str(no_dates), "--period", "hour", "-o", str(tmp_path / "no" / "such" / "out.csv")), 2)
