"""Group commit: one thread takes every waiting frame, commits them in one transaction, then answers.

Replies (9014 …) are owed only for durable packets, and a commit per packet would cap SQLite at a few
hundred packets per second. So the asyncio side hands frames to this thread and awaits a future; the
thread drains the queue (up to ``max_batch``), calls ``ingest_batch`` once, and resolves all the futures
with one ``call_soon_threadsafe``. Under load batches grow by themselves; when idle a frame waits for no
one. The thread owns its Django database connection (the ORM is not async-safe).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import close_old_connections, connection

from lanqing.monitoring.ingest import DeviceCache, Outcome, Received, ingest_batch
from lanqing.monitoring.models import Device

log = logging.getLogger(__name__)

_STOP = object()
# SQLite page cache of the writer's connection, in KiB.
CACHE_KIB = 64 * 1024


class PacketWriter:
    """Owns the database connection of the receiver. Start it, submit frames, stop it."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        max_batch: int = 2000,
        after_batch: Callable[[], None] | None = None,
        power_safe: bool = True,
    ) -> None:
        self.loop = loop
        self.power_safe = power_safe
        # Called on the loop after a batch's callbacks, e.g. to write the replies they queued in one go.
        self.after_batch = after_batch
        self.max_batch = max_batch
        self.cache = DeviceCache()
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="lanqing-writer", daemon=True)
        self.batches = 0
        self.frames = 0

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
        """Record that a device's connection is gone. Queued like frames and written as one UPDATE for all
        the devices of a batch: when hundreds of devices drop at once (a network blip, the end of a load),
        one commit — one fsync — per device would stall the packets behind them for seconds."""
        self._queue.put((_Offline(device_id), None))

    async def stop(self) -> None:
        self._queue.put(_STOP)
        await asyncio.get_running_loop().run_in_executor(None, self._thread.join, 30)

    def _run(self) -> None:
        try:
            if connection.vendor == "sqlite" and self.power_safe:
                # The project's SQLite default (WAL, synchronous=NORMAL) survives a killed process but may
                # lose the last commits on power loss. An acknowledged packet must survive both, so this
                # connection syncs every commit; group commit makes that one fsync per batch.
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA synchronous=FULL")
            if connection.vendor == "sqlite":
                # Every measurement upsert walks the natural-key index and two foreign-key indexes; with
                # SQLite's default 2 MB page cache those pages are read from the OS again and again once
                # the tables grow. 64 MB keeps them resident (memory only, no effect on durability).
                with connection.cursor() as cursor:
                    cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            while True:
                first = self._queue.get()
                if first is _STOP:
                    return
                items = [first]
                while len(items) < self.max_batch:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is _STOP:
                        self._queue.put(_STOP)
                        break
                    items.append(item)
                self._process(items)
        except BaseException:
            log.critical("writer: the thread stopped on an unexpected error", exc_info=True)
            raise
        finally:
            connection.close()

    def _process(self, items: list) -> None:
        frames = [(work, future) for work, future in items if isinstance(work, Received)]
        offline = [work.device_id for work, _ in items if isinstance(work, _Offline)]
        calls = [(work, future) for work, future in items if not isinstance(work, Received | _Offline)]
        if frames:
            callbacks = [done for _, done in frames]
            results: list
            try:
                results = ingest_batch([work for work, _ in frames], cache=self.cache)
            except Exception as exc:  # database down: nothing acknowledged, connections see the error
                log.exception("writer: %d frames could not be stored", len(frames))
                close_old_connections()
                results = [exc] * len(frames)
            else:
                self.batches += 1
                self.frames += len(frames)
            self.loop.call_soon_threadsafe(self._deliver, callbacks, results)
        if offline:
            try:
                Device.objects.filter(id__in=offline).update(is_online=False)
            except Exception:  # only a status flag; devices_mark_offline corrects it later
                log.exception("writer: marking %d devices offline failed", len(offline))
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


@dataclass(frozen=True, slots=True)
class _Offline:
    device_id: int


def _resolve_all(futures: list[asyncio.Future], values: list) -> None:
    for future, value in zip(futures, values, strict=True):
        if not future.done():
            future.set_result(value)


def _fail_all(futures: list[asyncio.Future], exc: BaseException) -> None:
    for future in futures:
        if not future.done():
            future.set_exception(exc)
