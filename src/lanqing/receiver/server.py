"""The asyncio shell: sockets, limits, and the order "store, commit, then reply".

One :class:`Connection` (an ``asyncio.Protocol``, no task per socket, to stay small with 10,000 idle
connections) per device socket. Bytes go through the connection's :class:`~lanqing.hj212.Framer`; every
frame or rejection goes to the :class:`PacketWriter`, and the reply the outcome names is written when the
writer's future resolves, i.e. after the commit. Timers are one sweep per second over all connections
rather than a timer per socket.

Limits (STYLE.md lesson 2): a connection cap (kept below the open-file limit by the CLI) and per-address
caps, one for all connections and a smaller one for connections not yet proven by an accepted frame; a
first-frame deadline, so that idle connections that never send a byte cannot hold the slots of devices;
an idle timeout counted from the last complete frame, so a device that trickles one byte a minute is
dropped as well as a silent one; a frame deadline for a frame that never completes; at most
``max_pending`` uncommitted frames per connection (then reading pauses); a cap on rejected frames in a row;
a bound on unsent reply bytes. Every log line starts with the peer address, and repeated lines become one
summary line per interval (:mod:`~lanqing.receiver.lograte`).

Guarding (:mod:`~lanqing.receiver.guard`): a frame whose MN and password were never accepted waits for
its address's and its MN's guessing budget before it reaches the writer (the connection stops reading
meanwhile), and a connection not yet proven spends its address's budget of stored rejected frames; beyond
it rejected frames are counted, not stored.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lanqing import hj212
from lanqing.hj212 import Frame, Framer, Reason, Rejection
from lanqing.monitoring.ingest.decide import Outcome, Received
from lanqing.receiver.accept import Acceptor, listen
from lanqing.receiver.guard import Buckets, GuessLimits, PasswordGuard, SharedBudgets
from lanqing.receiver.hostside import HostPolicy, HostSession
from lanqing.receiver.lograte import LogBudget
from lanqing.receiver.writer import PacketWriter

log = logging.getLogger("lanqing.receiver")

# Outcome reasons of a try at an MN and password (lanqing.monitoring.ingest.decide).
GUESS_REASONS = ("unknown-mn", "wrong-pw")
# Seconds between looks at a connection whose frames wait for the guessing budget.
RECHECK = 0.5
# Connections swept between two turns of the event loop.
SWEEP_SLICE = 500


@dataclass(frozen=True, kw_only=True)
class Limits:
    max_connections: int = 20_000
    # One address may be a NAT gateway or a carrier's proxy in front of a whole county's devices.
    max_per_address: int = 2_000
    # Connections from one address that have not yet had a frame accepted: a gateway's devices
    # reconnecting together after an outage stay well below this; a flood of empty connections does not.
    max_new_per_address: int = 256
    # A new connection must have a frame accepted within this, or it is closed (a device sends its data on
    # connecting; an empty connection only holds a slot).
    first_frame_timeout: float = 30.0
    # No complete frame for this long closes the connection (devices send at least hourly data).
    idle_timeout: float = 3900.0
    # A frame whose first bytes arrived this long ago and is still incomplete: a slow or stuck sender.
    frame_timeout: float = 60.0
    max_frame: int = 9999
    # Frames read but not yet committed, per connection; beyond this reading pauses (back-pressure).
    max_pending: int = 256
    # Rejected frames in a row (junk, bad CRC …) after which the connection is dropped.
    max_rejections: int = 50
    # Bytes outside any good frame since the last good one (noise, a 1 MB line) before the drop.
    max_junk_bytes: int = 64 * 1024
    # Reply bytes the peer has not read; a device that never reads is dropped.
    max_unsent: int = 256 * 1024
    sweep_interval: float = 1.0
    guessing: GuessLimits = GuessLimits()
    # Rejected frames stored per address from connections not yet proven: a burst, then one per
    # ``rejected_every`` seconds; beyond it they are counted, not stored.
    rejected_burst: int = 200
    rejected_every: float = 1.0
    # Seconds between summary lines of repeated log lines.
    log_interval: float = 10.0


class Connection(asyncio.Protocol):
    __slots__ = (
        "server",
        "transport",
        "peer",
        "address",
        "framer",
        "last_frame",
        "partial_since",
        "pending",
        "paused",
        "rejections",
        "junk",
        "closing",
        "host",
        "device_id",
        "outbox",
        "opened",
        "proven",
        "held",
        "holding",
    )

    def __init__(self, server: ReceiverServer) -> None:
        self.server = server
        self.transport: asyncio.Transport | None = None
        self.peer = "?"
        self.address = "?"
        self.framer = Framer(max_length=server.limits.max_frame)
        self.last_frame = time.monotonic()
        self.partial_since: float | None = None
        self.pending = 0
        self.paused = False
        self.rejections = 0
        self.junk = 0
        self.closing = False
        self.host: HostSession | None = None
        self.device_id: int | None = None
        self.outbox: list[bytes] | None = None
        self.opened = self.last_frame
        # An accepted frame arrived on this connection (it then counts no longer as new for its address).
        self.proven = False
        # Frames waiting for the guessing budget, in arrival order, each with its parse; reading is paused.
        self.held: list[tuple[Frame | Rejection, Any]] = []
        self.holding = False

    # --- asyncio callbacks -----------------------------------------------------------------------------

    def connection_made(self, transport) -> None:
        # Admitted already, by the acceptor (ReceiverServer.accepted).
        self.transport = transport
        if self.closing:  # the receiver stopped in between
            transport.abort()
            return
        log.debug("%s: connected", self.peer)

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return
        items = self.framer.feed(data)
        now = time.monotonic()
        if self.framer.buffered:
            if self.partial_since is None:
                self.partial_since = now
        else:
            self.partial_since = None
        for item in items:
            self._offer(item, now)
            if isinstance(item, Rejection):
                self.junk += item.size
                if self.junk > self.server.limits.max_junk_bytes and not self.closing:
                    self.close(f"{self.junk} bytes outside good frames", record=Reason.JUNK)
                    return
            else:
                self.junk = 0

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.held:
            for item in self.framer.close():
                self._offer(item, time.monotonic(), replying=False)
        if self.held:
            self.server.stats["held-dropped"] += len(self.held)
            self.held.clear()
        self.closing = True
        self.server.forget(self)
        log.debug("%s: disconnected%s", self.peer, f" ({exc})" if exc else "")

    # --- frames ---------------------------------------------------------------------------------------

    def _offer(self, item: Frame | Rejection, now: float, *, replying: bool = True) -> None:
        """Submit ``item`` now, or hold it (and everything after it) until the guessing budget allows."""
        if isinstance(item, Frame):
            self.last_frame = now
        # Parsing is pure and needs no device: do it here, where it overlaps the writer's database work.
        parsed = hj212.parse_frame(item) if isinstance(item, Frame) else None
        if self.held or self._delay(parsed, now) > 0:
            self.held.append((item, parsed))
            if len(self.held) == 1:
                self._hold(now)
            return
        self._submit(item, parsed, replying=replying)

    def _delay(self, parsed: Any, now: float) -> float:
        header = getattr(parsed, "header", None)
        if header is None or not header.mn:
            return 0.0
        return self.server.guard.wait(self.address, header.mn[:40], header.pw or "", now)

    def _hold(self, now: float) -> None:
        item, parsed = self.held[0]
        delay = self._delay(parsed, now)
        if not self.holding:
            self.holding = True
            self.server.stats["held"] += 1
            log.warning(
                "%s: wrong passwords or unknown MNs (%s); further tries from here wait for the guessing budget",
                self.peer,
                getattr(parsed.header, "mn", None) or "?",
            )
            if self.transport is not None:
                self.transport.pause_reading()
        # Looked at again soon rather than when a token is due: the tries of devices behind the same address
        # give their tokens back once accepted, so a gateway's devices reconnecting together pass in rounds.
        asyncio.get_running_loop().call_later(min(max(delay, 0.01), RECHECK), self._release)

    def _release(self) -> None:
        if self.closing:
            self.held.clear()
            return
        now = time.monotonic()
        while self.held:
            item, parsed = self.held[0]
            if self._delay(parsed, now) > 0:
                self._hold(now)
                return
            self.held.pop(0)
            self._submit(item, parsed)
        self.holding = False
        if self.transport is not None and not self.paused:
            self.transport.resume_reading()

    def _submit(self, item: Frame | Rejection, parsed: Any, *, replying: bool = True) -> None:
        server = self.server
        done = self._committed if replying else self._forgotten
        received = Received(item, self.peer, datetime.now(UTC), parsed)
        if not self.proven:
            # A stranger's rejected frames are kept for audit within its address's budget; junk beyond it
            # is not even handed to the writer, frames beyond it are stored only if accepted.
            spent = received.keep_rejected = server.rejected_budget.take(self.address, time.monotonic())
            if not spent and isinstance(item, Rejection):
                self._unstored()
                return
            done = functools.partial(self._judged_stranger, done, spent)
        self.pending += 1
        server.writer.submit(received, done)
        if self.pending >= server.limits.max_pending and not self.paused and self.transport:
            self.paused = True
            self.transport.pause_reading()

    def _judged_stranger(self, done: Callable[[Outcome | BaseException], None], spent: bool, result) -> None:
        if isinstance(result, Outcome):
            if result.accepted and spent:
                self.server.rejected_budget.give(self.address, time.monotonic())  # it was no stranger
            elif not result.accepted and not spent:
                self._unstored()
        done(result)

    def _unstored(self) -> None:
        self.server.stats["unstored"] += 1
        log.info("%s: rejected frame not stored: beyond the audit budget of this address", self.peer)

    def _forgotten(self, result: Outcome | BaseException) -> None:
        self.pending -= 1  # stored (or not) after the connection went away: nobody to answer
        if not isinstance(result, BaseException):
            self._judged(result)

    def _judged(self, outcome: Outcome) -> None:
        """Tell the password guard what became of a frame."""
        header = outcome.packet.header if outcome.packet is not None else None
        if header is None or not header.mn:
            return
        guard, mn, pw = self.server.guard, header.mn[:40], header.pw or ""
        guard.judged(mn, pw)
        if outcome.accepted:
            guard.accepted(self.address, mn, pw, time.monotonic())
        elif outcome.reason.startswith(GUESS_REASONS):
            guard.refused(mn, pw)

    def _committed(self, result: Outcome | BaseException) -> None:
        self.pending -= 1
        if not isinstance(result, BaseException):
            self._judged(result)
        if self.paused and self.pending <= self.server.limits.max_pending // 2 and not self.closing:
            self.paused = False
            if self.transport and not self.holding:
                self.transport.resume_reading()
        if isinstance(result, BaseException):
            # Not stored, so not acknowledged: drop the device; it resends after reconnecting.
            self.close(f"storage failed, nothing acknowledged: {result}")
            return
        outcome = result
        self.server.count(outcome)
        if outcome.accepted:
            self.rejections = 0
            if not self.proven:
                self.proven = True
                self.server.prove(self)
        else:
            self.rejections += 1
            log.info("%s: rejected %s: %s", self.peer, outcome.mn or "(no MN)", outcome.reason)
        if self.closing or self.transport is None:
            return
        if outcome.reply:
            self.queue(outcome.reply)
        if outcome.accepted and outcome.packet is not None and outcome.device_id is not None:
            if self.host is None or self.device_id != outcome.device_id:
                self.device_id = outcome.device_id
                self.server.claim(self, outcome.device_id)
                self.host = HostSession(self, outcome.device_id, outcome.packet, self.server.policy)
            self.host.on_packet(outcome)
        if self.rejections >= self.server.limits.max_rejections:
            self.close(f"{self.rejections} rejected frames in a row")

    def queue(self, data: bytes) -> None:
        """Send soon: the replies and commands of one batch leave in one write per connection, in order."""
        if self.outbox is None:
            self.outbox = [data]
            self.server.mark_dirty(self)
        else:
            self.outbox.append(data)

    def flush(self) -> None:
        outbox, self.outbox = self.outbox, None
        if outbox:
            self.write(outbox[0] if len(outbox) == 1 else b"".join(outbox))

    def write(self, data: bytes) -> None:
        transport = self.transport
        if transport is None or self.closing:
            return
        if transport.get_write_buffer_size() + len(data) > self.server.limits.max_unsent:
            self.close("the peer does not read its replies")
            return
        transport.write(data)

    def close(self, why: str, *, record: Reason | None = None) -> None:
        if self.closing:
            return
        log.warning("%s: closing: %s", self.peer, why)
        if record is not None:
            # Store what was buffered with the reason we hang up (slow sender, idle inside a frame).
            for item in self.framer.close():
                if isinstance(item, Rejection):
                    item = Rejection(record, f"{why}; {item.message}", item.raw, item.size, item.header)
                if not self.held:
                    self._offer(item, time.monotonic(), replying=False)
        self.closing = True
        if self.transport is not None:
            self.transport.close()

    def sweep(self, now: float) -> None:
        limits = self.server.limits
        if not self.proven and self.pending == 0 and now - self.opened > limits.first_frame_timeout:
            self.close(f"no frame accepted within {limits.first_frame_timeout:.0f} s of connecting")
        elif self.partial_since is not None and now - self.partial_since > limits.frame_timeout:
            self.close(
                f"frame not completed within {limits.frame_timeout:.0f} s (slow sender)",
                record=Reason.TRUNCATED,
            )
        elif now - self.last_frame > limits.idle_timeout:
            self.close(f"no complete frame for {limits.idle_timeout:.0f} s", record=Reason.JUNK)
        elif self.host is not None:
            self.host.tick()


class ReceiverServer:
    """Listens, admits connections within the caps, and sweeps timeouts once a second."""

    def __init__(
        self,
        *,
        limits: Limits | None = None,
        policy: HostPolicy | None = None,
        max_batch: int = 2000,
        slot: int = 0,
        slots: int = 1,
        shared_budgets: str | None = None,
    ) -> None:
        self.limits = limits or Limits()
        # Which worker of ``--workers N`` this is (0 alone), and N: name its row of deferred-decoding progress.
        self.slot = slot
        self.slots = slots
        self.policy = policy or HostPolicy()
        # Frames per group commit. Each commit is an fsync plus the pages it rewrites; shared by up to 2000
        # frames that is a few µs each, and a batch is only as large as what is already waiting, so an
        # idle receiver still answers each frame at once.
        self.max_batch = max_batch
        self.connections: set[Connection] = set()
        self.by_address: Counter[str] = Counter()
        # Connections per address that have had no frame accepted yet.
        self.new_by_address: Counter[str] = Counter()
        # With ``--workers N`` the guessing budgets are the receiver's, kept in a file all workers share.
        self.guard = PasswordGuard(
            self.limits.guessing, shared=SharedBudgets(shared_budgets) if shared_budgets else None
        )
        self.rejected_budget = Buckets(burst=self.limits.rejected_burst, every=self.limits.rejected_every)
        self.log_budget = LogBudget(interval=self.limits.log_interval)
        self.by_device: dict[int, Connection] = {}
        self.stats: Counter[str] = Counter()
        self.dirty: list[Connection] = []
        self._flush_scheduled = False
        self.writer: PacketWriter
        self._acceptor: Acceptor | None = None
        self._sweeper: asyncio.Task | None = None
        # Why the receiver stopped on its own, if it did: it then exits non-zero (``ReceiverFailed``).
        self.failure: str | None = None
        # address → (when last logged, refusals since): a connection flood must not become a log flood.
        self._refused: dict[str, tuple[float, int]] = {}
        self._pruned = time.monotonic()

    async def start(self, host: str = "0.0.0.0", port: int = 9212, *, reuse_port: bool = False) -> int:
        """Listen; returns the bound port. ``reuse_port`` lets several worker processes listen on one port
        (``lanqing receiver --workers N``): the kernel then spreads new connections across them."""
        loop = asyncio.get_running_loop()
        self.log_budget.install()
        self.writer = PacketWriter(
            loop, max_batch=self.max_batch, after_batch=self.flush, slot=self.slot, slots=self.slots
        )
        self.writer.start()
        sock = listen(host, port, reuse_port=reuse_port)
        self._acceptor = Acceptor(
            loop, sock, refusal=self.refusal, serve=self.accepted, refused=self.log_refusal
        )
        self._acceptor.start()
        self._sweeper = asyncio.create_task(self._sweep())
        return sock.getsockname()[1]

    async def stop(self) -> None:
        if self._sweeper:
            self._sweeper.cancel()
        if self._acceptor:
            self._acceptor.close()
        for conn in list(self.connections):
            conn.close("receiver stopping")
        await asyncio.sleep(0)
        await self.writer.stop()
        self.log_budget.report(force=True)
        self.log_budget.uninstall()

    def mark_dirty(self, conn: Connection) -> None:
        self.dirty.append(conn)
        if not self._flush_scheduled:
            # After a batch the writer flushes at once; this covers commands queued outside a batch.
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        self._flush_scheduled = False
        dirty, self.dirty = self.dirty, []
        for conn in dirty:
            conn.flush()

    def refusal(self, address: str) -> str | None:
        """Why a new connection from ``address`` is refused, or None when the caps let it in."""
        limits = self.limits
        if len(self.connections) >= limits.max_connections:
            return f"{len(self.connections)} connections open, the cap is {limits.max_connections}"
        if self.by_address[address] >= limits.max_per_address:
            return f"{self.by_address[address]} connections from this address, the cap is {limits.max_per_address}"
        if self.new_by_address[address] >= limits.max_new_per_address:
            return (
                f"{self.new_by_address[address]} connections from this address have had no frame "
                f"accepted yet, the cap is {limits.max_new_per_address}"
            )
        return None

    def accepted(self, sock, peername) -> None:
        """An admitted socket: count it at once (the caps see it before its transport exists), then serve it."""
        conn = Connection(self)
        if isinstance(peername, tuple):
            conn.address = str(peername[0])
            conn.peer = f"{peername[0]}:{peername[1]}"
        self.connections.add(conn)
        self.by_address[conn.address] += 1
        self.new_by_address[conn.address] += 1
        asyncio.get_running_loop().create_task(self._attach(conn, sock))

    async def _attach(self, conn: Connection, sock) -> None:
        try:
            await asyncio.get_running_loop().connect_accepted_socket(lambda: conn, sock=sock)
        except Exception as exc:  # noqa: BLE001 - one socket that cannot be served must not stop the accepting
            log.warning("%s: cannot serve the connection: %s", conn.peer, exc)
            sock.close()
            self.forget(conn)

    def prove(self, conn: Connection) -> None:
        """The connection had its first frame accepted: it no longer counts as new for its address."""
        if conn in self.connections:
            _decrement(self.new_by_address, conn.address)

    def log_refusal(self, peername, refusal: str) -> None:
        self.stats["refused"] += 1
        address, peer = (str(peername[0]), f"{peername[0]}:{peername[1]}") if isinstance(peername, tuple) else ("?", "?")
        now = time.monotonic()
        last, count = self._refused.get(address, (-1e9, 0))
        if now - last < 10.0:
            self._refused[address] = (last, count + 1)
            return
        if len(self._refused) > 10_000:
            self._refused.clear()
        self._refused[address] = (now, 0)
        more = f" ({count} more from this address since the last report)" if count else ""
        log.warning("%s: connection refused: %s%s", peer, refusal, more)

    def forget(self, conn: Connection) -> None:
        if conn in self.connections:
            self.connections.discard(conn)
            _decrement(self.by_address, conn.address)
            if not conn.proven:
                _decrement(self.new_by_address, conn.address)
        if conn.device_id is not None and self.by_device.get(conn.device_id) is conn:
            del self.by_device[conn.device_id]
            self.writer.mark_offline(conn.device_id)

    def claim(self, conn: Connection, device_id: int) -> None:
        self.by_device[device_id] = conn

    def count(self, outcome: Outcome) -> None:
        self.stats["accepted" if outcome.accepted else "rejected"] += 1

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(self.limits.sweep_interval)
            if not self.writer.alive:
                # Without the writer nothing can be stored or acknowledged: stop, so a supervisor restarts us.
                log.critical("the writer thread is gone; stopping the receiver")
                self.failure = "the writer thread is gone"
                os.kill(os.getpid(), signal.SIGTERM)
                return
            now = time.monotonic()
            for index, conn in enumerate(list(self.connections)):
                if not conn.closing:
                    try:
                        conn.sweep(now)
                    except Exception:  # one connection's bug must not stop the timeouts of the others
                        log.exception("%s: sweep failed", conn.peer)
                if index % SWEEP_SLICE == SWEEP_SLICE - 1:
                    # A flood's connections reach their deadline together; closing 20,000 in one go held
                    # every device's reply back for about a second (bench_attack.py).
                    await asyncio.sleep(0)
            self.log_budget.report(now)
            if now - self._pruned > 60.0:
                self._pruned = now
                self.guard.prune(now)
                self.rejected_budget.prune(now)


def _decrement(counter: Counter[str], key: str) -> None:
    counter[key] -= 1
    if counter[key] <= 0:
        del counter[key]


async def serve(
    *,
    host: str,
    port: int,
    limits: Limits | None = None,
    policy: HostPolicy | None = None,
    ready=None,
    reuse_port: bool = False,
    slot: int = 0,
    slots: int = 1,
    shared_budgets: str | None = None,
) -> None:
    """Run until cancelled (SIGTERM/SIGINT in the CLI)."""
    server = ReceiverServer(limits=limits, policy=policy, slot=slot, slots=slots, shared_budgets=shared_budgets)
    bound = await server.start(host, port, reuse_port=reuse_port)
    log.info("listening on %s:%d", host, bound)
    if ready is not None:
        ready(bound)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()
        if server.failure:
            # Not a stop someone asked for: a service manager must see a failure and start us again.
            raise ReceiverFailed(server.failure)


class ReceiverFailed(Exception):
    """The receiver stopped because it could no longer store frames."""


__all__ = ["Connection", "Limits", "ReceiverFailed", "ReceiverServer", "serve"]
