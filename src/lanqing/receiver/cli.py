"""Sub-commands of ``lanqing``: receiver, simulate, replay, device import, packets export."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
import sys
from pathlib import Path


def _setup() -> None:
    from lanqing.cli import _django_setup

    _django_setup()


def _logging(verbose: bool, worker: int | None = None) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    if verbose:
        # basicConfig does nothing once Django's LOGGING has set up the root logger: raise our own loggers'
        # level instead (their records reach the root's handlers, which filter nothing).
        logging.getLogger("lanqing").setLevel(logging.DEBUG)
    if worker is not None:
        # Workers share the supervisor's stderr: name the worker in each line. Set on the handlers that
        # exist, since Django's LOGGING has usually configured the root logger before basicConfig.
        tagged = logging.Formatter(f"%(asctime)s %(levelname)s %(name)s[{worker}] %(message)s")
        for handler in logging.getLogger().handlers:
            handler.setFormatter(tagged)


def _run_until_signal(main, *, stop_on_stdin_eof: bool = False) -> int:
    async def runner() -> None:
        task = asyncio.ensure_future(main)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, task.cancel)
        if stop_on_stdin_eof:
            _watch_supervisor(loop, task)
        try:
            await task
        except asyncio.CancelledError:
            pass

    asyncio.run(runner())
    return 0


def _watch_supervisor(loop: asyncio.AbstractEventLoop, task: asyncio.Future) -> None:
    """A worker's stdin is a pipe from its supervisor, which never writes to it: end of file means the
    supervisor is gone (even by SIGKILL, which it cannot forward), and the worker stops rather than keep
    the port as an orphan that no service manager knows about."""
    fd = sys.stdin.fileno()

    def readable() -> None:
        if not os.read(fd, 4096):
            loop.remove_reader(fd)
            logging.getLogger("lanqing.receiver").warning("the supervisor is gone; stopping")
            task.cancel()

    loop.add_reader(fd, readable)


def cmd_receiver(args: argparse.Namespace) -> int:
    if args.workers < 1:
        print("lanqing receiver: --workers must be at least 1", file=sys.stderr)
        return 2
    if args.workers > 1 and args.worker is None:
        from lanqing.receiver.supervisor import supervise

        return supervise(args)
    _setup()
    _logging(args.verbose, args.worker)
    from lanqing.receiver.hostside import HostPolicy
    from lanqing.receiver.server import Limits, serve

    _raise_open_files(args.max_connections + 100)
    limits = Limits(
        max_connections=args.max_connections,
        max_per_address=args.max_per_address,
        idle_timeout=args.idle_timeout,
        frame_timeout=args.frame_timeout,
    )
    policy = HostPolicy(
        time_tolerance=args.time_tolerance,
        calibrate_time=not args.no_host_commands,
        backfill=not args.no_host_commands,
        configure=not args.no_host_commands,
    )

    _collector_settle()

    def ready(port: int) -> None:
        # One parseable line on stdout so scripts and tests that ask for port 0 learn the real port.
        print(f"lanqing receiver: listening on {args.host}:{port}", flush=True)

    # A worker shares its port with the other workers (SO_REUSEPORT) and follows its supervisor's life.
    worker = args.worker is not None
    main = serve(
        host=args.host,
        port=args.port,
        limits=limits,
        policy=policy,
        ready=ready,
        reuse_port=worker,
        slot=args.worker or 0,
        slots=args.workers,
    )
    return _run_until_signal(main, stop_on_stdin_eof=worker)


# Allocations between young-generation collections (Python's default is 700).
GC_YOUNG_THRESHOLD = 5000


def _collector_settle() -> None:
    """Keep the cyclic garbage collector off what lives as long as the process.

    Django, its app registry and the imported modules are some hundred thousand objects that every full
    collection walks again, and a receiver allocates fast enough (tuples and dicts of each packet) to run
    collections all the time. Frozen after start-up, they are skipped; with fewer young collections the
    short-lived objects of a packet are mostly freed before one runs. Measured with the benchmark's load
    (200 devices, 2 workers): time in the collector 0.56 s → 0.15 s per run of 50,000 packets.
    """
    gc.collect()
    gc.freeze()
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, GC_YOUNG_THRESHOLD), middle, old)


def _raise_open_files(wanted: int) -> None:
    # Each device holds a socket; the default soft limit (often 1024) would cap the connections far below
    # --max-connections. Raise the soft limit towards the hard one; never fail over it.
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        if soft != resource.RLIM_INFINITY and soft < target:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ImportError, ValueError, OSError):
        pass


def cmd_simulate(args: argparse.Namespace) -> int:
    from lanqing.simulator.cli import run_simulate

    return run_simulate(args)


def cmd_replay(args: argparse.Namespace) -> int:
    _setup()
    from lanqing.monitoring.ingest.replay import packets_replay

    since = _parse_since(args.since) if args.since else None
    if args.since and since is None:
        print(
            f"lanqing replay: --since {args.since!r}: write a date or time like 2026-01-31 or "
            "2026-01-31T08:00 (Beijing time)",
            file=sys.stderr,
        )
        return 2
    count = packets_replay(mn=args.mn, since=since)
    print(
        f"lanqing replay: {count.packets} raw packets read, {count.decoded} decoded, "
        f"{count.measurements} measurements written, {count.skipped} skipped"
    )
    return 0


def _parse_since(text: str):
    from datetime import datetime

    from lanqing.hj212 import CHINA

    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value.replace(tzinfo=CHINA) if value.tzinfo is None else value


def cmd_device_import(args: argparse.Namespace) -> int:
    _setup()
    from lanqing.receiver.devices import devices_import

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"lanqing device import: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    result = devices_import(data, dry_run=args.dry_run)
    for error in result.errors:
        print(f"{path.name}: line {error.line}, column {error.column}: {error.reason}", file=sys.stderr)
    print(result.summary())
    if result.file_error:
        return 2
    return 1 if result.errors else 0


def cmd_packets_export(args: argparse.Namespace) -> int:
    _setup()
    from lanqing.receiver.export import packets_export

    since = _parse_since(args.since) if args.since else None
    if args.since and since is None:
        print(
            f"lanqing packets export: --since {args.since!r}: write a date or time like 2026-01-31 or "
            "2026-01-31T08:00 (Beijing time)",
            file=sys.stderr,
        )
        return 2
    try:
        with open(args.output, "w", encoding="utf-8-sig", newline="") as out:
            count = packets_export(out, mn=args.mn, since=since)
    except OSError as exc:
        print(f"lanqing packets export: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"lanqing packets export: {count} raw packets written to {args.output}")
    return 0


def _usage(args: argparse.Namespace) -> int:
    print(f"lanqing {args.command}: name a sub-command; see lanqing {args.command} --help", file=sys.stderr)
    return 2


def register(sub) -> None:
    def add(name: str, func, help_text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text, description=help_text)
        command.add_argument("--data-dir", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        command.set_defaults(func=func)
        return command

    receiver = add("receiver", cmd_receiver, "receive HJ 212 data from devices over TCP")
    receiver.add_argument("--host", default="0.0.0.0")
    receiver.add_argument("--port", type=int, default=9212, help="TCP port (0 picks a free one)")
    receiver.add_argument("--max-connections", type=int, default=20_000)
    receiver.add_argument(
        "--max-per-address",
        type=int,
        default=2_000,
        help="connections from one IP address (a NAT gateway may carry many devices)",
    )
    receiver.add_argument(
        "--idle-timeout",
        type=float,
        default=3900.0,
        help="seconds without a complete frame before a connection is closed",
    )
    receiver.add_argument(
        "--frame-timeout",
        type=float,
        default=60.0,
        help="seconds a started frame may take to arrive (slow senders)",
    )
    receiver.add_argument(
        "--time-tolerance",
        type=float,
        default=60.0,
        help="seconds a device clock may be off before the receiver sets it (1012)",
    )
    receiver.add_argument(
        "--no-host-commands",
        action="store_true",
        help="never send time calibration, settings or history requests to devices",
    )
    receiver.add_argument(
        "--workers",
        type=int,
        default=1,
        help="receiver processes sharing the port (Linux SO_REUSEPORT); one process uses about one core",
    )
    # Internal: set by the supervisor of --workers N on each worker process (its index).
    receiver.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)
    receiver.add_argument("-v", "--verbose", action="store_true")

    simulate = add("simulate", cmd_simulate, "simulate HJ 212 devices sending data to a receiver")
    simulate.add_argument("--host", default="127.0.0.1")
    simulate.add_argument("--port", type=int, default=9212)
    simulate.add_argument(
        "--demo", action="store_true", help="the demo's registered devices, sending live data"
    )
    simulate.add_argument("--devices", type=int, default=3, help="devices per kind and protocol version")
    simulate.add_argument("--kinds", default="air,gas,water", help="comma-separated: air, gas, water")
    simulate.add_argument("--versions", default="2005,2017,2025", help="comma-separated protocol versions")
    simulate.add_argument("--password", default="123456")
    simulate.add_argument("--speed", type=float, default=1.0, help="time runs this many times faster")
    simulate.add_argument(
        "--faults",
        default="",
        help="comma-separated: offline, exceedance, constant, bad-crc, junk, split, slow",
    )
    simulate.add_argument(
        "--duration", type=float, default=0.0, help="stop after this many seconds (0: never)"
    )
    simulate.add_argument("--seed", type=int, default=212)

    replay = add("replay", cmd_replay, "decode stored raw packets again and rebuild their measurements")
    replay.add_argument("--mn")
    replay.add_argument("--since", help="only packets received since this Beijing time")

    device = add("device", _usage, "register HJ 212 devices")
    device_sub = device.add_subparsers(dest="device_command", metavar="SUBCOMMAND")
    imp = device_sub.add_parser(
        "import",
        help="register or update devices from a CSV or XLSX file",
        description="Columns: mn, password, protocol (2005/2017/2025), point "
        "(SITECODE/POINTCODE; the point is created when the site exists). Optional: crc_mode, logger_id, "
        "and the settings sent on connection: reply_timeout and resend_count (1-99, together), "
        "rtd_interval (30-3600 s), min_interval (minutes), realtime_upload and status_upload (on/off).",
    )
    imp.add_argument("file")
    imp.add_argument("--dry-run", action="store_true", help="check the file and report, change nothing")
    imp.set_defaults(func=cmd_device_import)

    packets = add("packets", _usage, "raw packets received from devices")
    packets_sub = packets.add_subparsers(dest="packets_command", metavar="SUBCOMMAND")
    export = packets_sub.add_parser("export", help="export raw packets with arrival time, verdict and reason")
    export.add_argument("--mn")
    export.add_argument("--since", help="only packets received since this Beijing time")
    export.add_argument("-o", "--output", required=True, help="CSV file to write")
    export.set_defaults(func=cmd_packets_export)
