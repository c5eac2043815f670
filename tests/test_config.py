"""Settings come from environment variables; a bad value stops the program at start, naming the variable."""

import os
import subprocess
import sys

import pytest

from lanqing.config import ConfigError, database_from_url


def run_lanqing(*argv, **env):
    return subprocess.run([sys.executable, "-m", "lanqing", *argv], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, **env))


@pytest.mark.parametrize(("variable", "value"), [
    ("LANQING_DEBUG", "maybe"),
    ("LANQING_DATABASE_URL", "mysql://localhost/x"),
    ("LANQING_SESSION_AGE_HOURS", "soon"),
    ("LANQING_LANGUAGE", "fr"),
    ("LANQING_TIME_ZONE", "Mars/Olympus"),
    ("LANQING_SECRET_KEY", "short"),
])
def test_a_bad_value_fails_at_start_naming_the_variable(tmp_path, variable, value):
    result = run_lanqing("init", **{"LANQING_DATA_DIR": str(tmp_path), variable: value})
    assert result.returncode == 2
    assert variable in result.stderr
    assert "Traceback" not in result.stderr


def test_sqlite_urls_relative_and_absolute():
    assert database_from_url("sqlite:///var/x.sqlite3")["NAME"] == "var/x.sqlite3"
    assert database_from_url("sqlite:////tmp/x.sqlite3")["NAME"] == "/tmp/x.sqlite3"


def test_postgresql_url_parts():
    database = database_from_url("postgresql://u:p%40ss@db.example:6543/lanqing?sslmode=require")
    assert (database["USER"], database["PASSWORD"], database["HOST"], database["PORT"], database["NAME"]) == (
        "u", "p@ss", "db.example", "6543", "lanqing")
    assert database["OPTIONS"] == {"sslmode": "require"}


@pytest.mark.parametrize("url", ["postgresql://host", "sqlite://", "sqlite:///", "ftp://x/y"])
def test_incomplete_database_urls_are_refused(url):
    with pytest.raises(ConfigError, match="LANQING_DATABASE_URL"):
        database_from_url(url)


def test_help_explains_every_command_in_one_line():
    result = run_lanqing("--help")
    for command in ("demo", "web", "worker", "init", "createuser", "import-measurements"):
        assert command in result.stdout


def test_cli_import_reports_bad_rows_by_line_and_column(tmp_path):
    env = {"LANQING_DATA_DIR": str(tmp_path), "LANQING_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    assert run_lanqing("init", **env).returncode == 0
    data = tmp_path / "bad.csv"
    data.write_text("site,factor,time,value\nNOPE,a34004,2026-01-01 00:00,1\n", encoding="utf-8")
    result = run_lanqing("import-measurements", str(data), **env, LANQING_LANGUAGE="en")
    assert result.returncode == 1
    assert "bad.csv: line 2, column site: no site with code NOPE" in result.stderr
    missing = run_lanqing("import-measurements", str(tmp_path / "missing.csv"), **env, LANQING_LANGUAGE="en")
    assert missing.returncode == 2
    assert "cannot read" in missing.stderr


def test_createuser_refuses_an_unknown_scope(tmp_path):
    env = {"LANQING_DATA_DIR": str(tmp_path), "LANQING_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    run_lanqing("init", **env)
    secret = tmp_path / "pw"
    secret.write_text("a-long-enough-password-1")
    result = run_lanqing("createuser", "x", "--role", "township", "--scope", "999999999999",
                         "--password-file", str(secret), **env)
    assert result.returncode == 2
    assert "999999999999" in result.stderr
