"""The receiver under attack and faults (issue 15, item 9).

Figures, all from the same run:
* **good-device latency** — ``lanqing receiver`` as its own process on a fresh SQLite file; ``DEVICES``
  registered devices each send hourly packets in the standard's upload flow (the next packet after the
  9014 of the last one) and time each reply. Measured alone (the baseline), then during
  - an **idle flood**: helper processes open ``FLOOD`` connections from 100 loopback addresses that never
    send a byte, and open them again whenever the receiver closes them, so that the connection cap and the
    open-file limit are both exceeded for the whole phase;
  - **password guessing**: a helper process pipelines wrong passwords for the devices' MNs from 16
    addresses as fast as the receiver reads them;
  and reported as the ratio of the median and the 99th percentile to the baseline, with packets lost (no
  9014 within 10 s), whether the receiver survived, and how many log lines it wrote;
* **fuzzing** — ``FUZZ`` mutated frames (bit flips, inserted, deleted and repeated bytes, cut frames, lying
  length fields, junk) through one :class:`~lanqing.hj212.Framer` and ``parse_frame``, in random chunk
  sizes, with a valid packet after every ``VALID_EVERY``: exceptions that escape (0 expected) and valid
  packets parsed (all expected).

* **ten SIGKILL cycles under load** — ``lanqing receiver`` started, ``STREAMS`` devices streaming hourly
  packets as fast as they are acknowledged (on SQLite with another process holding the write lock a quarter
  second at a time, as a long import does), killed with SIGKILL (every process of it) after ``KILL_AFTER``
  acknowledgements, and started again under the same load, ten times: per cycle the time from starting to
  the first 9014 a device gets, as a ratio to a clean start (nothing to recover) measured just before that
  cycle, and the measurements found after the restart of the hours acknowledged before the kill (recovered /
  acknowledged, 1.00 expected).

Run: ``python benchmarks/bench_attack.py`` (``--quick``: smaller flood, 100,000 fuzzed frames). Bounded: each
phase stops after its packets or ``PHASE_LIMIT`` seconds. Figures printed; no assertions.
``--only fuzz|attack|crash`` runs one part. The SIGKILL cycles take ``--workers N`` (the receiver's option)
and ``--database postgresql://USER@HOST:PORT/NAME``: that database is dropped and created again for the run
and dropped after it, so name a scratch one (the default is a fresh SQLite file in a temporary folder).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from lanqing import hj212  # noqa: E402
from lanqing.hj212 import Framer, Packet, Peer, Version, build_data, parse_frame  # noqa: E402
from lanqing.hj212.crc import crc16, format_crc  # noqa: E402

DEVICES = 10
PHASE_LIMIT = 120.0
REPLY_TIMEOUT = 10.0
FIRST_FRAME_TIMEOUT = 5  # seconds: the flood's connections are closed and reopened several times a phase
VALID_EVERY = 10

SETUP = """
from lanqing.monitoring.factors import factors_ensure
from lanqing.monitoring.models import Device, Point, Site
from lanqing.org.models import Jurisdiction
factors_ensure()
county = Jurisdiction.objects.create(code="141025000000", name="古县", level="county")
site = Site.objects.create(kind="air", code="AIR-01", name="站", jurisdiction=county)
point = Point.objects.create(site=site, code="1", name="1#")
for n in range({count}):
    device = Device(mn=f"GOOD{{n:04d}}", point=point)
    device.set_password("Zq7-71")
    device.save()
