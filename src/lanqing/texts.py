"""Text the system writes for people, stored as a message key with parameters and rendered for the reader.

A stored text is a JSON object ``{"key": msgid, "params": {...}}``. The key is an English msgid with named
placeholders, marked with ``gettext_noop`` where it is written so that makemessages collects it; rendering
translates it into the language active when it is read, so a case opened while someone used the English
interface still reads in Chinese for a Chinese reader. Only what a person typed is stored as typed.

Parameter values:
- ``str`` and ``int``: shown as they are (names, codes, counts);
- ``float``: a measured value, formatted for people in the reader's locale (no exponent notation);
- ``message(...)``: a nested text, rendered in the same language (e.g. "never" inside a sentence);
- ``names(zh=..., en=...)``: a name kept as data in both languages (factor names);
- ``moment(time)``: a time, shown in the local time zone;
- ``items([...])``: a list, joined with the reader's list separator.

A model keeps the stored text in a JSON field ``<field>_text`` beside the plain field ``<field>``. The plain
field holds what a person typed, or for a system text its rendering in the installation's language (what
searches and exports of older versions read); ``render(row.<field>_text or row.<field>)`` shows either.
``split`` makes the pair when writing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import get_language, gettext, override
from django.utils.translation import gettext_noop as gettext_noop

Stored = dict[str, Any]

__all__ = ["Stored", "gettext_noop", "items", "message", "moment", "names", "number", "render",
           "split"]


def message(key: str, **params: Any) -> Stored:
    """A text to store: `key` is a msgid marked with gettext_noop by the caller."""
    return {"key": key, "params": params}


def names(*, zh: str, en: str) -> Stored:
    return {"names": {"zh-hans": zh, "en": en or zh}}


def moment(time: datetime, *, precision: str = "minute") -> Stored:
    """precision: "minute" (month-day hour:minute), "date" (year-month-day) or "datetime" (both in full)."""
    return {"time": time.isoformat(), "precision": precision}


def items(values: Iterable[Any]) -> Stored:
    return {"items": list(values)}


def number(value: float | int | None) -> str:
    """A measured value for people: at most four significant digits, grouped thousands, no exponent."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    magnitude = abs(value)
    if magnitude >= 1000 or float(value).is_integer():
        decimals = 0
    else:
        decimals = max(0, 3 - math.floor(math.log10(magnitude))) if magnitude else 0
    shown = formats.number_format(round(float(value), decimals), decimal_pos=decimals, use_l10n=True,
                                  force_grouping=magnitude >= 10000)
    if "." in shown and decimals:
        shown = shown.rstrip("0").rstrip(".")
    return shown


_TIME_FORMATS = {"minute": "%m-%d %H:%M", "date": "%Y-%m-%d", "datetime": "%Y-%m-%d %H:%M"}


def _param(value: Any) -> Any:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return number(value)
    if isinstance(value, dict):
        if "key" in value:
            return render(value)
        if "names" in value:
            language = (get_language() or "zh-hans").lower()
            choices = value["names"]
            return choices.get("en" if language.startswith("en") else "zh-hans") or next(iter(choices.values()))
        if "time" in value:
            local = timezone.localtime(datetime.fromisoformat(value["time"]))
            return f"{local:{_TIME_FORMATS.get(value.get('precision', 'minute'), _TIME_FORMATS['minute'])}}"
        if "items" in value:
            separator = ", " if (get_language() or "").lower().startswith("en") else "、"
            return separator.join(str(_param(item)) for item in value["items"])
    return value


def render(stored: Stored | str | None) -> str:
    """The text in the active language; a plain string (typed by a person) is returned as it is."""
    if not stored:
        return ""
    if isinstance(stored, str):
        return stored
    params = {name: _param(value) for name, value in (stored.get("params") or {}).items()}
    template = gettext(stored["key"])
    try:
        return template % params if params else template
    except (KeyError, ValueError, TypeError):
        pass
    # A catalogue entry whose placeholders drifted from the code's: show the source text rather than fail, and
    # the bare key if the stored parameters no longer fit even that (a key changed since the row was written).
    try:
        return stored["key"] % params if params else stored["key"]
    except (KeyError, ValueError, TypeError):
        return stored["key"]


def split(text: Stored | str) -> tuple[str, Stored | None]:
    """The pair a model stores: (plain, stored). A person's text is (text, None); a system text is (its
    rendering in the installation's language, the text)."""
    if isinstance(text, str):
        return text, None
    with override(settings.LANGUAGE_CODE):
        return render(text), text

