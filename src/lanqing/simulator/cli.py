"""``lanqing simulate``: N devices per kind and protocol version, or the demo's registered devices."""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import signal
import sys
from typing import Any

from lanqing.bootstrap import command_add, django_setup
from lanqing.cli_language import gettext as _
from lanqing.hj212 import Version
from lanqing.simulator.client import SimClient
from lanqing.simulator.device import FAULTS, KINDS, FactorSpec, SimDevice

# The demo's devices are read inside demo_devices(), after django_setup(): the simulator sends packets for
# devices given on the command line without configuring Django or a database.

# Seconds a --duration run waits, past its end, for devices still connecting or finishing a send.
CONNECT_GRACE = 5.0
VERSIONS = {"2005": Version.V2005, "2017": Version.V2017, "2025": Version.V2025}


def synthetic_devices(
    *, count: int, kinds: list[str], versions: list[str], password: str, faults: frozenset[str]
) -> list[SimDevice]:
    devices = []
    for kind in kinds:
        for version in versions:
            for number in range(1, count + 1):
                # 2005 MNs are 14 characters, later ones 24 (hj212.md §9).
                mn = (
                    f"SIM{kind[:1].upper()}{version[2:]}{number:08d}"[:14]
                    if version == "2005"
                    else f"LQSIM{kind.upper():<5}{version}{number:010d}".replace(" ", "0")
                )
                devices.append(
                    SimDevice(mn=mn, pw=password, kind=kind, version=VERSIONS[version], faults=faults)
                )
    return devices


def demo_devices() -> list[SimDevice]:
    """The demo's registered devices (Device.is_demo), each sending the factors of its site's history and
    the values that continue it (lanqing.demo.live)."""
    django_setup()
    from lanqing.demo.catalogue import DEMO_DEVICE_PASSWORD
    from lanqing.demo.live import SiteReadings
    from lanqing.monitoring.models import Device, Factor

    decimals = dict(Factor.objects.values_list("code", "decimals"))
    devices = []
    for device in Device.objects.filter(is_demo=True, is_active=True).select_related("point__site"):
        site = device.point.site
        kind = (
            "air"
            if site.kind == "air"
            else "water"
            if site.kind == "water" or site.outlet_medium == "water"
            else "gas"
        )
        # A site the demo catalogue does not know (added by hand) gets the simulator's own curves.
        readings = SiteReadings.of_site(site.kind, site.code, decimals=decimals)
        devices.append(
            SimDevice(
                mn=device.mn,
                pw=DEMO_DEVICE_PASSWORD,
                kind=kind,
                version=VERSIONS.get(device.protocol, Version.V2017),
                factors=()
                if readings is None
                else tuple(FactorSpec(code, 0, 0, 0, decimals=decimals.get(code, 1)) for code in readings.factors()),
                readings=readings,
            )
        )
    return devices


def run_simulate(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    faults = frozenset(f.strip() for f in args.faults.split(",") if f.strip())
    unknown = faults - FAULTS
    if unknown:
        print(
            _("lanqing simulate: --faults: unknown %(unknown)s; choose from %(choices)s")
            % {"unknown": ", ".join(sorted(unknown)), "choices": ", ".join(sorted(FAULTS))},
            file=sys.stderr,
        )
        return 2
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    versions = [v.strip() for v in args.versions.split(",") if v.strip()]
    bad = [k for k in kinds if k not in KINDS] + [v for v in versions if v not in VERSIONS]
    if bad:
        print(_("lanqing simulate: unknown kind or version %(values)s") % {"values": ", ".join(bad)}, file=sys.stderr)
        return 2
    if args.demo:
        devices = demo_devices()
        if not devices:
            print(_("lanqing simulate: no demo devices are registered (run lanqing demo first)"), file=sys.stderr)
            return 2
    else:
        devices = synthetic_devices(
            count=args.devices, kinds=kinds, versions=versions, password=args.password, faults=faults
        )
    rng = random.Random(args.seed)
    clients = [
        SimClient(device, args.host, args.port, speed=args.speed, rng=random.Random(rng.random()))
        for device in devices
    ]
    print(_("lanqing simulate: %(count)s devices sending to %(address)s") % {
        "count": len(clients), "address": f"{args.host}:{args.port}"}, flush=True)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        tasks = [asyncio.ensure_future(client.run(duration=args.duration or None)) for client in clients]
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, lambda: [task.cancel() for task in tasks])
        if args.duration:
            # A device retries an unreachable receiver for ever; the duration ends that too.
            await asyncio.wait(tasks, timeout=args.duration + CONNECT_GRACE)
            for task in tasks:
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(main())
    sent = sum(client.stats.sent for client in clients)
    acked = sum(client.stats.acked for client in clients)
    print(_("lanqing simulate: %(sent)s frames sent, %(acked)s acknowledged") % {"sent": sent, "acked": acked})
    if clients and not any(client.stats.connected for client in clients):
        print(_("lanqing simulate: no device could connect to %(address)s") % {"address": f"{args.host}:{args.port}"},
              file=sys.stderr)
        return 1
    return 0


def register(sub: Any) -> None:
    simulate = command_add(sub, "simulate", run_simulate, _("simulate HJ 212 devices sending data to a receiver"))
    simulate.add_argument("--host", default="127.0.0.1")
    simulate.add_argument("--port", type=int, default=9212)
    simulate.add_argument(
        "--demo", action="store_true", help=_("the demo's registered devices, sending live data")
    )
    simulate.add_argument("--devices", type=int, default=3, help=_("devices per kind and protocol version"))
    simulate.add_argument("--kinds", default="air,gas,water", help=_("comma-separated: air, gas, water"))
    simulate.add_argument("--versions", default="2005,2017,2025", help=_("comma-separated protocol versions"))
    simulate.add_argument("--password", default="123456")
    simulate.add_argument("--speed", type=float, default=1.0, help=_("time runs this many times faster"))
    simulate.add_argument(
        "--faults",
        default="",
        help=_("comma-separated: offline, exceedance, constant, bad-crc, junk, split, slow"),
    )
    simulate.add_argument(
        "--duration", type=float, default=0.0, help=_("stop after this many seconds (0: never)")
    )
    simulate.add_argument("--seed", type=int, default=212)