"""
START = datetime(2024, 1, 1)  # noqa: DTZ001 - an HJ 212 DataTime: naive Beijing time by design


def _raise_nofile() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


# --- good devices -----------------------------------------------------------------------------------


def _packet(mn: str, n: int, pw: str = "Zq7-71") -> bytes:
    return build_data(
        Peer(mn, pw, "22", Version.V2017),
        hj212.Cn.HOUR_DATA,
        START + timedelta(hours=n),
        {"a34004": {"Avg": float(n % 90), "Flag": "N"}},
        qn=f"{n:017d}",
    )


def _device(port: int, mn: str, packets: int, deadline: float, latencies: list[float], lost: list[int]) -> None:
    sock: socket.socket | None = None
    buffer = b""
    for n in range(packets):
        if time.monotonic() > deadline:
            return
        try:
            if sock is None:
                sock = socket.create_connection(("127.0.0.1", port), timeout=REPLY_TIMEOUT)
                buffer = b""
            started = time.perf_counter()
            sock.sendall(_packet(mn, n))
            while b"\r\n" not in buffer:
                chunk = sock.recv(4096)
                if not chunk:
                    raise ConnectionError("closed")
                buffer += chunk
            latencies.append(time.perf_counter() - started)
            _line, _, buffer = buffer.partition(b"\r\n")
        except OSError:
            lost.append(1)
            if sock is not None:
                sock.close()
            sock = None
    if sock is not None:
        sock.close()


def _good_load(port: int, packets: int) -> tuple[list[float], int]:
    latencies: list[float] = []
    lost: list[int] = []
    deadline = time.monotonic() + PHASE_LIMIT
    threads = [
        threading.Thread(target=_device, args=(port, f"GOOD{n:04d}", packets, deadline, latencies, lost))
        for n in range(DEVICES)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, len(lost)


# --- hostile helpers (separate processes) -----------------------------------------------------------


async def _hold(port: int, source: str, stop: float, counts: dict) -> None:
    """One idle connection, opened again whenever the receiver closes or refuses it."""
    while time.monotonic() < stop:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
        except OSError:
            counts["failed"] += 1
            await asyncio.sleep(0.2)
            continue
        counts["opened"] += 1
        try:
            await asyncio.wait_for(reader.read(1), timeout=max(0.1, stop - time.monotonic()))
            counts["closed"] += 1
        except (TimeoutError, OSError):
            pass
        writer.close()


def _flood_main(port: int, count: int, seconds: float, base: int) -> None:
    _raise_nofile()
    counts = {"opened": 0, "closed": 0, "failed": 0}

    async def run() -> None:
        stop = time.monotonic() + seconds
        tasks = [
            asyncio.create_task(_hold(port, f"127.0.{base + n % 100 // 50}.{n % 50 + 10}", stop, counts))
            for n in range(count)
        ]
        await asyncio.gather(*tasks)

    asyncio.run(run())
    print(f"{counts['opened']} {counts['closed']} {counts['failed']}", flush=True)


def _guess_main(port: int, seconds: float) -> None:
    stop = time.monotonic() + seconds
    sent = 0

    def guesser(index: int) -> None:
        nonlocal sent
        rng = random.Random(index)
        while time.monotonic() < stop:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=2, source_address=(f"127.0.9.{index}", 0))
            except OSError:
                time.sleep(0.2)
                continue
            sock.setblocking(False)
            try:
                while time.monotonic() < stop:
                    burst = b"".join(
                        _packet(f"GOOD{rng.randrange(DEVICES):04d}", rng.randrange(10**6), pw=f"{rng.randrange(10**6):06d}")
                        for _ in range(100)
                    )
                    try:
                        sock.send(burst)
                        sent += 100
                    except BlockingIOError:
                        time.sleep(0.05)
                    try:
                        if sock.recv(65536) == b"":
                            break
                    except BlockingIOError:
                        pass
            except OSError:
                pass
            sock.close()

    threads = [threading.Thread(target=guesser, args=(n + 1,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(sent, flush=True)


def _helper(*argv: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, __file__, *argv], stdout=subprocess.PIPE, text=True, env={**os.environ}
    )


# --- the attack figures -----------------------------------------------------------------------------


def _quantiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return (values[0], values[0]) if values else (float("nan"), float("nan"))
    cuts = statistics.quantiles(values, n=100)
    return statistics.median(values), cuts[98]


def _flood_phase(port: int, flood: int, packets: int) -> tuple[list[float], int, int, int]:
    seconds = 3.0 * FIRST_FRAME_TIMEOUT + 10
    helpers = [_helper("--flood", str(port), str(flood // 2), str(seconds), str(1 + 2 * k)) for k in range(2)]
    time.sleep(FIRST_FRAME_TIMEOUT)  # the flood is in place and its first connections are expiring
    under, lost = _good_load(port, packets)
    counts = [helper.communicate(timeout=seconds + 60)[0].split() for helper in helpers]
    opened = sum(int(c[0]) for c in counts if c)
    closed = sum(int(c[1]) for c in counts if c)
    return under, lost, opened, closed


def _guess_phase(port: int, packets: int, seconds: float) -> tuple[list[float], int, int]:
    guessing = _helper("--guess", str(port), str(seconds))
    time.sleep(2)
    under, lost = _good_load(port, packets)
    tries = int((guessing.communicate(timeout=seconds + 60)[0] or "0").strip() or 0)
    return under, lost, tries


def _ratio_line(name: str, pairs: list[tuple[list[float], list[float]]], lost: int, note: str) -> str:
    p50 = [_quantiles(under)[0] / _quantiles(base)[0] for base, under in pairs]
    p99 = [_quantiles(under)[1] / _quantiles(base)[1] for base, under in pairs]
    under_all = [value for _base, under in pairs for value in under]
    q50, q99 = _quantiles(under_all)
    return (
        f"{name:11} p50 {q50 * 1000:6.2f} ms  p99 {q99 * 1000:6.2f} ms  lost {lost}  ratio to idle (median of "
        f"{len(pairs)} rounds, range): p50 {statistics.median(p50):.2f}× ({min(p50):.2f}–{max(p50):.2f}), "
        f"p99 {statistics.median(p99):.2f}× ({min(p99):.2f}–{max(p99):.2f}); {note}"
    )


def _attack(quick: bool) -> None:
    hard = _raise_nofile()
    flood = 2_000 if quick else 24_000
    packets = 30 if quick else 200
    rounds = 1 if quick else 3
    guess_seconds = 20.0 if quick else 30.0
    with tempfile.TemporaryDirectory(prefix="lanqing-attack-") as tmp:
        data = Path(tmp)
        env = {
            **os.environ,
            "LANQING_DATA_DIR": str(data),
            "LANQING_DATABASE_URL": f"sqlite:///{data / 'attack.sqlite3'}",
            "PYTHONPATH": str(ROOT / "src"),
            "PYTHONUNBUFFERED": "1",
        }
        for argv in (("manage", "migrate", "-v0"), ("manage", "shell", "-c", SETUP.format(count=DEVICES))):
            subprocess.run([sys.executable, "-m", "lanqing", *argv], env=env, check=True, capture_output=True)
        log = data / "receiver.log"
        with log.open("w") as stderr:
            receiver = subprocess.Popen(
                [sys.executable, "-m", "lanqing", "receiver", "--host", "127.0.0.1", "--port", "0",
                 "--no-host-commands", "--first-frame-timeout", str(FIRST_FRAME_TIMEOUT)],
                env=env, stdout=subprocess.PIPE, stderr=stderr, text=True,
            )
        flooded: list[tuple[list[float], list[float]]] = []
        guessed: list[tuple[list[float], list[float]]] = []
        lost = {"idle": 0, "flood": 0, "guess": 0}
        opened = closed = tries = 0
        idle_all: list[float] = []
        try:
            assert receiver.stdout is not None
            line = receiver.stdout.readline()
            if "listening on" not in line:
                raise RuntimeError(f"the receiver did not start: {log.read_text()[-2000:]}")
            port = int(line.rsplit(":", 1)[1])
            _good_load(port, 10)  # warm-up: connections, the device cache, the first pages of each table
            # Each attack phase is compared with an idle phase right before it: the machine's own load
            # (other processes, the disk) drifts over minutes.
            for _ in range(rounds):
                base, missed = _good_load(port, packets)
                lost["idle"] += missed
                idle_all += base
                under, missed, made, shut = _flood_phase(port, flood, packets)
                flooded.append((base, under))
                lost["flood"] += missed
                opened, closed = opened + made, closed + shut
                base, missed = _good_load(port, packets)
                lost["idle"] += missed
                idle_all += base
                under, missed, sent = _guess_phase(port, packets, guess_seconds)
                guessed.append((base, under))
                lost["guess"] += missed
                tries += sent
            crashed = receiver.poll() is not None
        finally:
            receiver.terminate()
            try:
                receiver.wait(30)
            except subprocess.TimeoutExpired:
                receiver.kill()
        text = log.read_text(errors="replace")
        wrong = _stored_wrong_passwords(env)
        p50, p99 = _quantiles(idle_all)
        print(f"open-file limit {hard:,}; {DEVICES} good devices × {packets} packets per phase, standard flow")
        print(f"{'idle':11} p50 {p50 * 1000:6.2f} ms  p99 {p99 * 1000:6.2f} ms  lost {lost['idle']}")
        print(_ratio_line("idle flood", flooded, lost["flood"],
                          f"{flood:,} connections held open, {opened:,} opened, {closed:,} closed or refused"))
        print(_ratio_line("guessing", guessed, lost["guess"], f"{tries:,} wrong passwords sent"))
        print(
            f"receiver crashed: {'yes' if crashed else 'no'}; log {len(text.splitlines()):,} lines "
            f"({len(text.encode()) / 1024:.0f} KiB); wrong passwords that reached the password check: {wrong:,}"
        )


def _stored_wrong_passwords(env: dict) -> int:
    done = subprocess.run(
        [sys.executable, "-m", "lanqing", "manage", "shell", "-c",
         "from lanqing.monitoring.models import RawPacket; "
         "print(RawPacket.objects.filter(reason__startswith='wrong-pw').count())"],
        env=env, capture_output=True, text=True,
    )
    last = done.stdout.strip().splitlines()[-1:] or ["-1"]
    return int(last[0])


# --- fuzzing ----------------------------------------------------------------------------------------

PIECES = (b"\r\n", b"##", b"&&", b";", b"=", b",", b"CP=", b"##9999", b"##0000", b"\x00", b"\xff", b"QN=", b"-Rtd")


def _bases() -> list[bytes]:
    peer = Peer("010000A8900016F000169DC0", "123456", "22", Version.V2017)
    factors = {code: {"Avg": 12.5, "Min": 1.0, "Max": 40.25, "Flag": "N"} for code in ("a34004", "a21026", "a21002")}
    frames = [
        build_data(peer, hj212.Cn.HOUR_DATA, START, factors),
        build_data(peer, hj212.Cn.MINUTE_DATA, START, factors),
        build_data(Peer("88888880000001", "123456", "31", Version.V2017), hj212.Cn.REALTIME_DATA, START,
                   {code: {"Rtd": 3.0, "Flag": "N"} for code in ("w01018", "w21003", "w01001")}),
    ]
    samples = ROOT / "tests" / "data" / "hj212_samples.txt"
    if samples.exists():
        frames += [line.strip().encode() + b"\r\n" for line in samples.read_text().splitlines() if line.startswith("##")]
    return frames


def _valid(n: int) -> bytes:
    segment = (
        f"QN=9{n:016d};ST=22;CN=2061;PW=123456;MN=FUZZ0001;Flag=5;"
        f"CP=&&DataTime=20240101{n % 24:02d}0000;a34004-Avg={n % 500}.5,a34004-Flag=N&&"
    ).encode()
    return b"##%04d" % len(segment) + segment + format_crc(crc16(segment)) + b"\r\n"


def _mutate(frame: bytes, rng: random.Random) -> bytes:
    data = bytearray(frame)
    for _ in range(rng.randint(1, 3)):
        kind = rng.randrange(10)
        at = rng.randrange(len(data) + 1)
        if kind == 0 and data:
            data[min(at, len(data) - 1)] ^= 1 << rng.randrange(8)
        elif kind == 1 and data:
            data[min(at, len(data) - 1)] = rng.randrange(256)
        elif kind == 2:
            data[at:at] = rng.choice(PIECES)
        elif kind == 3:
            del data[at : at + rng.randint(1, 20)]
        elif kind == 4:
            del data[rng.randrange(len(data) + 1) :]
        elif kind == 5 and len(data) > 6:
            data[2:6] = b"%04d" % rng.randrange(10000)
        elif kind == 6:
            piece = data[at : at + rng.randint(1, 40)]
            data[at:at] = piece * rng.randint(1, 200)
        elif kind == 7:
            data = bytearray(rng.randbytes(rng.randint(1, 200)))
        elif kind == 8 and len(data) > 6:
            data[-6:-2] = rng.randbytes(4)
        elif kind == 9:
            data[at:at] = b"\r\n"
    return bytes(data)


def _fuzz(total: int) -> None:
    rng = random.Random(15)
    bases = _bases()
    framer = Framer()
    escaped = frames = rejections = 0
    expected: set[str] = set()
    parsed: set[str] = set()
    stream = bytearray()
    started = time.perf_counter()

    def drain(chunk: bytes) -> None:
        nonlocal escaped, frames, rejections
        try:
            items = framer.feed(chunk)
        except Exception:  # noqa: BLE001 - counted: what this benchmark looks for
            escaped += 1
            return
        for item in items:
            if not isinstance(item, hj212.Frame):
                rejections += 1
                continue
            frames += 1
            try:
                result = parse_frame(item)
            except Exception:  # noqa: BLE001
                escaped += 1
                continue
            if isinstance(result, Packet) and result.header.mn == "FUZZ0001" and result.header.qn:
                parsed.add(result.header.qn)
            else:
                rejections += 1

    for n in range(total):
        if n % VALID_EVERY == 0:
            frame = _valid(n)
            expected.add(f"9{n:016d}")
        else:
            frame = _mutate(rng.choice(bases), rng)
        stream += frame
        while len(stream) > 8192:
            size = rng.randint(1, 8192)
            drain(bytes(stream[:size]))
            del stream[:size]
    drain(bytes(stream))
    try:
        for item in framer.close():
            frames += isinstance(item, hj212.Frame)
    except Exception:  # noqa: BLE001
        escaped += 1
    elapsed = time.perf_counter() - started
    missing = len(expected - parsed)
    print(
        f"fuzzing: {total:,} frames ({total - len(expected):,} mutated, {len(expected):,} valid) in {elapsed:.1f} s; "
        f"exceptions escaped {escaped}; valid packets parsed {len(expected) - missing:,} of {len(expected):,}"
        f" (missing {missing}); {frames:,} frames and {rejections:,} rejections seen"
    )


# --- ten SIGKILL cycles under load --------------------------------------------------------------------

CYCLES = 10
STREAMS = 4
KILL_AFTER = 400  # acknowledgements per cycle before the kill
# Hours per device and cycle: DataTimes stay in the past (from 2024), which the receiver requires.
STRIDE = 500
# Another writer on SQLite: write transactions of a quarter second back to back, as a long import holds the lock.
BUSY_WRITER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=60, isolation_level=None)
db.execute("CREATE TABLE IF NOT EXISTS bench_busy_writer (n INTEGER)")
n = 0
while True:
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO bench_busy_writer VALUES (?)", (n,))
    time.sleep(0.25)
    db.execute("COMMIT")
    n += 1
    time.sleep(0.01)
"""


