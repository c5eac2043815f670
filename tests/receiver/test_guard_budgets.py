"""The budgets behind the receiver's guarding, without sockets: token buckets, the password guard and the
summary of repeated log lines."""

from __future__ import annotations

import logging

from lanqing.receiver.guard import Buckets, GuessLimits, PasswordGuard
from lanqing.receiver.lograte import LogBudget


def test_a_bucket_gives_its_burst_then_one_token_per_interval():
    buckets = Buckets(burst=3, every=10.0)
    assert [buckets.take("a", 0.0) for _ in range(4)] == [True, True, True, False]
    assert buckets.wait("a", 0.0) == 10.0
    assert buckets.wait("b", 0.0) == 0.0
    assert not buckets.take("a", 9.0)
    assert buckets.take("a", 10.0)
    buckets.give("a", 10.0)
    assert buckets.take("a", 10.0)


def test_full_buckets_are_forgotten_when_pruned():
    buckets = Buckets(burst=2, every=1.0)
    buckets.take("a", 0.0)
    buckets.take("b", 0.0)
    buckets.take("b", 5.0)
    buckets.prune(5.5)
    assert len(buckets) == 1
    assert buckets.tokens("b", 5.5) == 1.5


def test_a_guesser_waits_and_the_accepted_password_never_does():
    guard = PasswordGuard(GuessLimits(address_burst=2, address_every=60.0, mn_burst=100, mn_every=1.0))
    # The device behind the gateway: its first try costs nothing once accepted.
    assert guard.wait("10.0.0.9", "MN1", "123456", 0.0) == 0.0
    guard.judged("MN1", "123456")
    guard.accepted("10.0.0.9", "MN1", "123456", 0.0)
    assert guard.wait("10.0.0.9", "MN1", "111111", 0.0) == 0.0
    assert guard.wait("10.0.0.9", "MN1", "111112", 0.0) == 0.0
    assert guard.wait("10.0.0.9", "MN1", "111113", 0.0) == 60.0
    # The same guess pipelined while its first frame is being judged is one try, not several.
    assert guard.wait("10.0.0.9", "MN1", "111112", 0.0) == 0.0
    guard.judged("MN1", "111112")
    guard.judged("MN1", "111112")
    guard.refused("MN1", "111112")
    assert guard.wait("10.0.0.9", "MN1", "111112", 0.0) == 60.0
    assert guard.wait("10.0.0.9", "MN1", "123456", 0.0) == 0.0
    # A password that the registry changed is tried like any other again.
    guard.refused("MN1", "123456")
    assert guard.wait("10.0.0.9", "MN1", "123456", 0.0) == 60.0


def test_guesses_at_one_mn_from_many_addresses_wait_for_the_mns_budget():
    guard = PasswordGuard(GuessLimits(address_burst=100, address_every=1.0, mn_burst=3, mn_every=30.0))
    waits = [guard.wait(f"10.0.{n}.1", "MN1", f"{n:06d}", 0.0) for n in range(4)]
    assert waits == [0.0, 0.0, 0.0, 30.0]
    assert guard.wait("10.0.9.1", "MN2", "000000", 0.0) == 0.0


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_repeated_log_lines_become_one_summary_line_per_interval():
    budget = LogBudget(interval=10.0, per_interval=2, loggers=("lanqing.test.flood",))
    flood = logging.getLogger("lanqing.test.flood")
    summary = logging.getLogger("lanqing.receiver")
    lines = _Lines()
    for logger in (flood, summary):
        logger.addHandler(lines)
    flood.setLevel(logging.INFO)
    budget.install()
    try:
        for n in range(1000):
            flood.warning("%s: connection refused", f"10.0.0.{n % 250}")
        flood.warning("another kind of line")
        budget.report(force=True)
    finally:
        budget.uninstall()
        for logger in (flood, summary):
            logger.removeHandler(lines)
    assert lines.lines == [
        "10.0.0.0: connection refused",
        "10.0.0.1: connection refused",
        "another kind of line",
        "998 more log lines like this one were not written: 10.0.0.2: connection refused",
    ]


def test_two_guards_on_one_shared_file_spend_one_budget_and_share_accepted_pairs(tmp_path):
    from lanqing.receiver.guard import SharedBudgets

    limits = GuessLimits(address_burst=3, address_every=60.0, mn_burst=100, mn_every=1.0)
    path = tmp_path / "budgets.sqlite3"
    first = PasswordGuard(limits, shared=SharedBudgets(path))
    second = PasswordGuard(limits, shared=SharedBudgets(path))  # another worker's connection to the file
    tries = [guard.wait("10.0.0.2", "MN1", f"{n:06d}", 0.0) for n, guard in enumerate([first, second] * 3)]
    assert tries[:3] == [0.0, 0.0, 0.0]
    assert all(delay > 0 for delay in tries[3:])
    # A pair accepted by one worker never waits at the other, though the address has no budget left.
    assert first.wait("10.0.0.3", "MN2", "secret", 0.0) == 0.0
    first.judged("MN2", "secret")
    first.accepted("10.0.0.3", "MN2", "secret", 0.0)
    for _ in range(3):
        second.wait("10.0.0.3", "MN3", "guess", 0.0)
        second.judged("MN3", "guess")
    assert second.wait("10.0.0.3", "MN2", "secret", 0.0) == 0.0
    # Refused at either worker (the registry's password changed), the pair is no longer good at the other.
    second.refused("MN2", "secret")
    third = PasswordGuard(limits, shared=SharedBudgets(path))
    assert third.wait("10.0.0.3", "MN2", "secret", 0.0) > 0
    first.prune(1000.0)
    assert len(first.by_address) == 0
