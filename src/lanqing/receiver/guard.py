"""Budgets that keep a hostile peer from guessing passwords or filling the raw-packet table.

Pure bookkeeping (the caller passes the monotonic time), no sockets: the server asks before it hands a
frame to the writer and reports each outcome back.

* :class:`PasswordGuard` — a frame whose MN and password have not been accepted before (an unverified
  try) spends a token of its address and one of its MN. With the tokens gone, further unverified tries
  wait until a token is back: a guesser at 2,500 tries a second from one address gets one every
  ``address_every`` seconds, and a distributed guess at one MN one every ``mn_every`` seconds. A pair
  that was accepted once never waits, so the device that knows its password keeps being served while
  someone else guesses at its MN, from any address, its own NAT gateway's included. An accepted try gives
  its tokens back, so the budget bounds the tries in flight and the failures, not the devices behind one
  address: a gateway's hundreds of devices reconnecting after an outage pass in rounds of a burst each.
* :class:`Buckets` — the token buckets themselves, also the per-address budget of stored rejected frames.
* :class:`SharedBudgets` — with ``lanqing receiver --workers N``, the guessing buckets and the pairs accepted
  once live in a small SQLite file that every worker opens (the supervisor makes it), so N workers give a
  guesser the budget of one receiver, not N times it, and a pair accepted by one worker never waits at
  another. Why a file of its own rather than a table in the database or the supervisor keeping the counts:
  it works alike on SQLite and PostgreSQL, a try never queues behind the database's write lock (a long
  import holds SQLite's for minutes) nor needs a migration, and a budget look is a local read of
  microseconds on the event loop, where asking the supervisor would need a request and reply per try. SQLite's
  own file locks serialise the workers, and the kernel releases them when a worker dies.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

# Keys remembered per table (addresses, MNs, accepted pairs): chosen by whoever connects, so bounded.
MAX_KEYS = 100_000


class Buckets:
    """One token bucket per key: ``burst`` tokens, one more every ``every`` seconds."""

    __slots__ = ("burst", "every", "_state")

    def __init__(self, *, burst: float, every: float) -> None:
        self.burst = float(burst)
        self.every = every
        self._state: dict[str, tuple[float, float]] = {}  # key → (tokens, when counted)

    def tokens(self, key: str, now: float) -> float:
        tokens, at = self._state.get(key, (self.burst, now))
        if self.every <= 0:
            return self.burst
        return min(self.burst, tokens + (now - at) / self.every)

    def take(self, key: str, now: float) -> bool:
        """Spend a token if there is one."""
        tokens = self.tokens(key, now)
        if tokens < 1.0:
            return False
        self._set(key, tokens - 1.0, now)
        return True

    def wait(self, key: str, now: float) -> float:
        """Seconds until ``key`` has a token (0 when it has one now)."""
        tokens = self.tokens(key, now)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) * self.every

    def give(self, key: str, now: float) -> None:
        """Give back a token spent on something that turned out to be legitimate."""
        if key in self._state:
            self._set(key, min(self.burst, self.tokens(key, now) + 1.0), now)

    def prune(self, now: float) -> None:
        """Forget keys whose bucket is full again (they behave like keys never seen)."""
        self._state = {key: value for key, value in self._state.items() if self.tokens(key, now) < self.burst}

    def __len__(self) -> int:
        return len(self._state)

    def _set(self, key: str, tokens: float, now: float) -> None:
        if key not in self._state and len(self._state) >= MAX_KEYS:
            self.prune(now)
            if len(self._state) >= MAX_KEYS:
                self._state.clear()  # under a flood of distinct keys: start over rather than grow
        self._state[key] = (tokens, now)


class SharedBudgets:
    """The file the workers of one receiver share their guessing budgets through.

    Times are ``time.monotonic()``, which on Linux is one clock for every process of the machine.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        # Waits out another worker's transaction (microseconds); never the database's locks.
        self.db = sqlite3.connect(self.path, timeout=5.0, isolation_level=None, check_same_thread=False)
        # WAL: a worker killed mid-write leaves the file whole. Not synced: the file lives as long as the run.
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("CREATE TABLE IF NOT EXISTS bucket (name TEXT, key TEXT, tokens REAL, at REAL, "
                        "PRIMARY KEY (name, key)) WITHOUT ROWID")
        self.db.execute("CREATE TABLE IF NOT EXISTS good (pair TEXT PRIMARY KEY) WITHOUT ROWID")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One worker at a time from here to the end of the block (nested blocks join the outer one)."""
        if self.db.in_transaction:
            yield
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    @staticmethod
    def _pair(mn: str, pw: str) -> str:
        # Hashed: the file holds no password as sent.
        return hashlib.sha256(f"{mn}\0{pw}".encode()).hexdigest()

    def good(self, mn: str, pw: str) -> bool:
        return self.db.execute("SELECT 1 FROM good WHERE pair = ?", (self._pair(mn, pw),)).fetchone() is not None

    def good_add(self, mn: str, pw: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO good VALUES (?)", (self._pair(mn, pw),))

    def good_discard(self, mn: str, pw: str) -> None:
        self.db.execute("DELETE FROM good WHERE pair = ?", (self._pair(mn, pw),))

    def close(self) -> None:
        self.db.close()


class SharedBuckets(Buckets):
    """:class:`Buckets` whose state is in a :class:`SharedBudgets` file, under ``name``."""

    __slots__ = ("shared", "name")

    def __init__(self, shared: SharedBudgets, name: str, *, burst: float, every: float) -> None:
        super().__init__(burst=burst, every=every)
        self.shared = shared
        self.name = name

    def _stored(self, key: str) -> tuple[float, float] | None:
        return self.shared.db.execute(
            "SELECT tokens, at FROM bucket WHERE name = ? AND key = ?", (self.name, key)
        ).fetchone()

    def tokens(self, key: str, now: float) -> float:
        tokens, at = self._stored(key) or (self.burst, now)
        if self.every <= 0:
            return self.burst
        return min(self.burst, tokens + (now - at) / self.every)

    def take(self, key: str, now: float) -> bool:
        with self.shared.transaction():
            return super().take(key, now)

    def give(self, key: str, now: float) -> None:
        with self.shared.transaction():
            if self._stored(key) is not None:
                self._set(key, min(self.burst, self.tokens(key, now) + 1.0), now)

    def prune(self, now: float) -> None:
        with self.shared.transaction():
            if self.every > 0:
                self.shared.db.execute(
                    "DELETE FROM bucket WHERE name = ? AND tokens + (? - at) / ? >= ?",
                    (self.name, now, self.every, self.burst),
                )
            if len(self) >= MAX_KEYS:
                # Under a flood of distinct keys: start over rather than grow.
                self.shared.db.execute("DELETE FROM bucket WHERE name = ?", (self.name,))

    def __len__(self) -> int:
        return self.shared.db.execute("SELECT count(*) FROM bucket WHERE name = ?", (self.name,)).fetchone()[0]

    def _set(self, key: str, tokens: float, now: float) -> None:
        self.shared.db.execute(
            "INSERT OR REPLACE INTO bucket (name, key, tokens, at) VALUES (?, ?, ?, ?)", (self.name, key, tokens, now)
        )


@dataclass(frozen=True, kw_only=True)
class GuessLimits:
    # Unverified tries (an MN and password never accepted) one address may make at once, then one per
    # ``address_every`` seconds. A NAT gateway's devices reconnecting after an outage are each one try.
    address_burst: int = 20
    address_every: float = 6.0
    # The same per MN, across all addresses: slows a guess spread over many addresses.
    mn_burst: int = 10
    mn_every: float = 3.0


class PasswordGuard:
    """The guessing budgets of one receiver: its own, or with ``shared`` those of every worker of it."""

    def __init__(self, limits: GuessLimits | None = None, *, shared: SharedBudgets | None = None) -> None:
        self.limits = limits = limits or GuessLimits()
        self.shared = shared
        self.by_address: Buckets
        self.by_mn: Buckets
        if shared is None:
            self.by_address = Buckets(burst=limits.address_burst, every=limits.address_every)
            self.by_mn = Buckets(burst=limits.mn_burst, every=limits.mn_every)
        else:
            self.by_address = SharedBuckets(shared, "address", burst=limits.address_burst, every=limits.address_every)
            self.by_mn = SharedBuckets(shared, "mn", burst=limits.mn_burst, every=limits.mn_every)
        # Pairs accepted once; with ``shared`` this worker's copy of those it has met (the file has them all).
        self._good: set[tuple[str, str]] = set()
        # Pairs tried and not yet judged → frames of theirs in flight. A device that pipelines ten packets
        # on connecting makes one try, not ten: the same guess repeated tells a guesser nothing new.
        self._trying: dict[tuple[str, str], int] = {}
        self.failures = 0

    def known(self, mn: str, pw: str) -> bool:
        return (mn, pw) in self._good

    def wait(self, address: str, mn: str, pw: str, now: float) -> float:
        """0 when the try may go ahead now (its tokens are spent), else the seconds to wait first."""
        pair = (mn, pw)
        if pair in self._good:
            return 0.0
        if pair in self._trying:
            self._trying[pair] += 1
            return 0.0
        with self.shared.transaction() if self.shared is not None else contextlib.nullcontext():
            if self.shared is not None and self.shared.good(mn, pw):
                self._good_add(pair)  # accepted by another worker
                return 0.0
            delay = max(self.by_address.wait(address, now), self.by_mn.wait(mn, now))
            if delay > 0:
                return delay
            self.by_address.take(address, now)
            self.by_mn.take(mn, now)
        if len(self._trying) >= MAX_KEYS:
            self._trying.clear()
        self._trying[pair] = 1
        return 0.0

    def judged(self, mn: str, pw: str) -> None:
        """A frame of this pair has its outcome (whatever it was): one fewer in flight."""
        pair = (mn, pw)
        left = self._trying.get(pair, 0) - 1
        if left > 0:
            self._trying[pair] = left
        else:
            self._trying.pop(pair, None)

    def _good_add(self, pair: tuple[str, str]) -> None:
        if len(self._good) >= MAX_KEYS:
            self._good.clear()
        self._good.add(pair)

    def accepted(self, address: str, mn: str, pw: str, now: float) -> None:
        if (mn, pw) not in self._good:
            self._good_add((mn, pw))
            # The try was the device's own: it costs neither its address nor its MN anything.
            with self.shared.transaction() if self.shared is not None else contextlib.nullcontext():
                if self.shared is not None:
                    self.shared.good_add(mn, pw)
                self.by_address.give(address, now)
                self.by_mn.give(mn, now)

    def refused(self, mn: str, pw: str) -> None:
        """A try was refused (unknown MN or wrong password); a pair accepted before no longer is good (the
        registry's password changed)."""
        self.failures += 1
        if self.shared is not None:
            self.shared.good_discard(mn, pw)  # tries that get this far are within the budget: few
        self._good.discard((mn, pw))

    def prune(self, now: float) -> None:
        self.by_address.prune(now)
        self.by_mn.prune(now)


__all__ = ["Buckets", "GuessLimits", "PasswordGuard", "SharedBuckets", "SharedBudgets"]
