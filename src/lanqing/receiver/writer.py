"""Group commit: one thread takes every waiting frame, commits them in one transaction, then answers.

Replies (9014 …) are owed only for durable packets, and a commit per packet would cap SQLite at a few
hundred packets per second. So the asyncio side hands frames to this thread and awaits a future; the
thread drains the queue (up to ``max_batch``), calls ``ingest_batch`` once, and resolves all the futures
with one ``call_soon_threadsafe``. Under load batches grow by themselves; when idle a frame waits for no
one. Frames that arrive while the writer waits for its write turn (``WriteTurns``, another worker is
committing) join the batch once the turn is taken, rather than waiting for the next commit. The thread owns
its Django database connection (the ORM is not async-safe).

Under load (a batch of ``defer_from`` frames or more) the decoded measurements are not written in the
acknowledging transaction: they wait in a :class:`~lanqing.monitoring.ingest.deferred.Deferred` and are written
together once they are a second old (or ``FLUSH_ROWS`` rows, or when the queue goes quiet). The raw packet
is what the acknowledgement promises; the measurements follow within a second, and a crash before they
are written is repaired at the next start from the raw packets (``ReceiverProgress``). Measured with the
devices of the benchmark waiting for each 9014 as the standard's upload flow has them: about twice the
packets per second of writing everything in the acknowledging commit.

On SQLite the writer's connection does not checkpoint the write-ahead log itself; a second thread does,
with its own connection, so that copying pages into the database file never delays an acknowledgement.
That thread's passive checkpoints cannot finish while receiver workers commit without pause, and SQLite
starts the log over only after a finished checkpoint: under a sustained flood the log grew by about 20 MB
a second. So once it is larger than ``WAL_LIMIT`` the checkpoint takes a write turn, finishes, and the
next commit starts the log over; the file is cut back to ``WAL_LIMIT``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import threading
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import close_old_connections, connection, transaction
from django.db.models import Q

from lanqing.locked import retry_locked
from lanqing.monitoring.ingest.batch import ingest_batch
from lanqing.monitoring.ingest.decide import Outcome, Received
from lanqing.monitoring.ingest.deferred import Deferred, deferred_recover, deferred_write
from lanqing.monitoring.ingest.devices import DeviceCache
from lanqing.monitoring.models import Device
from lanqing.receiver.turns import WriteTurns

log = logging.getLogger(__name__)

_STOP = object()
# SQLite page cache of the writer's connection, in KiB.
CACHE_KIB = 64 * 1024
# Frames in one batch from which their measurements are deferred (smaller batches: the receiver is not busy
# and writes everything in the acknowledging commit, so the values are visible with the 9014).
DEFER_FROM = 32
# Deferred measurements are written when this old, this many, or after this long without a frame.
FLUSH_AGE = 1.0
FLUSH_ROWS = 30_000
FLUSH_IDLE = 0.05
# Seconds between passive checkpoints of SQLite's write-ahead log.
CHECKPOINT_EVERY = 1.0
# Seconds a batch waits for another process's write lock before its frames fail (unacknowledged).
LOCKED_PATIENCE = 300.0
# Write-ahead log size beyond which a checkpoint holds back the receiver's writers until it has finished.
WAL_LIMIT = 64 * 1024 * 1024


class PacketWriter:
    """Owns the database connection of the receiver. Start it, submit frames, stop it."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        max_batch: int = 2000,
        after_batch: Callable[[], None] | None = None,
        power_safe: bool = True,
        slot: int = 0,
        slots: int = 1,
        defer_from: int = DEFER_FROM,
    ) -> None:
        self.loop = loop
        # Worker 0 of ``slots`` workers also repairs what workers numbered ``slots`` and up left unwritten.
        self.recover_beyond = slots if slot == 0 else None
        self.defer_from = defer_from
        self.deferred = Deferred(slot)
        self._checkpoints_stop = threading.Event()
        self.power_safe = power_safe
        # Called on the loop after a batch's callbacks, e.g. to write the replies they queued in one go.
        self.after_batch = after_batch
        self.max_batch = max_batch
        self.cache = DeviceCache()
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="lanqing-writer", daemon=True)
        self.turns = WriteTurns(None)
        self.batches = 0
        self.frames = 0
        # An item taken from the queue while gathering late frames that is not a frame (an offline mark, a
        # call, the stop): handled first in the next round, so that the queue's order is kept.
        self._holdover: Any = None

    def start(self) -> None:
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def submit(self, received: Received, done: Callable[[Outcome | BaseException], None]) -> None:
        """Queue a frame; ``done`` is called on the event loop with its outcome once it is committed (or with
        the exception when it could not be stored). Cheaper than a future per frame at 10,000 frames/s."""
        self._queue.put((received, done))

    def call(self, function: Callable[[], Any]) -> asyncio.Future[Any]:
        """Run ``function`` in the writer thread (between batches) with its database connection."""
        future: asyncio.Future[Any] = self.loop.create_future()
        self._queue.put((function, future))
        return future

    def mark_offline(self, device_id: int) -> None:
        """Record that a device's connection is gone. Queued like frames and written in one transaction for
        all the devices of a batch: when hundreds of devices drop at once (a network blip, the end of a
        load), one commit — one fsync — per device would stall the packets behind them for seconds."""
        self._queue.put((_Offline(device_id, datetime.now(UTC)), None))

    async def stop(self) -> None:
        self._queue.put(_STOP)
        await asyncio.get_running_loop().run_in_executor(None, self._thread.join, 30)
        if self.batches:
            log.info(
                "writer: %d frames stored in %d commits (%.1f per commit)",
                self.frames,
                self.batches,
                self.frames / self.batches,
            )

    def _run(self) -> None:
        try:
            if connection.vendor == "sqlite":
                self._tune_sqlite()
                self.turns = WriteTurns(connection.settings_dict["NAME"])
            recovered = retry_locked(
                lambda: deferred_recover(self.deferred.slot, beyond=self.recover_beyond, turn=self.turns.take),
                what="writer: recovery",
                patience=None,
            )
            if recovered is not None:
                log.warning(
                    "writer: the last run stopped before writing some measurements; %d raw packets decoded "
                    "again (%d measurements)",
                    recovered.decoded,
                    recovered.measurements,
                )
            while True:
                try:
                    first = self._next()
                except queue.Empty:
                    self._flush()  # quiet for a moment: write what waits
                    continue
                if first is _STOP:
                    self._flush()
                    return
                items = [first]
                while len(items) < self.max_batch:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is _STOP:
                        self._holdover = item  # stop after this batch, before anything queued later
                        break
                    items.append(item)
                self._process(items)
                deferred = self.deferred
                if len(deferred.measurements) >= FLUSH_ROWS or deferred.age >= FLUSH_AGE:
                    self._flush()
        except BaseException:
            log.critical("writer: the thread stopped on an unexpected error", exc_info=True)
            raise
        finally:
            self._checkpoints_stop.set()
            self.turns.close()
            connection.close()

    def _tune_sqlite(self) -> None:
        with connection.cursor() as cursor:
            if self.power_safe:
                # The project's SQLite default (WAL, synchronous=NORMAL) survives a killed process but may
                # lose the last commits on power loss. An acknowledged packet must survive both, so this
                # connection syncs every commit; group commit makes that one fsync per batch.
                cursor.execute("PRAGMA synchronous=FULL")
            # Every measurement upsert walks the natural-key index and a foreign-key index; with SQLite's
            # default 2 MB page cache those pages are read from the OS again and again once the tables
            # grow. 64 MB keeps them resident (memory only, no effect on durability).
            cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            # Checkpoints run beside the writer (``_checkpoints``), never inside its commits.
            cursor.execute("PRAGMA wal_autocheckpoint=0")
            # A multi-row upsert keeps a statement journal of the pages it changes, which by default spills
            # to a temporary file past 64 KiB: thousands of writes to /var/tmp per second under load. In
            # memory it is one statement's pages at most (256 rows); the deferred write's SQLite time went
            # from 2.1-2.2 to 1.95-2.0 µs per row (one thread, 30,000 rows).
            cursor.execute("PRAGMA temp_store=MEMORY")
            # When the log starts over, the file left larger by a burst is cut back to this.
            cursor.execute(f"PRAGMA journal_size_limit={WAL_LIMIT}")
        threading.Thread(target=self._checkpoints, name="lanqing-checkpoints", daemon=True).start()

    def _next(self) -> Any:
        if self._holdover is not None:
            item, self._holdover = self._holdover, None
            return item
        return self._queue.get(timeout=self._wait())

    def _late(self, taken: int, callbacks: list) -> list[Received]:
        """Frames queued since the batch was taken, up to ``max_batch`` in all; their callbacks are added to
        ``callbacks``. Stops at the first item that is not a frame, which waits for the next round."""
        frames: list[Received] = []
        dones: list = []
        # (Never past an item already held over: it would be overwritten and lost.)
        while self._holdover is None and taken + len(frames) < self.max_batch:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP or not isinstance(item[0], Received):
                self._holdover = item
                break
            frames.append(item[0])
            dones.append(item[1])
        callbacks.extend(dones)
        return frames

    def _wait(self) -> float | None:
        """How long the queue may stay empty before the deferred measurements are written."""
        if not self.deferred.measurements:
            return None
        return max(0.0, min(FLUSH_IDLE, FLUSH_AGE - self.deferred.age))

    def _flush(self) -> None:
        try:
            with self.turns.take():
                deferred_write(self.deferred)
        except Exception:  # database unreachable: the rows stay queued and the next flush tries again
            log.exception("writer: %d deferred measurements could not be written", len(self.deferred.measurements))
            close_old_connections()

    def _checkpoints(self) -> None:
        """Copy the write-ahead log into the database file, beside the writer rather than inside its commits.
        PASSIVE never waits for the writer or readers; what it cannot copy now it copies next time. Past
        ``WAL_LIMIT`` it copies holding a write turn, so that no receiver commit keeps it from finishing."""
        database = str(connection.settings_dict["NAME"])
        turns = WriteTurns(database)
        try:
            while not self._checkpoints_stop.wait(CHECKPOINT_EVERY):
                try:
                    with connection.cursor() as cursor:
                        wal_checkpoint(cursor, database, turns)
                except Exception:
                    log.warning("writer: checkpoint failed; retrying in %.0f s", CHECKPOINT_EVERY, exc_info=True)
        finally:
            turns.close()
            connection.close()

    def _process(self, items: list) -> None:
        frames = [(work, future) for work, future in items if isinstance(work, Received)]
        offline = [work for work, _ in items if isinstance(work, _Offline)]
        calls = [(work, future) for work, future in items if not isinstance(work, Received | _Offline)]
        if frames:
            callbacks = [done for _, done in frames]
            results: list
            # Once some measurements wait, later ones wait too: written in order, the newest value wins.
            defer = bool(self.deferred.measurements) or len(frames) >= self.defer_from
            batch = [work for work, _ in frames]

            def late() -> list[Received]:
                arrived = self._late(len(batch), callbacks)
                # Kept with the batch: should the commit be refused for the lock, the next try has them too.
                batch.extend(arrived)
                return arrived

            def ingest() -> list[Outcome]:
                return ingest_batch(
                    list(batch),
                    cache=self.cache,
                    deferred=self.deferred if defer else None,
                    turn=self.turns.take,
                    late=late,
                )

            try:
                # Another process writing (an import) makes these frames wait, not fail: their devices
                # would only send them again.
                results = retry_locked(ingest, what="writer", patience=LOCKED_PATIENCE)
            except Exception as exc:  # database down: nothing acknowledged, connections see the error
                log.exception("writer: %d frames could not be stored", len(callbacks))
                close_old_connections()
                results = [exc] * len(callbacks)
            else:
                self.batches += 1
                self.frames += len(callbacks)
            self.loop.call_soon_threadsafe(self._deliver, callbacks, results)
        if offline:
            try:
                with self.turns.take(), transaction.atomic():
                    for gone in offline:
                        # Its next packet, here or on another connection, marks it online again at once.
                        self.cache.seen_reset(gone.device_id)
                        # Not if it was heard from since: it reconnected, maybe to another worker, whose
                        # "online" may already be written.
                        Device.objects.filter(id=gone.device_id).filter(
                            Q(last_seen_at__isnull=True) | Q(last_seen_at__lte=gone.at)
                        ).update(is_online=False)
            except Exception:  # only a status flag; devices_mark_offline corrects it later
                log.exception("writer: marking %d devices offline failed", len(offline))
        if calls:
            self._flush()  # a call may read measurements (gap checks): let it see every stored one
        for function, future in calls:
            try:
                value = function()
            except Exception as exc:
                log.exception("writer: a database call failed")
                self.loop.call_soon_threadsafe(_fail_all, [future], exc)
            else:
                self.loop.call_soon_threadsafe(_resolve_all, [future], [value])

    def _deliver(self, callbacks: list, results: list) -> None:
        for done, result in zip(callbacks, results, strict=True):
            try:
                done(result)
            except Exception:  # one connection's bug must not keep the others' replies back
                log.exception("writer: a delivery callback failed")
        if self.after_batch is not None:
            self.after_batch()


def wal_checkpoint(cursor, database: str, turns: WriteTurns, *, limit: int = WAL_LIMIT) -> None:
    """One passive checkpoint of ``database``; holding a write turn when its log is larger than ``limit``."""
    try:
        size = os.path.getsize(f"{database}-wal")
    except OSError:  # no log yet, or an in-memory database
        size = 0
    with turns.take() if size > limit else nullcontext():
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")


@dataclass(frozen=True, slots=True)
class _Offline:
    device_id: int
    at: datetime


def _resolve_all(futures: list[asyncio.Future], values: list) -> None:
    for future, value in zip(futures, values, strict=True):
        if not future.done():
            future.set_result(value)


def _fail_all(futures: list[asyncio.Future], exc: BaseException) -> None:
    for future in futures:
        if not future.done():
            future.set_exception(exc)
