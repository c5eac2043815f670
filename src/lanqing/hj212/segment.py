"""Tolerant reading of a decoded data segment: header fields, the CP area, times.

HJ 212-2017 §6.3.3 orders the header ``QN;ST;CN;PW;MN;Flag;[PNUM;PNO;]CP=&&…&&``; real devices reorder,
drop QN and Flag and use ``,`` for ``;`` (hj212.md §2 [O]). The header is read as unordered ``key=value``
pairs up to ``CP=&&`` and CP runs to the *last* ``&&``. There is no escaping in CP (§6.3.4), only log
text wrapped in ``//…//`` that may contain ``;`` ``,`` ``=``; it is kept as one opaque value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

CP_OPEN = "CP=&&"
CP_CLOSE = "&&"


@dataclass(slots=True)
class Header:
    """Header fields as sent (strings), plus the decoded Flag bits. Missing fields are None."""

    qn: str | None = None
    st: str | None = None
    cn: str | None = None
    pw: str | None = None
    mn: str | None = None
    flag: int | None = None
    pnum: int | None = None
    pno: int | None = None
    # HJ 212-2025 §6.3.3: RF=1 marks resent (补传) data; absent on live data.
    resent: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def ack_wanted(self) -> bool:
        return self.flag is not None and bool(self.flag & 1)

    @property
    def split(self) -> bool:
        # Flag D=1 without PNUM/PNO is treated as unsplit (hj212.md §3).
        return self.pnum is not None and self.pno is not None


def _int_or_none(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


def parse_header(text: str) -> tuple[Header, list[str]]:
    """Header fields from the text before ``CP=&&``; unknown keys go to ``extra``. Never raises."""
    header = Header()
    warnings: list[str] = []
    if "," in text:
        # The standard's own example writes "QN=…534,ST=32".
        text = text.replace(",", ";")
    for item in text.split(";"):
        key, eq, value = item.partition("=")
        if not eq:
            if item.strip():
                warnings.append(f"header item without '=': {item[:40]!r}")
            continue
        if key == "QN":
            header.qn = value
        elif key == "ST":
            header.st = value
        elif key == "CN":
            header.cn = value
        elif key == "PW":
            header.pw = value
        elif key == "MN":
            header.mn = value
        elif key == "Flag":
            header.flag = _flag(value, warnings)
        elif key == "PNUM":
            header.pnum = _int_or_none(value)
        elif key == "PNO":
            header.pno = _int_or_none(value)
        elif key == "RF":
            header.resent = value.strip() == "1"
        else:
            key = key.strip()
            if key in ("QN", "ST", "CN", "PW", "MN", "Flag", "PNUM", "PNO", "RF"):
                # Stray spaces around a known key: parse again without them.
                sub, sub_warnings = parse_header(f"{key}={value.strip()}")
                _merge(header, sub)
                warnings.extend(sub_warnings)
            else:
                header.extra[key] = value
    return header, warnings


def _flag(value: str, warnings: list[str]) -> int | None:
    flag = _int_or_none(value)
    if flag is None or flag > 255:
        warnings.append(f"Flag is not an integer 0-255: {value[:12]!r}")
        return None
    return flag


def _merge(into: Header, other: Header) -> None:
    for name in ("qn", "st", "cn", "pw", "mn", "flag", "pnum", "pno"):
        value = getattr(other, name)
        if value is not None:
            setattr(into, name, value)
    into.resent = into.resent or other.resent


def split_segment(text: str) -> tuple[str, str | None, bool]:
    """(header text, CP text or None when there is no ``CP=&&``, CP closed by ``&&``)."""
    start = text.find(CP_OPEN)
    if start == -1:
        return text, None, False
    begin = start + len(CP_OPEN)
    end = text.rfind(CP_CLOSE, begin)
    if end == -1:
        return text[:start], text[begin:], False
    return text[:start], text[begin:end], True


def cp_items(cp: str) -> list[tuple[str, str]]:
    """CP as ordered (key, value) pairs; ``;`` and ``,`` both separate items (hj212.md §4)."""
    if "//" in cp:
        return _cp_items_with_logs(cp)
    return _plain_items(cp)


def _plain_items(cp: str) -> list[tuple[str, str]]:
    if "," in cp:
        cp = cp.replace(",", ";")
    items = []
    strip = " " in cp
    for item in cp.split(";"):
        key, _, value = item.partition("=")
        if strip:
            key = key.strip()
            value = value.strip()
        if key:
            items.append((key, value))
    return items


def _cp_items_with_logs(cp: str) -> list[tuple[str, str]]:
    # Even parts are ordinary CP text, odd parts the inside of a //…// log (an unclosed log runs to the end).
    items: list[tuple[str, str]] = []
    for index, part in enumerate(cp.split("//")):
        if index % 2 == 0:
            items.extend(_plain_items(part))
        elif items and items[-1][1] == "":
            items[-1] = (items[-1][0], part)
        else:
            items.append(("", part))
    return items


_TIMES: dict[str, datetime | None] = {}


def parse_time(text: str | None) -> datetime | None:
    """``YYYYMMDDhhmmss`` (N14) or the 17-digit form with milliseconds; naive local time (UTC+8)."""
    if text is None:
        return None
    try:
        return _TIMES[text]
    except KeyError:
        pass
    value: datetime | None = None
    if len(text) in (14, 17) and text.isdigit() and text.isascii():
        try:
            value = datetime(  # noqa: DTZ001 - a DataTime is Beijing wall-clock time as sent; ingest adds the zone
                int(text[0:4]),
                int(text[4:6]),
                int(text[6:8]),
                int(text[8:10]),
                int(text[10:12]),
                int(text[12:14]),
                int(text[14:17]) * 1000 if len(text) == 17 else 0,
            )
        except ValueError:
            value = None
    # Devices on one platform send the same few DataTimes; a small cache saves most conversions.
    if len(_TIMES) >= 4096:
        _TIMES.clear()
    _TIMES[text] = value
    return value


def format_time(value: datetime) -> str:
    return value.strftime("%Y%m%d%H%M%S")
