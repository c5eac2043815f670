"""End-to-end durable throughput of ``lanqing receiver`` and its idle memory per connection (issue 4, item 9).

Figures, all from the same run:
* **floor** — a minimal asyncio server that appends whatever it reads to a file and answers a fixed reply
  per CR LF: the cost of the sockets and of Python's event loop, nothing else;
* **SQLite** and **PostgreSQL** — ``lanqing receiver`` as a separate process on a fresh database; 200
  simulated devices sending minute-data packets and counting the 9014 replies, which the receiver sends
  only after the packets are committed;
* **SQLite, 2 workers** — the same with ``lanqing receiver --workers 2``: two receiver processes on one
  port, two writers taking turns on the database's write lock (``receiver/turns.py``);
* **PostgreSQL, 2 workers** — likewise; the production set-up of the README;
* **idle memory** — growth of the receiver's resident memory with 10,000 open idle connections;
* **write-ahead log** — the largest size SQLite's log reached during a SQLite run (bounded by the
  receiver's checkpoints, ``receiver/writer.py``).

The floor and the receivers are measured under two loads, with the same load generator:
* **standard flow** — each device sends its next packet only when the 9014 of the last one has arrived,
  as HJ 212's upload flow has a device do (it waits for the reply, resending after the timeout of table 1).
  This is how real devices load the receiver, and the headline figure;
* **pipelined** — each device keeps 16 packets in flight (a logger emptying its backlog without waiting,
  which the standard does not describe). The floor then answers 16 frames per read and write, so it runs
  about ten times faster than under the standard flow, while a durable receiver cannot.
Goals (issue 4): ≥ 10,000 packets/s on SQLite and ≥ 30 % of the floor; < 20 kB per idle connection.
The floor and SQLite figures are measured in ``ROUNDS`` rounds, each floor right before the receivers it
is compared with; ratios are medians of the rounds (the share of the floor also with its range).
The load generator runs in its own process so it does not share the receiver's interpreter lock.

Run: ``python benchmarks/bench_receiver.py`` (``--quick`` for a smoke run). Ratios printed; no assertions.
PostgreSQL: ``LANQING_BENCH_POSTGRES=postgresql://postgres@127.0.0.1:5432/postgres`` (default); the
benchmark creates and drops a database ``lanqing_bench`` there, and skips PostgreSQL when it cannot connect.
"""

from __future__ import annotations

import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEVICES = 200
# Packets each device keeps in flight: (label, window). 1 is the standard's upload flow.
LOADS = (("standard flow, 1 in flight", 1), ("pipelined, 16 in flight", 16))
# Rounds of floor and SQLite figures per load (see _one_load).
ROUNDS = 3
GOAL_SQLITE = 10_000
GOAL_FLOOR_SHARE = 0.30
GOAL_IDLE_BYTES = 20_000
FIXED_REPLY = (
    b"##0087QN=20160801085857223;ST=91;CN=9014;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&&&3240\r\n"
)

SETUP = """
from lanqing.monitoring.factors import factors_ensure
from lanqing.monitoring.models import Device, Point, Site
from lanqing.org.models import Jurisdiction
factors_ensure()
county = Jurisdiction.objects.create(code="141025000000", name="古县", level="county")
devices = []
for n in range({count}):
    site = Site.objects.create(kind="outlet" if n % 2 else "air", code=f"S{{n:04d}}", name=f"S{{n}}",
                               jurisdiction=county)
    point = Point.objects.create(site=site, code="1", name="1#")
    device = Device(mn=f"BENCH{{n:019d}}", point=point)
    device.set_password("123456")
    devices.append(device)
Device.objects.bulk_create(devices)
"""


def _mn(n: int) -> str:
    return f"BENCH{n:019d}"


