"""`lanqing` as a person runs it: a child process on a migrated SQLite file of its own."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess]


def run_lanqing(folder: Path, *argv: str, language: str | None = None, **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LANQING_")}
    environment.update(LANQING_DATA_DIR=str(folder), LANQING_DATABASE_URL=f"sqlite:///{folder / 'cli.sqlite3'}",
                       **env)
    if language is not None:
        environment["LANQING_LANGUAGE"] = language
    return subprocess.run([sys.executable, "-m", "lanqing", *argv], cwd=folder, env=environment,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="session")
def lanqing(tmp_path_factory) -> Run:
    """Runs `lanqing ARGS` on a database migrated once for the run, with Gu County loaded."""
    folder = tmp_path_factory.mktemp("cli")
    prepared = run_lanqing(folder, "init", "--county", "141025")
    assert prepared.returncode == 0, prepared.stderr

    def run(*argv: str, language: str | None = None, **env: str) -> subprocess.CompletedProcess:
        return run_lanqing(folder, *argv, language=language, **env)

    return run


@pytest.fixture
def busy_port():
    """A port something else already listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


@pytest.fixture
def closed_port() -> int:
    """A port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
