"""``lanqing backup DEST`` and ``lanqing restore SRC``: the whole installation in one archive and back."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lanqing.bootstrap import command_add, django_setup


def cmd_backup(args: argparse.Namespace) -> int:
    django_setup()
    from lanqing.backup.archive import BackupError, backup_create

    try:
        manifest = backup_create(Path(args.destination))
    except BackupError as error:
        print(f"lanqing backup: {error}", file=sys.stderr)
        return 1
    rows = sum(manifest["tables"].values())
    print(f"lanqing backup: {args.destination}: {manifest['engine']} database, {len(manifest['tables'])} tables, "
          f"{rows} rows, {len(manifest['files'])} files, and the secret key")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    django_setup()
    from lanqing.backup.archive import BackupError, backup_restore

    try:
        manifest = backup_restore(Path(args.source), force=args.force)
    except BackupError as error:
        print(f"lanqing restore: {error}", file=sys.stderr)
        if not error.changed:
            print("lanqing restore: nothing was changed", file=sys.stderr)
        return 1
    rows = sum(manifest["tables"].values())
    print(f"lanqing restore: {args.source} (made {manifest['created_at']}): {len(manifest['tables'])} tables, "
          f"{rows} rows and {len(manifest['files'])} files restored and checked against the manifest")
    print("lanqing restore: run `lanqing init` to upgrade the database, then start the web, worker and receiver")
    return 0


def register(sub) -> None:
    backup = command_add(sub, "backup", cmd_backup, "write the database, uploaded files and secret key to one "
                                                     "archive, consistent while the other processes write")
    backup.add_argument("destination", help="the archive to write (a new .tar file)")
    restore = command_add(sub, "restore", cmd_restore, "restore an archive made by `lanqing backup`, after checking "
                                                       "it against its manifest")
    restore.add_argument("source", help="the archive to read")
    restore.add_argument("--force", action="store_true",
                         help="replace the database and uploaded files when the target is not empty")
