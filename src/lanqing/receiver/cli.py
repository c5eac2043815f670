"""``lanqing receiver``: the HJ 212 receiver, one process or a supervisor of --workers N."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
import sys
from typing import Any

from lanqing.bootstrap import command_add, django_setup
from lanqing.cli_language import gettext as _


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
        print(_("lanqing receiver: --workers must be at least 1"), file=sys.stderr)
        return 2
    if args.workers > 1 and args.worker is None:
        from lanqing.receiver.supervisor import supervise

        return supervise(args)
    django_setup()
    _logging(args.verbose, args.worker)
    from lanqing.receiver.guard import GuessLimits
    from lanqing.receiver.hostside import HostPolicy
    from lanqing.receiver.server import Limits, ReceiverFailed, serve

    limits = Limits(
        max_connections=connection_cap(args.max_connections),
        max_per_address=args.max_per_address,
        max_new_per_address=args.max_new_per_address,
        first_frame_timeout=args.first_frame_timeout,
        idle_timeout=args.idle_timeout,
        frame_timeout=args.frame_timeout,
        guessing=GuessLimits(address_every=args.guess_every, mn_every=args.guess_every_mn),
    )
    policy = HostPolicy(
        time_tolerance=args.time_tolerance,
        calibrate_time=not args.no_host_commands,
        backfill=not args.no_host_commands,
        configure=not args.no_host_commands,
    )

    _collector_settle()

    def ready(port: int) -> None:
        # One parseable line on stdout so scripts and tests that ask for port 0 learn the real port; in English
        # whatever LANQING_LANGUAGE says, since the supervisor and scripts read it.
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
        shared_budgets=args.shared_budgets,
    )
    try:
        return _run_until_signal(main, stop_on_stdin_eof=worker)
    except OSError as exc:
        print(_("lanqing receiver: cannot listen on %(host)s:%(port)s: %(reason)s") % {
            "host": args.host, "port": args.port, "reason": exc.strerror or exc}, file=sys.stderr)
        return 1
    except ReceiverFailed as failure:
        print(_("lanqing receiver: stopped on an error: %(error)s") % {"error": failure}, file=sys.stderr)
        return 1


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


# Open files kept for what is not a device socket: the database and its journal, the write-turn lock, the
# listening socket, the event loop's own descriptors, log files, a checkpoint connection, with room to spare.
FD_RESERVE = 100


def connection_cap(wanted: int, *, reserve: int = FD_RESERVE) -> int:
    """The connection cap this process can keep: ``wanted``, or less when the open-file limit is lower.

    Each connection holds a descriptor, so a cap at or above the limit lets accept() fail with EMFILE, and
    asyncio logs every failed accept while the devices that try to connect time out. The soft limit is
    raised towards the hard one first; whatever stays short of ``wanted + reserve`` is said at start.
    """
    log = logging.getLogger("lanqing.receiver")
    try:
        import resource
    except ImportError:  # not on Linux or macOS: nothing to raise or read
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted + reserve
    if hard != resource.RLIM_INFINITY:
        target = min(target, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError) as exc:
            log.warning("cannot raise the open-file limit from %d to %d: %s", soft, target, exc)
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft == resource.RLIM_INFINITY or soft >= wanted + reserve:
        return wanted
    cap = max(1, soft - reserve)
    log.warning(
        "the open-file limit is %d (hard limit %s): at most %d connections instead of %d; raise the limit "
        "(LimitNOFILE= in the service unit, or ulimit -n) to serve more devices",
        soft,
        "unlimited" if hard == resource.RLIM_INFINITY else hard,
        cap,
        wanted,
    )
    return cap


def register(sub: Any) -> None:
    receiver = command_add(sub, "receiver", cmd_receiver, _("receive HJ 212 data from devices over TCP"))
    receiver.add_argument("--host", default="0.0.0.0")
    receiver.add_argument("--port", type=int, default=9212, help=_("TCP port (0 picks a free one)"))
    receiver.add_argument("--max-connections", type=int, default=20_000)
    receiver.add_argument(
        "--max-per-address",
        type=int,
        default=2_000,
        help=_("connections from one IP address (a NAT gateway may carry many devices)"),
    )
    receiver.add_argument(
        "--max-new-per-address",
        type=int,
        default=256,
        help="connections from one IP address that have had no frame accepted yet",
    )
    receiver.add_argument(
        "--first-frame-timeout",
        type=float,
        default=30.0,
        help="seconds a new connection has to get a frame accepted before it is closed",
    )
    receiver.add_argument(
        "--guess-every",
        type=float,
        default=6.0,
        help="once an address has used its burst of unverified MN/password tries, seconds between further tries",
    )
    receiver.add_argument(
        "--guess-every-mn",
        type=float,
        default=3.0,
        help="the same for one MN across all addresses (a device that knows its password never waits)",
    )
    receiver.add_argument(
        "--idle-timeout",
        type=float,
        default=3900.0,
        help=_("seconds without a complete frame before a connection is closed"),
    )
    receiver.add_argument(
        "--frame-timeout",
        type=float,
        default=60.0,
        help=_("seconds a started frame may take to arrive (slow senders)"),
    )
    receiver.add_argument(
        "--time-tolerance",
        type=float,
        default=60.0,
        help=_("seconds a device clock may be off before the receiver sets it (1012)"),
    )
    receiver.add_argument(
        "--no-host-commands",
        action="store_true",
        help=_("never send time calibration, settings or history requests to devices"),
    )
    receiver.add_argument(
        "--workers",
        type=int,
        default=1,
        help=_("receiver processes sharing the port (Linux SO_REUSEPORT); one process uses about one core"),
    )
    # Internal: set by the supervisor of --workers N on each worker process (its index).
    receiver.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)
    # Internal: the file in which the workers of --workers N share their guessing budgets (the supervisor's).
    receiver.add_argument("--shared-budgets", default=None, help=argparse.SUPPRESS)
    receiver.add_argument("-v", "--verbose", action="store_true")