class _Database:
    """The run's database: a fresh SQLite file, or a PostgreSQL database dropped and created again."""

    def __init__(self, url: str, folder: Path) -> None:
        self.postgresql = url.startswith(("postgres://", "postgresql://"))
        self.url = url if self.postgresql else f"sqlite:///{folder / 'crash.sqlite3'}"
        self.path = folder / "crash.sqlite3"
        if self.postgresql:
            self._admin(f'DROP DATABASE IF EXISTS "{self._name()}"', f'CREATE DATABASE "{self._name()}"')

    def _name(self) -> str:
        return self.url.rsplit("/", 1)[1].split("?", 1)[0]

    def _admin(self, *statements: str) -> None:
        import psycopg

        with psycopg.connect(self.url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
            for statement in statements:
                admin.execute(statement)

    def values(self) -> set[float]:
        if self.postgresql:
            import psycopg

            with psycopg.connect(self.url) as server:
                return {row[0] for row in server.execute("SELECT value FROM monitoring_measurement")}
        db = sqlite3.connect(self.path, timeout=60)
        try:
            return {row[0] for row in db.execute("SELECT value FROM monitoring_measurement")}
        finally:
            db.close()

    def drop(self) -> None:
        if self.postgresql:
            self._admin(f'DROP DATABASE IF EXISTS "{self._name()}" WITH (FORCE)')


def _children(pid: int) -> list[int]:
    """The worker processes of ``lanqing receiver --workers N`` (each in its own process group), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _start(env: dict, workers: int, log) -> tuple[subprocess.Popen, int, float]:
    """The receiver started; its port and the monotonic time it was started at."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "lanqing", "receiver", "--host", "127.0.0.1", "--port", "0", "--no-host-commands",
         "--workers", str(workers)],
        env=env, stdout=subprocess.PIPE, stderr=log, text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if "listening on" not in line:
        process.kill()
        raise RuntimeError(f"the receiver did not start: {line!r}")
    return process, int(line.rsplit(":", 1)[1]), started


