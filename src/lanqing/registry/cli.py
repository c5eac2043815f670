"""``lanqing registry import|export``: the registry workbook on the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lanqing.bootstrap import django_setup
from lanqing.cli_language import gettext as _

# Models and services are imported inside each command, after django_setup(): Django must be configured
# before they load, and the commands that need no database start without it.


def cmd_registry_import(args: argparse.Namespace) -> int:
    django_setup()
    from lanqing.registry.services import describe_error, registry_import
    from lanqing.registry.workbook import LAYOUT

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(_("lanqing registry import: cannot read %(file)s: %(reason)s") % {
            "file": path, "reason": exc.strerror}, file=sys.stderr)
        return 2
    result = registry_import(data=data)
    if result.errors:
        for error in result.errors:
            print(f"{path.name}: {describe_error(error)}", file=sys.stderr)
        print(_("lanqing registry import: %(count)s errors; nothing was written.") % {"count": len(result.errors)},
              file=sys.stderr)
        return 1
    for key, counts in result.counts.items():
        print(_("lanqing registry import: %(sheet)s: %(created)s created, %(updated)s updated, "
                "%(unchanged)s unchanged") % {"sheet": _(LAYOUT[key].label), "created": counts.created, "updated": counts.updated,
                                              "unchanged": counts.unchanged})
    if result.keys_set:
        print(_("lanqing registry import: %(count)s SM4 keys set") % {"count": result.keys_set})
    if result.passwords_missing:
        print(_("lanqing registry import: %(count)s devices have no password and stay disabled until one is set")
              % {"count": result.passwords_missing})
    return 0


def cmd_registry_export(args: argparse.Namespace) -> int:
    django_setup()
    from lanqing.registry.services import registry_export, registry_template

    data = registry_template() if args.template else registry_export()
    try:
        Path(args.file).write_bytes(data)
    except OSError as exc:
        print(_("lanqing registry export: cannot write %(file)s: %(reason)s") % {
            "file": args.file, "reason": exc.strerror}, file=sys.stderr)
        return 2
    print(_("lanqing registry export: %(file)s written") % {"file": args.file})
    return 0


def cmd_registry_usage(args: argparse.Namespace) -> int:
    print(_("usage: lanqing registry import|export FILE.xlsx"), file=sys.stderr)
    return 2


def register(sub) -> None:
    about = _("units, enterprises, sites, points and devices in one workbook")
    registry = sub.add_parser("registry", help=about, description=about)
    registry.add_argument("--data-dir", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    registry.set_defaults(func=cmd_registry_usage)
    actions = registry.add_subparsers(dest="registry_command", metavar="ACTION")
    imp = actions.add_parser("import", help=_("check a workbook as a whole and, if every cell is good, write it"))
    imp.add_argument("file", help=_("an .xlsx workbook in the layout of the export (sheets: units, enterprises, "
                                    "sites, points, devices)"))
    imp.set_defaults(func=cmd_registry_import)
    exp = actions.add_parser("export", help=_("write the registry as a workbook (no passwords, no keys)"))
    exp.add_argument("file")
    exp.add_argument("--template", action="store_true", help=_("write the empty template instead"))
    exp.set_defaults(func=cmd_registry_export)
