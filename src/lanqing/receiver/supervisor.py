"""``lanqing receiver --workers N``: N receiver processes sharing one port.

One receiver process is bound by the interpreter lock: the event loop and the writer thread share one core.
With N > 1 this process only supervises: it reserves the port, starts N ``lanqing receiver --worker I``
processes that each run the ordinary :class:`~lanqing.receiver.server.ReceiverServer` (own event loop, own
writer thread, own database connection) listening with ``SO_REUSEPORT``, so the kernel spreads new
connections across them. Durability is per worker exactly as with one process: a packet is acknowledged
only after its worker committed it.

The supervisor forwards SIGTERM/SIGINT to the workers and waits for them. When a worker ends unexpectedly
it stops the others and exits non-zero: the receiver is one service, and the service manager restarts it
whole rather than this process nursing a half-running receiver.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lanqing.receiver.guard import SharedBudgets

# How often the supervisor looks at its workers; only delays noticing a dead worker, nothing else.
POLL_SECONDS = 0.2
# A stopping worker closes its connections and lets its writer finish the last batch (up to 30 s).
STOP_SECONDS = 60.0


def reserve_port(host: str, port: int) -> socket.socket:
    """Bind (but do not listen on) ``host:port`` with SO_REUSEPORT; ``port`` 0 picks a free port.

    Binding here resolves port 0 to one real port that every worker then binds. The socket never listens,
    so the kernel hands it no connections, yet it keeps the port ours while the workers start.
    """
    family, kind, proto, _, address = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    return sock


def worker_argv(args: argparse.Namespace, port: int, index: int, budgets: str) -> list[str]:
    """The command line of worker ``index``: the same options, the resolved port, its share of the cap, and
    the file of the guessing budgets they share."""
    argv = [
        sys.executable,
        "-m",
        "lanqing",
        "receiver",
        "--worker",
        str(index),
        "--workers",
        str(args.workers),
        "--host",
        args.host,
        "--port",
        str(port),
        # The cap bounds the whole receiver's sockets and memory, so each worker gets its share.
        "--max-connections",
        str(max(1, args.max_connections // args.workers)),
        # Per address stays whole: SO_REUSEPORT hashes each connection, so the devices behind one NAT
        # gateway land unevenly on the workers, and a split cap would refuse some of them too early.
        "--max-per-address",
        str(args.max_per_address),
        "--max-new-per-address",
        str(args.max_new_per_address),
        "--first-frame-timeout",
        str(args.first_frame_timeout),
        "--guess-every",
        str(args.guess_every),
        "--guess-every-mn",
        str(args.guess_every_mn),
        "--idle-timeout",
        str(args.idle_timeout),
        "--frame-timeout",
        str(args.frame_timeout),
        "--time-tolerance",
        str(args.time_tolerance),
        # Guessing budgets are the receiver's, not each worker's: N workers must not give N times the tries.
        "--shared-budgets",
        budgets,
    ]
    if args.no_host_commands:
        argv.append("--no-host-commands")
    if args.verbose:
        argv.append("--verbose")
    return argv


BUDGETS_PREFIX = "lanqing-receiver-"


def _stale_budgets_remove() -> None:
    """Removes the budget folders of supervisors that are no longer running (killed, so never cleaned up)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{BUDGETS_PREFIX}*-*"):
        pid = folder.name.removeprefix(BUDGETS_PREFIX).split("-", 1)[0]
        try:
            if not pid.isdigit() or folder.stat().st_uid != os.getuid():
                continue
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue  # alive but not ours to signal, or gone meanwhile


def supervise(args: argparse.Namespace) -> int:
    try:
        reserved = reserve_port(args.host, args.port)
    except OSError as exc:
        print(f"lanqing receiver: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    port = reserved.getsockname()[1]
    # Made here, before any worker opens it; a private folder, gone with the supervisor (or, when the
    # supervisor was killed, with the next one's start).
    _stale_budgets_remove()
    folder = tempfile.mkdtemp(prefix=f"{BUDGETS_PREFIX}{os.getpid()}-")
    budgets = os.path.join(folder, "budgets.sqlite3")
    SharedBudgets(budgets).close()
    workers: list[subprocess.Popen] = []
    stopping: list[int] = []  # the signal that asked us to stop, once one did
    # Workers already sent a stop signal: a second one would cut short their orderly stop (closing the
    # connections, the writer's last commit), so each worker is signalled once.
    signalled: set[int] = set()

    def forward(signum: int, frame) -> None:
        stopping.append(signum)
        for worker in workers:
            if worker.poll() is None and worker.pid not in signalled:
                signalled.add(worker.pid)
                worker.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for index in range(args.workers):
            if stopping:
                break
            workers.append(
                subprocess.Popen(
                    worker_argv(args, port, index, budgets),
                    # stdin: a pipe the worker watches; when this process is gone (even by SIGKILL) the
                    # pipe closes and the worker stops instead of living on as an orphan.
                    # stdout: carries the worker's ready line; stderr (its log) is ours.
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                    # Its own process group: a Ctrl-C in the terminal reaches only us, and we forward it
                    # once (see ``signalled``).
                    process_group=0,
                )
            )
        for index, worker in enumerate(workers):
            assert worker.stdout is not None
            line = worker.stdout.readline()
            if "listening on" not in line:
                if not stopping:
                    print(f"lanqing receiver: worker {index} did not start", file=sys.stderr)
                return _stop_all(workers, signalled, failed=not stopping)
        if not stopping:
            # The one ready line scripts and tests wait for, now that every worker accepts connections.
            print(f"lanqing receiver: listening on {args.host}:{port}", flush=True)
        while not stopping:
            for index, worker in enumerate(workers):
                if worker.poll() is not None and not stopping:
                    print(
                        f"lanqing receiver: worker {index} (pid {worker.pid}) exited with "
                        f"{worker.returncode}; stopping the other workers",
                        file=sys.stderr,
                    )
                    return _stop_all(workers, signalled, failed=True)
            time.sleep(POLL_SECONDS)
        return _stop_all(workers, signalled, failed=False)
    finally:
        for worker in workers:
            if worker.poll() is None:  # only when waiting failed: never leave a worker behind
                worker.kill()
                worker.wait()
        reserved.close()
        shutil.rmtree(folder, ignore_errors=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _stop_all(workers: list[subprocess.Popen], signalled: set[int], *, failed: bool) -> int:
    """SIGTERM every worker still running and not yet signalled, wait for all; 0 only if none failed."""
    # Every worker is being stopped now; a further signal to us has nothing left to add (and forwarding it
    # could race with the loop below into a second signal per worker).
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_IGN)
    for worker in workers:
        if worker.poll() is None and worker.pid not in signalled:
            signalled.add(worker.pid)
            worker.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    for worker in workers:
        try:
            worker.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"lanqing receiver: worker pid {worker.pid} did not stop; killing it", file=sys.stderr)
            worker.kill()
            worker.wait()
            failed = True
    # A worker asked to stop exits 0, or dies of the signal if it came before its handler was installed.
    stopped = (0, -signal.SIGTERM, -signal.SIGINT)
    if any(worker.returncode not in stopped for worker in workers):
        failed = True
    return 1 if failed else 0