def _hour_packet(mn: str, hour: int) -> bytes:
    # The value is the hour's number, so that the stored values name the hours stored.
    return build_data(Peer(mn, "Zq7-71", "22", Version.V2017), hj212.Cn.HOUR_DATA, START + timedelta(hours=hour),
                      {"a34004": {"Avg": float(hour), "Flag": "N"}}, qn=f"{hour:017d}")


def _stream(port: int, mn: str, first: int, acked: list[int], served: list[float], stop: threading.Event) -> None:
    """Windows of 20 hourly packets, each window sent once the last is acknowledged; ``acked`` gets the hour of
    every 9014, ``served`` the monotonic time of the first."""
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=90)
    except OSError:
        return
    buffer = b""
    hour = first
    try:
        while not stop.is_set() and hour + 20 < first + STRIDE:
            sock.sendall(b"".join(_hour_packet(mn, n) for n in range(hour, hour + 20)))
            got = 0
            while got < 20:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                buffer += chunk
                while b"\r\n" in buffer:
                    line, _, buffer = buffer.partition(b"\r\n")
                    reply = hj212.parse_bytes(line + b"\r\n")
                    if reply.header is not None and reply.header.cn == "9014":
                        if not served:
                            served.append(time.monotonic())
                        acked.append(int(reply.header.qn))
                    got += 1
            hour += 20
    except OSError:
        return
    finally:
        sock.close()


