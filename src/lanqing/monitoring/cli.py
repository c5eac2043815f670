"""Sub-commands of ``lanqing`` on the monitoring data: replay, device import, packets export."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from lanqing.bootstrap import command_add, django_setup

# Models and services are imported inside each command, after django_setup(): Django must be configured
# before they load, and the commands that need no database start without it.
from lanqing.cli_language import gettext as _
from lanqing.hj212 import CHINA


def cmd_replay(args: argparse.Namespace) -> int:
    django_setup()
    from lanqing.monitoring.ingest.replay import packets_replay

    since = _parse_since(args.since) if args.since else None
    if args.since and since is None:
        return _since_refused(args.since, command="replay")
    count = packets_replay(mn=args.mn, since=since)
    print(
        _("lanqing replay: %(packets)s raw packets read, %(decoded)s decoded, %(measurements)s measurements "
          "written, %(skipped)s skipped")
        % {"packets": count.packets, "decoded": count.decoded, "measurements": count.measurements,
           "skipped": count.skipped}
    )
    return 0


def _parse_since(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value.replace(tzinfo=CHINA) if value.tzinfo is None else value


def _since_refused(text: str, *, command: str) -> int:
    print(
        f"lanqing {command}: "
        + _("--since %(value)s: write a date or time like 2026-01-31 or 2026-01-31T08:00 (Beijing time)")
        % {"value": repr(text)},
        file=sys.stderr,
    )
    return 2


def cmd_device_import(args: argparse.Namespace) -> int:
    django_setup()
    from lanqing.monitoring.device_import import devices_import

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(_("lanqing device import: cannot read %(file)s: %(reason)s") % {"file": path, "reason": exc.strerror},
              file=sys.stderr)
        return 2
    result = devices_import(data, dry_run=args.dry_run)
    for error in result.errors:
        # English like the reasons and the summary the device import service writes.
        print(f"{path.name}: line {error.line}, column {error.column}: {error.reason}", file=sys.stderr)
    print(result.summary())
    if result.file_error:
        return 2
    return 1 if result.errors else 0


def cmd_packets_export(args: argparse.Namespace) -> int:
    django_setup()
    from lanqing.monitoring.packet_export import packets_export

    since = _parse_since(args.since) if args.since else None
    if args.since and since is None:
        return _since_refused(args.since, command="packets export")
    try:
        with open(args.output, "w", encoding="utf-8-sig", newline="") as out:
            count = packets_export(out, mn=args.mn, since=since)
    except OSError as exc:
        print(_("lanqing packets export: cannot write %(file)s: %(reason)s") % {
            "file": args.output, "reason": exc.strerror}, file=sys.stderr)
        return 2
    print(_("lanqing packets export: %(count)s raw packets written to %(file)s") % {"count": count, "file": args.output})
    return 0


def _usage(args: argparse.Namespace) -> int:
    print(_("lanqing %(command)s: name a sub-command; see lanqing %(command)s --help") % {"command": args.command},
          file=sys.stderr)
    return 2


def register(sub: Any) -> None:
    replay = command_add(sub, "replay", cmd_replay, _("decode stored raw packets again and rebuild their measurements"))
    replay.add_argument("--mn")
    replay.add_argument("--since", help=_("only packets received since this Beijing time"))

    device = command_add(sub, "device", _usage, _("register HJ 212 devices"))
    device_sub = device.add_subparsers(dest="device_command", metavar="SUBCOMMAND")
    imp = device_sub.add_parser(
        "import",
        help=_("register or update devices from a CSV or XLSX file"),
        description=_("Columns: mn, password, protocol (2005/2017/2025), point (SITECODE/POINTCODE; the point is "
                      "created when the site exists). Optional: crc_mode, logger_id, and the settings sent on "
                      "connection: reply_timeout and resend_count (1-99, together), rtd_interval (30-3600 s), "
                      "min_interval (minutes), realtime_upload and status_upload (on/off)."),
    )
    imp.add_argument("file")
    imp.add_argument("--dry-run", action="store_true", help=_("check the file and report, change nothing"))
    imp.set_defaults(func=cmd_device_import)

    packets = command_add(sub, "packets", _usage, _("raw packets received from devices"))
    packets_sub = packets.add_subparsers(dest="packets_command", metavar="SUBCOMMAND")
    export = packets_sub.add_parser("export", help=_("export raw packets with arrival time, verdict and reason"))
    export.add_argument("--mn")
    export.add_argument("--since", help=_("only packets received since this Beijing time"))
    export.add_argument("-o", "--output", required=True, help=_("CSV file to write"))
    export.set_defaults(func=cmd_packets_export)
