"""The listening socket and its accept loop, with the connection caps checked before a transport exists.

asyncio's own server accepts up to its backlog in one go and makes a transport for each before any
protocol can refuse it; a refused connection's descriptor is freed only an iteration later. Under a flood
the process then runs out of descriptors whatever the connection cap, every further accept() fails with
EMFILE and asyncio logs each failure. Here a connection over a cap is closed in the same call that
accepted it (one descriptor at most in flight), and when accept() fails for want of descriptors all the
same, accepting pauses for a second, as asyncio does, with one log line.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
from collections.abc import Callable

log = logging.getLogger("lanqing.receiver")

# Connections taken per readiness event, so that a flood of connects does not starve the open ones.
ACCEPT_ROUND = 64
# Errors of accept() that mean "no descriptors or memory now": wait before trying again.
EXHAUSTED = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}
RETRY_AFTER = 1.0


def listen(host: str, port: int, *, reuse_port: bool = False, backlog: int = 4096) -> socket.socket:
    family, kind, proto, _name, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
        sock.listen(backlog)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


class Acceptor:
    """Accepts on ``sock``; ``refusal(address)`` says why a peer is refused (None admits it), ``serve(sock,
    peername)`` takes an admitted socket, ``refused(peername, why)`` hears of each refusal."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sock: socket.socket,
        *,
        refusal: Callable[[str], str | None],
        serve: Callable[[socket.socket, object], None],
        refused: Callable[[object, str], None],
    ) -> None:
        self.loop = loop
        self.sock = sock
        self.refusal = refusal
        self.serve = serve
        self.refused = refused
        self._retry: asyncio.TimerHandle | None = None
        self.closed = False

    def start(self) -> None:
        self.loop.add_reader(self.sock.fileno(), self._accept)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self._retry is not None:
            self._retry.cancel()
        self.loop.remove_reader(self.sock.fileno())
        self.sock.close()

    def _accept(self) -> None:
        for _ in range(ACCEPT_ROUND):
            try:
                conn, peername = self.sock.accept()
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                return
            except OSError as exc:
                if exc.errno not in EXHAUSTED:
                    log.warning("accept failed: %s", exc)
                    return
                log.error("accept failed: %s; not accepting for %.0f s", exc, RETRY_AFTER)
                self.loop.remove_reader(self.sock.fileno())
                self._retry = self.loop.call_later(RETRY_AFTER, self._resume)
                return
            address = str(peername[0]) if isinstance(peername, tuple) else str(peername)
            why = self.refusal(address)
            if why is not None:
                _close_at_once(conn)
                self.refused(peername, why)
                continue
            conn.setblocking(False)
            try:
                self.serve(conn, peername)
            except Exception:  # one socket that cannot be served must not stop the accepting
                log.exception("%s: cannot serve the connection", address)
                conn.close()

    def _resume(self) -> None:
        self._retry = None
        if not self.closed:
            self.loop.add_reader(self.sock.fileno(), self._accept)


def _close_at_once(conn: socket.socket) -> None:
    # A reset rather than a FIN: the refused peer learns at once, and no TIME_WAIT stays behind here.
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    except OSError:
        pass
    conn.close()


__all__ = ["Acceptor", "listen"]