def _kill(process: subprocess.Popen) -> None:
    """SIGKILL every process of the receiver at once: the workers first, so none sees its parent go."""
    for pid in [*_children(process.pid), process.pid]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(10)


def _clean_start(env: dict, workers: int, log) -> float:
    """Seconds from starting a receiver with nothing to recover to its first 9014; stopped cleanly after."""
    process, port, started = _start(env, workers, log)
    try:
        served: list[float] = []
        _stream_once(port, served)
        return served[0] - started
    finally:
        process.terminate()
        process.wait(60)


def _stream_once(port: int, served: list[float]) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=90) as sock:
        sock.sendall(_hour_packet("GOOD0009", (CYCLES + 2) * STREAMS * STRIDE))
        reply = b""
        while b"\r\n" not in reply:
            reply += sock.recv(4096)
        served.append(time.monotonic())


def _crash_cycles(database: str, workers: int) -> None:
    with tempfile.TemporaryDirectory(prefix="lanqing-crash-") as tmp:
        data = Path(tmp)
        db = _Database(database, data)
        env = {**os.environ, "LANQING_DATA_DIR": str(data), "LANQING_DATABASE_URL": db.url,
               "PYTHONPATH": str(ROOT / "src"), "PYTHONUNBUFFERED": "1"}
        busy: subprocess.Popen | None = None
        try:
            for argv in (("manage", "migrate", "-v0"), ("manage", "shell", "-c", SETUP.format(count=DEVICES))):
                subprocess.run([sys.executable, "-m", "lanqing", *argv], env=env, check=True, capture_output=True)
            with (data / "receiver.log").open("w") as log:
                # The clean starts wait for the other writer too: the ratio is what recovery adds.
                if not db.postgresql:
                    busy = subprocess.Popen([sys.executable, "-c", BUSY_WRITER, str(db.path)])
                rows = _cycles(env, workers, log, db)
                crashed = busy is not None and busy.poll() is not None
        finally:
            if busy is not None:
                busy.kill()
                busy.wait(10)
            db.drop()
    where = "PostgreSQL" if db.postgresql else "SQLite, another writer holding the lock 0.25 s at a time"
    print(f"SIGKILL cycles: {where}; --workers {workers}; {STREAMS} devices streaming, killed after "
          f"{KILL_AFTER} acknowledgements; each restart compared with a clean start (nothing to recover) "
          "measured just before its cycle")
    for cycle, (clean, recovery, acked, recovered) in enumerate(rows, start=1):
        print(f"  cycle {cycle:2}: start to first 9014 {recovery:5.2f} s, clean {clean:5.2f} s = "
              f"{recovery / clean:4.2f}×;  measurements recovered {recovered:,} of {acked:,} acknowledged = "
              f"{recovered / max(acked, 1):.2f}")
    ratios = [recovery / clean for clean, recovery, _, _ in rows]
    lost = sum(acked - recovered for _, _, acked, recovered in rows)
    print(f"  all cycles: start to first 9014 {statistics.median(ratios):.2f}× clean (median; range "
          f"{min(ratios):.2f}–{max(ratios):.2f}); acknowledged measurements lost: {lost:,}; "
          f"other writer died: {'yes' if crashed else 'no'}")


