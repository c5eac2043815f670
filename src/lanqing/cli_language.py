"""The language the command line speaks: LANQING_LANGUAGE, Chinese unless it says en, as on the web.

Messages are looked up in the web's own compiled catalogue (locale/<language>/LC_MESSAGES/django.mo) with the
standard library's gettext, so the commands that never start Django (``lanqing --help``, ``lanqing simulate``,
``lanqing aqi``) speak the language too. Until ``lanqing init`` has compiled the catalogue, they speak English.
"""

from __future__ import annotations

import gettext as stdlib_gettext
import os
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# Django's language codes and the catalogue folders that hold them; English is the source language.
FOLDERS = {"zh-hans": "zh_Hans", "en": None}
DEFAULT = "zh-hans"

# Loaded catalogues by file and modification time: `lanqing init` compiles a newer one mid-command.
_catalogues: dict[tuple[Path, float], stdlib_gettext.NullTranslations] = {}


def language() -> str:
    """The language of LANQING_LANGUAGE; a bad value speaks the default here, and the settings refuse it with
    the variable's name as soon as a command starts Django."""
    value = os.environ.get("LANQING_LANGUAGE", DEFAULT)
    return value if value in FOLDERS else DEFAULT


def _catalogue() -> stdlib_gettext.NullTranslations:
    folder = FOLDERS[language()]
    if folder is None:
        return stdlib_gettext.NullTranslations()
    path = LOCALE_DIR / str(folder) / "LC_MESSAGES" / "django.mo"
    try:
        key = (path, path.stat().st_mtime)
    except OSError:
        # English until the catalogue is compiled (lanqing init compiles it).
        return stdlib_gettext.NullTranslations()
    if key not in _catalogues:
        with path.open("rb") as file:
            _catalogues[key] = stdlib_gettext.GNUTranslations(file)
    return _catalogues[key]


def gettext(message: str) -> str:
    return _catalogue().gettext(message)


def ngettext(singular: str, plural: str, number: int) -> str:
    return _catalogue().ngettext(singular, plural, number)
