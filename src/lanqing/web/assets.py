"""Build steps for things not kept in git: compiled translation catalogues."""

from __future__ import annotations

import os
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def compile_catalogues() -> list[Path]:
    """Writes each django.mo from its .po in pure Python, so no gettext tools are needed at install."""
    written = []
    for po_path in LOCALE_DIR.glob("*/LC_MESSAGES/*.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        # Written aside and renamed into place: processes that start together (the demo's, a test's servers)
        # each compile, and a reader must never load a half-written catalogue.
        partial = mo_path.with_name(f"{mo_path.name}.{os.getpid()}.tmp")
        polib.pofile(str(po_path)).save_as_mofile(str(partial))
        os.replace(partial, mo_path)
        written.append(mo_path)
    return written