def _load(port: int, cycle: int, offset: int) -> tuple[list[int], list[float], threading.Event, list[threading.Thread]]:
    """``STREAMS`` devices streaming from hour ``offset`` of their share of the cycle's hours."""
    acked: list[int] = []
    served: list[float] = []
    stop = threading.Event()
    threads = [
        threading.Thread(target=_stream, args=(port, f"GOOD{n:04d}", (cycle * STREAMS + n) * STRIDE + 1 + offset,
                                               acked, served, stop))
        for n in range(STREAMS)
    ]
    for thread in threads:
        thread.start()
    return acked, served, stop, threads


def _until(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.005)


def _cycles(env: dict, workers: int, log, db: _Database) -> list[tuple[float, float, int, int]]:
    """Per cycle: (seconds from a clean start to its first 9014, the same after the kill, hours acknowledged
    before the kill, of them stored once the receiver was started again)."""
    rows: list[tuple[float, float, int, int]] = []
    for cycle in range(CYCLES):
        clean = _clean_start(env, workers, log)
        process, port, _started = _start(env, workers, log)
        try:
            acked, _served, stop, threads = _load(port, cycle, 0)
            _until(lambda acked=acked: len(acked) >= KILL_AFTER, PHASE_LIMIT)
            _kill(process)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(10)
        stop.set()
        for thread in threads:
            thread.join(10)
        pending = {float(hour) for hour in acked}
        process, port, started = _start(env, workers, log)
        try:
            # Under load again: the devices reconnect at once, as loggers do.
            _acked, served, stop, threads = _load(port, cycle, STRIDE // 2)
            _until(lambda served=served: bool(served), PHASE_LIMIT)
            recovery = (served[0] - started) if served else float("nan")
            # What it recovered is written by the first reply or soon after.
            until = time.monotonic() + 60
            while not pending <= (stored := db.values()) and time.monotonic() < until:
                time.sleep(0.2)
            rows.append((clean, recovery, len(pending), len(pending & stored)))
            stop.set()
            process.terminate()
            process.wait(60)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(10)
        for thread in threads:
            thread.join(10)
    return rows


def main(quick: bool = False, argv: list[str] | None = None) -> None:
    """``quick`` as benchmarks/run.py passes it; ``argv`` the options when run as a script."""
    parser = argparse.ArgumentParser(description="the receiver under attack and faults (issue 15)")
    parser.add_argument("--quick", action="store_true", help="smaller flood, 100,000 fuzzed frames")
    parser.add_argument("--only", choices=("fuzz", "attack", "crash"), help="run only this part")
    parser.add_argument("--database", default="", help="SIGKILL cycles: a scratch postgresql:// database")
    parser.add_argument("--workers", type=int, default=1, help="SIGKILL cycles: receiver worker processes")
    args = parser.parse_args(argv or [])
    args.quick = args.quick or quick
    if args.only in (None, "fuzz"):
        _fuzz(100_000 if args.quick else 1_000_000)
    if args.only in (None, "attack"):
        _attack(args.quick)
    if args.only in (None, "crash"):
        _crash_cycles(args.database, args.workers)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--flood"]:
        _flood_main(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]))
    elif sys.argv[1:2] == ["--guess"]:
        _guess_main(int(sys.argv[2]), float(sys.argv[3]))
    else:
        main(argv=sys.argv[1:])
