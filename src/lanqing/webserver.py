"""The built-in web server: waitress, with a deadline on request headers so slow clients cannot starve it.

waitress closes a connection only after ``channel_timeout`` seconds *without any byte*, so a client sending its
headers a byte every few seconds (slowloris) keeps its connection for ever; a hundred such clients fill
waitress's connection limit and nobody else is accepted. Here a request's headers must be complete within
``header_timeout`` seconds of their first byte, and the connection limit leaves room for many more
connections than threads. nginx in front (README, Production) is still the first line: this keeps the
server usable when it is reached directly, on an office network or by mistake.
"""

from __future__ import annotations

import time
from typing import Any

from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer

# Open connections waitress serves at once (its default is 100); each costs a socket and a little memory, and
# a slow one holds no thread until its request is complete.
CONNECTION_LIMIT = 1000
# Seconds a client has to send a whole request head; nginx's client_header_timeout plays this part in front.
HEADER_TIMEOUT = 15.0
# Seconds of silence after which an idle (kept-alive) connection is closed.
CHANNEL_TIMEOUT = 60
# How often, in seconds, connections are looked over for both deadlines.
CLEANUP_INTERVAL = 1
# Largest request head accepted (waitress's default is 256 KiB); a browser's is a few KiB.
MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 256 * 1024 * 1024
# Descriptors beyond the connections: the listening socket, database connections, log and static files.
OPEN_FILES_SPARE = 100


class HeaderDeadlineChannel(HTTPChannel):
    """A connection that knows by when the request head it is reading must be complete."""

    header_deadline: float | None = None
    _timed: object = None

    def __init__(self, server: HeaderDeadlineServer, *args: Any, **kwargs: Any) -> None:
        super().__init__(server, *args, **kwargs)
        # The first request head is due from the moment the connection is accepted, even before any byte.
        self.header_deadline = time.monotonic() + server.header_timeout

    def received(self, data: bytes) -> bool:
        result = super().received(data)
        partial = self.request
        if partial is None or partial.headers_finished:
            self.header_deadline, self._timed = None, None
        elif partial is not self._timed:
            # A new request head has begun with this data.
            self._timed = partial
            self.header_deadline = time.monotonic() + self.server.header_timeout
        return result


class HeaderDeadlineServer(TcpWSGIServer):
    channel_class = HeaderDeadlineChannel
    header_timeout = HEADER_TIMEOUT

    def maintenance(self, now: float) -> None:
        super().maintenance(now)
        moment = time.monotonic()
        for channel in list(self.active_channels.values()):
            deadline = getattr(channel, "header_deadline", None)
            if deadline is not None and moment > deadline:
                # Closed the way waitress closes an idle channel: by the main loop, at its next turn.
                channel.will_close = True


def server_create(application: Any, *, host: str, port: int, threads: int = 8,
                  connection_limit: int = CONNECTION_LIMIT, header_timeout: float = HEADER_TIMEOUT,
                  ) -> HeaderDeadlineServer:
    """A server bound to host:port (port 0 picks a free one: read ``effective_port``); ``run()`` serves."""
    if header_timeout <= 0 or connection_limit < 1:
        raise ValueError("the header timeout and the connection limit must be positive")
    _open_files_allow(connection_limit + OPEN_FILES_SPARE)
    server = HeaderDeadlineServer(
        application, host=host, port=port, threads=threads, ident="lanqing",
        connection_limit=connection_limit, channel_timeout=CHANNEL_TIMEOUT, cleanup_interval=CLEANUP_INTERVAL,
        max_request_header_size=MAX_HEADER_BYTES, max_request_body_size=MAX_BODY_BYTES,
    )
    server.header_timeout = header_timeout
    return server


def _open_files_allow(wanted: int) -> None:
    """Raises the soft limit on open files towards ``wanted`` (never above the hard limit): the usual soft limit
    of 1,024 would refuse connections well before the connection limit."""
    try:
        import resource
    except ImportError:  # not on this platform
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            pass  # the server still runs; connections beyond the limit wait in the backlog
