"""`lanqing web` keeps serving pages while slow clients trickle their headers a byte at a time (slowloris),
and cuts such clients off once their headers are overdue."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

# On a SQLite file of its own, whatever the run's database: the PostgreSQL run leaves it out.
pytestmark = pytest.mark.own_sqlite

SLOW_CLIENTS = 150


def start_web(tmp_path, *options: str) -> tuple[subprocess.Popen, int]:
    env = dict(os.environ, LANQING_DATA_DIR=str(tmp_path), PYTHONUNBUFFERED="1",
               LANQING_DATABASE_URL=f"sqlite:///{tmp_path / 'web.sqlite3'}")
    process = subprocess.Popen([sys.executable, "-m", "lanqing", "web", "--port", "0", *options], env=env,
                               stdout=subprocess.PIPE, stderr=open(tmp_path / "web.log", "w"), text=True)
    line = process.stdout.readline()  # the one line naming the address, "... http://127.0.0.1:PORT/"
    if "http://127.0.0.1:" not in line:
        process.kill()
        raise AssertionError(f"lanqing web did not start: {line!r} {(tmp_path / 'web.log').read_text()[-2000:]}")
    return process, int(line.rsplit(":", 1)[1].strip(" /\n"))


class Slowloris:
    """Many connections, each sending a request head one byte at a time and never finishing it."""

    def __init__(self, port: int, count: int) -> None:
        self.sockets = []
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(b"GET /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            # Non-blocking from here: a peek must not wait for data that is never coming.
            sock.setblocking(False)
            self.sockets.append(sock)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()

    def _trickle(self) -> None:
        # A byte on every connection every half second: never silent long enough for an idle timeout.
        while not self.stopping.wait(0.5):
            for sock in self.sockets:
                try:
                    sock.send(b"X")
                except OSError:
                    pass

    def open_count(self) -> int:
        """Connections the server has neither answered nor closed: nothing to read yet."""
        count = 0
        for sock in self.sockets:
            try:
                sock.recv(1, socket.MSG_PEEK)  # an answer, or b"" at the end of the stream
            except BlockingIOError:
                count += 1
            except OSError:
                pass  # reset by the server
        return count

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(5)
        for sock in self.sockets:
            sock.close()


def get(port: int, path: str) -> http.client.HTTPResponse:
    # A generous deadline for a busy machine: without the fix the page never comes while the slow clients trickle.
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path)
    return connection.getresponse()


def test_a_good_client_gets_its_page_while_150_slow_clients_hold_connections(tmp_path):
    process, port = start_web(tmp_path, "--header-timeout", "600")
    slow = Slowloris(port, SLOW_CLIENTS)
    try:
        response = get(port, "/login/")
        assert response.status == 200
        assert b"<form" in response.read()
        # The page came while every slow connection was still open: it did not wait for them to be dropped.
        assert slow.open_count() == SLOW_CLIENTS
    finally:
        slow.close()
        process.kill()
        process.wait(10)


def closed_by_server(sock: socket.socket, deadline: float) -> bool:
    sock.settimeout(1)  # blocking with a timeout again
    while time.monotonic() < deadline:
        try:
            if sock.recv(4096) == b"":
                return True
        except TimeoutError:
            continue
        except OSError:
            return True
    return False


def test_a_client_whose_headers_are_overdue_is_cut_off_though_it_keeps_sending(tmp_path):
    process, port = start_web(tmp_path, "--header-timeout", "1")
    slow = Slowloris(port, 3)
    silent = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        deadline = time.monotonic() + 60
        assert all(closed_by_server(sock, deadline) for sock in [*slow.sockets, silent])
        # The server still answers everyone else.
        assert get(port, "/login/").status == 200
    finally:
        slow.close()
        silent.close()
        process.kill()
        process.wait(10)