def _raise_nofile(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(wanted, hard) if hard != resource.RLIM_INFINITY else wanted
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


# --- the servers under test -------------------------------------------------------------------------


def _env(data_dir: Path, url: str) -> dict:
    return {
        **os.environ,
        "LANQING_DATA_DIR": str(data_dir),
        "LANQING_DATABASE_URL": url,
        "PYTHONPATH": str(ROOT / "src"),
        "PYTHONUNBUFFERED": "1",
    }


def _lanqing(env: dict, *argv: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lanqing", *argv], env=env, check=True, capture_output=True, **options
    )


def _prepare(env: dict, devices: int) -> None:
    _lanqing(env, "manage", "migrate", "-v0")
    _lanqing(env, "manage", "shell", "-c", SETUP.format(count=devices))


def _start_receiver(env: dict, *extra: str, stderr=subprocess.DEVNULL) -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lanqing",
            "receiver",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-host-commands",
            *extra,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if "listening on" not in line:
        process.kill()
        raise RuntimeError(f"the receiver did not start: {line!r}")
    return process, int(line.rsplit(":", 1)[1])


def _floor_main(path: str) -> None:
    """Append raw bytes to a file and answer a fixed reply per CR LF; nothing is parsed or stored."""

    async def serve() -> None:
        sink = open(path, "ab", buffering=1 << 20)  # not a with-block: it lives as long as the server

        class Floor(asyncio.Protocol):
            def connection_made(self, transport) -> None:
                self.transport = transport

            def data_received(self, data: bytes) -> None:
                sink.write(data)
                count = data.count(b"\r\n")
                if count:
                    self.transport.write(FIXED_REPLY * count)

        server = await asyncio.get_running_loop().create_server(Floor, "127.0.0.1", 0, backlog=4096)
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Event().wait()

    asyncio.run(serve())


# --- the load: 200 devices, a window of packets in flight each --------------------------------------


def _frames(device: int, count: int) -> list[bytes]:
    from lanqing.hj212 import Peer, build_data

    peer = Peer(_mn(device), "123456", "31" if device % 2 else "22")
    start = datetime(2026, 1, 1) + timedelta(days=device % 7)  # noqa: DTZ001 - HJ 212 DataTime, naive Beijing time as devices send it
    codes = (
        ("a21026", "a21002", "a34013", "a19001", "a01012", "a00000")
        if device % 2
        else ("a34004", "a34002", "a21026", "a21004", "a21005", "a05024")
    )
    return [
        build_data(
            peer,
            "2051",
            start + timedelta(minutes=i),
            {
                code: {"Min": 1.0 + k, "Avg": 2.0 + k + i % 10, "Max": 3.0 + k, "Flag": "N"}
                for k, code in enumerate(codes)
            },
            qn=f"{20260101000000000 + i}",
        )
        for i in range(count)
    ]


async def _device(port: int, frames: list[bytes], window: int, start: asyncio.Event, done: list) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await start.wait()
    sent = min(window, len(frames))
    writer.write(b"".join(frames[:sent]))
    acked = 0
    while acked < len(frames):
        data = await reader.read(65536)
        if not data:
            break
        got = data.count(b"\r\n")
        acked += got
        if sent < len(frames) and got:
            more = frames[sent : sent + got]
            sent += len(more)
            writer.write(b"".join(more))
    done.append((acked, time.perf_counter()))
    writer.close()


def _load_main(port: int, devices: int, per_device: int, window: int) -> None:
    _raise_nofile(devices + 100)

    async def run() -> None:
        frames = [_frames(n, per_device) for n in range(devices)]
        start = asyncio.Event()
        done: list = []
        tasks = [asyncio.ensure_future(_device(port, frames[n], window, start, done)) for n in range(devices)]
        await asyncio.sleep(0.5)  # every connection is open before the clock starts
        began = time.perf_counter()
        start.set()
        await asyncio.gather(*tasks)
        print(sum(a for a, _ in done), max(t for _, t in done) - began, flush=True)

    asyncio.run(run())


def _child(*argv: str) -> subprocess.Popen:
    """This file run as a helper process (load generator, floor server, idle connections)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen(
        [sys.executable, __file__, *argv], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )


def _load(port: int, *, devices: int, per_device: int, window: int = 1) -> float:
    process = _child("--load", str(port), str(devices), str(per_device), str(window))
    out, _ = process.communicate(timeout=600)
    acked_text, elapsed_text = out.split()
    acked, elapsed = int(acked_text), float(elapsed_text)
    expected = devices * per_device
    if acked != expected:
        print(f"  warning: {acked} of {expected} packets acknowledged")
    return acked / elapsed


# --- idle memory ------------------------------------------------------------------------------------


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _idle_main(port: int, count: int) -> None:
    import socket

    _raise_nofile(count + 100)
    sockets = []
    for _ in range(count):
        sockets.append(socket.create_connection(("127.0.0.1", port)))
    print(len(sockets), flush=True)
    sys.stdin.readline()  # held open until the parent has measured
    for sock in sockets:
        sock.close()


def _idle_memory(env: dict, count: int) -> tuple[float, int]:
    # Idle connections from one address that never send: past the receiver's defaults for strangers, so
    # those are lifted here to measure what an idle connection costs.
    receiver, port = _start_receiver(
        env,
        "--max-connections",
        str(count + 100),
        "--max-per-address",
        str(count + 100),
        "--max-new-per-address",
        str(count + 100),
        "--first-frame-timeout",
        "3600",
    )
    try:
        # One device connects and sends first, so the writer thread and its caches exist before measuring.
        _load(port, devices=1, per_device=5)
        time.sleep(0.5)
        before = _rss(receiver.pid)
        helper = _child("--idle", str(port), str(count))
        assert helper.stdout is not None
        assert helper.stdin is not None
        made = int(helper.stdout.readline())
        time.sleep(2.0)
        after = _rss(receiver.pid)
        helper.stdin.write("\n")
        helper.stdin.flush()
        helper.wait(60)
        return (after - before) / max(made, 1), made
    finally:
        receiver.terminate()
        receiver.wait(30)


# --- PostgreSQL -------------------------------------------------------------------------------------


def _postgres_url() -> str | None:
    admin = os.environ.get("LANQING_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        import psycopg

        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute("DROP DATABASE IF EXISTS lanqing_bench")
            conn.execute("CREATE DATABASE lanqing_bench")
    except Exception as exc:  # noqa: BLE001 - no server: skip that figure
        print(f"  PostgreSQL skipped: {exc}")
        return None
    return admin.rsplit("/", 1)[0] + "/lanqing_bench"


def _drop_postgres() -> None:
    admin = os.environ.get("LANQING_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        import psycopg

        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute("DROP DATABASE IF EXISTS lanqing_bench WITH (FORCE)")
    except Exception:  # noqa: BLE001
        pass


# --- main -------------------------------------------------------------------------------------------


def _durable(env: dict, label: str, per_device: int, window: int, *extra: str) -> float:
    _prepare(env, DEVICES)
    name = "-".join(label.replace(",", "").split()) + f"-w{window}"
    log = Path(env["LANQING_DATA_DIR"]) / f"receiver-{name}.log"
    url = env["LANQING_DATABASE_URL"]
    wal = Path(url.removeprefix("sqlite:///") + "-wal") if url.startswith("sqlite:///") else None
    with log.open("w") as stderr, _LargestFile(wal) as largest:
        receiver, port = _start_receiver(env, *extra, stderr=stderr)
        try:
            _load(port, devices=DEVICES, per_device=2, window=window)  # warm-up: connections, caches
            before = _tree_cpu(receiver.pid)
            rate = _load(port, devices=DEVICES, per_device=per_device, window=window)
            after = _tree_cpu(receiver.pid)
        finally:
            receiver.terminate()
            receiver.wait(30)
    cpu = ""
    if before is not None and after is not None:
        cpu = f", receiver CPU {1e6 * (after - before) / (DEVICES * per_device):,.0f} µs/packet"
    print(f"  {label:<30} {rate:>10,.0f} packets/s  ({DEVICES} devices × {per_device} packets{cpu})")
    if wal is not None:
        # Bounded by the receiver's checkpoints (receiver/writer.py WAL_LIMIT), however long the flood lasts.
        print(f"  {'':<30} write-ahead log at most {largest.size / 2**20:,.0f} MB")
    # A figure reached by failing batches is no figure: say so (several writers contend for SQLite's lock).
    errors = [line for line in log.read_text().splitlines() if " ERROR " in line or " CRITICAL " in line]
    locked = sum("database is locked" in line for line in errors)
    if errors:
        print(f"  warning: {len(errors)} errors logged by the receiver ({locked} 'database is locked')")
    return rate


def _tree_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) used so far by a process and its descendants (the supervisor's workers),
    from /proc; None where there is no /proc. Printed beside each rate as a second figure for comparing
    changes: packets per second also depend on the load generator and on the waits of the closed loop."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    parents: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry.name))
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += times.get(current, 0.0)
        todo.extend(parents.get(current, []))
    return total


class _LargestFile:
    """Samples a file's size in a thread while the block runs; ``size`` is the largest seen."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.size = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> _LargestFile:
        if self.path is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self.path is not None:
            self._thread.join()

    def _watch(self) -> None:
        assert self.path is not None
        while not self._stop.wait(0.1):
            try:
                self.size = max(self.size, self.path.stat().st_size)
            except FileNotFoundError:
                pass


def _floor(data: Path, per_device: int, window: int) -> float:
    floor = _child("--floor", str(data / f"floor-{window}.bin"))
    try:
        assert floor.stdout is not None
        rate = _load(int(floor.stdout.readline()), devices=DEVICES, per_device=per_device, window=window)
    finally:
        floor.kill()
        floor.wait(10)
    print(f"  {'floor (append + fixed reply)':<30} {rate:>10,.0f} packets/s")
    return rate


def _one_load(data: Path, label: str, window: int, per_device: int, rounds: int) -> dict[str, list[float]]:
    """Rates of every figure; the floor and SQLite figures ``rounds`` times, taking turns.

    Why rounds: on this machine kind consecutive runs of the same figure differ by up to a third (the
    floor measured 21,400 and 28,900 packets/s within ten minutes), so one floor beside one receiver run
    gives a share that moves by as much. Each round measures the floor right before the receivers it is
    compared with; the share is reported as the median of the rounds with their range.
    """
    print(f"{label}:")
    rates: dict[str, list[float]] = {"floor": [], "sqlite": [], "sqlite2": []}
    for round_number in range(rounds):
        if rounds > 1:
            print(f"  round {round_number + 1} of {rounds}")
        rates["floor"].append(_floor(data, per_device, window))
        rates["sqlite"].append(
            _durable(
                _env(data, f"sqlite:///{data / f'bench-{window}-{round_number}.sqlite3'}"),
                "SQLite, durable",
                per_device,
                window,
            )
        )
        # A fresh database file, so both SQLite figures start from the same empty tables.
        rates["sqlite2"].append(
            _durable(
                _env(data, f"sqlite:///{data / f'bench-workers-{window}-{round_number}.sqlite3'}"),
                "SQLite, durable, 2 workers",
                per_device,
                window,
                "--workers",
                "2",
            )
        )
    # PostgreSQL needs no turns: its workers' transactions run side by side (the production set-up).
    for key, label, extra in (
        ("postgres", "PostgreSQL, durable", ()),
        ("postgres2", "PostgreSQL, durable, 2 workers", ("--workers", "2")),
    ):
        pg_url = _postgres_url()  # a fresh database for each figure
        if not pg_url:
            break
        try:
            rates[key] = [_durable(_env(data, pg_url), label, per_device, window, *extra)]
        finally:
            _drop_postgres()
    return rates


def _ratios(label: str, runs: dict[str, list[float]]) -> None:
    rates = {key: statistics.median(values) for key, values in runs.items()}
    floor = rates["floor"]
    # The share of each round: its better SQLite figure against the floor measured just before it.
    rounds = zip(runs["floor"], runs["sqlite"], runs["sqlite2"], strict=True)
    shares = [max(one, two) / base for base, one, two in rounds]
    print(f"{label}:")
    if len(shares) > 1:
        print(f"  (medians of {len(shares)} rounds)")
    print(f"  SQLite / goal {GOAL_SQLITE:,}/s:          {rates['sqlite'] / GOAL_SQLITE:6.2f}")
    print(f"  SQLite 2 workers / goal:         {rates['sqlite2'] / GOAL_SQLITE:6.2f}")
    print(f"  SQLite 2 workers / 1 worker:     {rates['sqlite2'] / rates['sqlite']:6.2f}")
    share_range = f"  (rounds {min(shares):.2f}–{max(shares):.2f})" if len(shares) > 1 else ""
    print(f"  SQLite (best) / floor (goal ≥ {GOAL_FLOOR_SHARE:.2f}): {statistics.median(shares):6.2f}{share_range}")
    if "postgres" in rates:
        print(f"  PostgreSQL / floor:              {rates['postgres'] / floor:6.2f}")
        print(f"  PostgreSQL / SQLite:             {rates['postgres'] / rates['sqlite']:6.2f}")
    if "postgres2" in rates:
        print(f"  PostgreSQL 2 workers / floor:    {rates['postgres2'] / floor:6.2f}")
        print(f"  PostgreSQL 2 workers / 1 worker: {rates['postgres2'] / rates['postgres']:6.2f}")


def main(quick: bool = False) -> None:
    per_device = 25 if quick else 250
    idle = 1_000 if quick else 10_000
    rounds = 1 if quick else ROUNDS
    _raise_nofile(idle + 1000)
    with tempfile.TemporaryDirectory(prefix="lanqing-bench-") as tmp:
        data = Path(tmp)
        results = [(label, _one_load(data, label, window, per_device, rounds)) for label, window in LOADS]
        idle_env = _env(data, f"sqlite:///{data / 'bench-idle.sqlite3'}")
        _prepare(idle_env, 1)
        per_conn, made = _idle_memory(idle_env, idle)
    for label, rates in results:
        _ratios(label, rates)
    print(
        f"idle memory: {per_conn:,.0f} bytes per connection with {made:,} open "
        f"(goal < {GOAL_IDLE_BYTES:,}; ratio {per_conn / GOAL_IDLE_BYTES:.2f})"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--floor"]:
        _floor_main(sys.argv[2])
    elif sys.argv[1:2] == ["--load"]:
        _load_main(*(int(arg) for arg in sys.argv[2:6]))  # type: ignore[call-arg]
    elif sys.argv[1:2] == ["--idle"]:
        _idle_main(int(sys.argv[2]), int(sys.argv[3]))
    else:
        main(quick="--quick" in sys.argv)
