"""Typed packets. Values stay as the text the device sent; accessors convert on use.

Keeping the text means a stored packet can be re-decoded exactly (``lanqing replay``) and parsing stays
cheap; :meth:`Packet.measurements` is the one place values become floats.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from lanqing.hj212.codes import PERIOD_BY_CN, UNVERIFIED, VALID_FLAG, Period, code_2017
from lanqing.hj212.crc import CrcCheck
from lanqing.hj212.segment import Header, cp_items, parse_time
from lanqing.hj212.versions import Version


def _number(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


@dataclass(slots=True)
class Factor:
    """All ``<code>-<suffix>`` fields of one factor, e.g. ``{"Rtd": "1.2", "Flag": "N"}``."""

    code: str
    fields: dict[str, str]
    # The code as sent when it was a 2005 code (else equal to ``code``).
    source_code: str

    def number(self, suffix: str) -> float | None:
        return _number(self.fields.get(suffix))

    @property
    def rtd(self) -> float | None:
        return _number(self.fields.get("Rtd"))

    @property
    def avg(self) -> float | None:
        return _number(self.fields.get("Avg"))

    @property
    def min(self) -> float | None:
        return _number(self.fields.get("Min"))

    @property
    def max(self) -> float | None:
        return _number(self.fields.get("Max"))

    @property
    def cou(self) -> float | None:
        return _number(self.fields.get("Cou"))

    @property
    def zs_rtd(self) -> float | None:
        return _number(self.fields.get("ZsRtd"))

    @property
    def zs_avg(self) -> float | None:
        return _number(self.fields.get("ZsAvg"))

    @property
    def flag(self) -> str | None:
        return self.fields.get("Flag")

    @property
    def valid(self) -> bool:
        return self.fields.get("Flag", VALID_FLAG) == VALID_FLAG

    @property
    def sample_time(self) -> datetime | None:
        return parse_time(self.fields.get("SampleTime"))

    @property
    def info(self) -> str | None:
        return self.fields.get("Info")


class Measurement(NamedTuple):
    """One decoded value, ready for the measurement table."""

    code: str  # 2017 form
    period: Period
    data_time: datetime | None  # naive, local time of the device (UTC+8 per the standard)
    value: float | None  # Rtd for realtime, Avg for interval data
    flag: str | None  # as sent; None when the device sent none
    converted: float | None  # ZsRtd / ZsAvg (折算)
    cumulative: float | None  # Cou
    minimum: float | None
    maximum: float | None
    sample_time: datetime | None
    source_code: str  # the code as sent


@dataclass(slots=True)
class Packet:
    """A frame that passed the hard checks (length, CRC, decryption). Unknown CNs stay this class."""

    header: Header
    version: Version
    # CP keys that are not factor fields: DataTime, QnRtn, PolId, vendor keys …
    cp: dict[str, str]
    # Factor fields by 2017 code: {"a21026": {"Rtd": "12.3", "Flag": "N"}}, text as sent.
    fields: dict[str, dict[str, str]]
    # Plaintext CP area (decrypted when the packet was encrypted), as sent.
    cp_text: str
    raw: bytes
    crc: CrcCheck
    encrypted: bool = False
    # Segment longer than 1024 (HJ 212 Table 2); accepted and flagged.
    over_length: bool = False
    warnings: tuple[str, ...] = ()
    # 2017 code → code as sent, for codes that were mapped from HJ/T 212-2005.
    source_codes: dict[str, str] | None = None

    @property
    def factors(self) -> dict[str, Factor]:
        """Typed view of ``fields``, built on access."""
        sources = self.source_codes or {}
        return {code: Factor(code, fields, sources.get(code, code)) for code, fields in self.fields.items()}

    @property
    def data_time(self) -> datetime | None:
        return parse_time(self.cp.get("DataTime"))

    def measurements(self) -> Iterator[Measurement]:
        return iter(())


class DataUpload(Packet):
    """Monitoring data: 2011 realtime, 2051 minute, 2061 hourly, 2031 daily."""

    __slots__ = ()

    @property
    def period(self) -> Period:
        return PERIOD_BY_CN[self.header.cn or ""]

    def measurements(self) -> Iterator[Measurement]:
        period = self.period
        data_time = self.data_time
        value_key, converted_key = _VALUE_KEYS[period is Period.RTD]
        sources = self.source_codes or {}
        for code, fields in self.fields.items():
            value, converted = fields.get(value_key), fields.get(converted_key)
            if value is None and converted is None and "Cou" not in fields:
                continue  # e.g. a bare SampleTime or EFlag
            sample = fields.get("SampleTime")
            yield Measurement(
                code,
                period,
                data_time,
                _number(value),
                fields.get("Flag"),
                _number(converted),
                _number(fields.get("Cou")),
                _number(fields.get("Min")),
                _number(fields.get("Max")),
                parse_time(sample) if sample else None,
                sources.get(code, code),
            )


    def stored_values(self) -> Iterator[tuple[str, float | None, str | None, float | None, float | None]]:
        """``(code, value, flag, converted, cumulative)`` of the factors :meth:`measurements` yields, in the
        same order: what the receiver stores, without converting Min, Max and SampleTime, for it runs on
        every packet received (about a quarter of the receiver's decoding time went into those)."""
        value_key, converted_key = _VALUE_KEYS[self.period is Period.RTD]
        for code, fields in self.fields.items():
            value, converted = fields.get(value_key), fields.get(converted_key)
            if value is None and converted is None and "Cou" not in fields:
                continue
            yield code, _number(value), fields.get("Flag"), _number(converted), _number(fields.get("Cou"))


# (value, converted value) field suffixes by "is realtime data".
_VALUE_KEYS = {True: ("Rtd", "ZsRtd"), False: ("Avg", "ZsAvg")}


class HistoryRequest(Packet):
    """Host asks for 2031/2051/2061 data between BeginTime and EndTime (host → field)."""

    __slots__ = ()

    @property
    def begin(self) -> datetime | None:
        return parse_time(self.cp.get("BeginTime"))

    @property
    def end(self) -> datetime | None:
        return parse_time(self.cp.get("EndTime"))


class FacilityState(NamedTuple):
    facility: str  # e.g. "SB1"
    state: int | None  # SBxxx-RS: 0 off, 1 run, 2 calibration, 3 maintenance, 4 alarm, 5 blowback
    run_hours: float | None  # SBxxx-RT: hours run per day (2041)


class FacilityStatus(Packet):
    """Treatment-facility run status (2021, SBxxx-RS) and daily run time (2041, SBxxx-RT)."""

    __slots__ = ()

    def facilities(self) -> list[FacilityState]:
        states = []
        for factor in self.factors.values():
            fields = factor.fields
            if "RS" in fields or "RT" in fields:
                state = fields.get("RS", "")
                states.append(
                    FacilityState(
                        factor.code, int(state) if state.isdigit() else None, _number(fields.get("RT"))
                    )
                )
        return states


class InfoItem(NamedTuple):
    pol_id: str | None  # instrument the item belongs to; None for the data logger itself
    code: str  # i-code, e.g. i12001
    value: str


class SiteInfo(Packet):
    """Site information (3020): instrument states, parameters, logs (``//…//``)."""

    __slots__ = ()

    def items(self) -> list[InfoItem]:
        # Order matters here: each PolId applies to the Info fields that follow it.
        found = []
        pol_id = None
        for key, value in cp_items(self.cp_text):
            if key == "PolId":
                pol_id = value
            elif key.endswith("-Info"):
                found.append(InfoItem(pol_id, key[:-5], value))
        return found


class Registration(SiteInfo):
    """HJ 212-2025 §6.8: the logger uploads hardware IDs (CN 1001) so the platform can assign an MN."""

    __slots__ = ()

    def hardware_ids(self) -> dict[str, str]:
        wanted = UNVERIFIED["registration_info_codes"]
        return {item.code: item.value for item in self.items() if item.code in wanted}


class KeyExchange(Packet):
    """HJ 212-2025 CN 1014: the logger asks for a new SM4 key (SKCreateTime) or the host sets one (NewSK)."""

    __slots__ = ()

    @property
    def key_created(self) -> datetime | None:
        return parse_time(self.cp.get(UNVERIFIED["key_fields"][0]))

    @property
    def new_key(self) -> str | None:
        return self.cp.get(UNVERIFIED["key_fields"][1])


class Reply(Packet):
    """9011 request reply, 9012 execution result, 9013 notification reply, 9014 data reply."""

    __slots__ = ()

    @property
    def request_qn(self) -> str | None:
        # HJ/T 212-2005 replies carry the request's QN inside CP (hj212.md §9 [O]).
        return self.cp.get("QN") or self.header.qn

    @property
    def qn_rtn(self) -> int | None:
        value = self.cp.get("QnRtn", "")
        return int(value) if value.isdigit() else None

    @property
    def exe_rtn(self) -> int | None:
        value = self.cp.get("ExeRtn", "")
        return int(value) if value.isdigit() else None


class Notification(Packet):
    """Field → host notices: 9015 heartbeat, 1013 time-calibration request, 2081 logger restart."""

    __slots__ = ()

    @property
    def restart_time(self) -> datetime | None:
        return parse_time(self.cp.get("RestartTime"))


class ParameterUpload(Packet):
    """Answers to get-commands and host set-commands: 1000, 1011/1012, 1061–1064, 1072."""

    __slots__ = ()

    @property
    def system_time(self) -> datetime | None:
        return parse_time(self.cp.get("SystemTime"))

    @property
    def rtd_interval(self) -> int | None:
        value = self.cp.get("RtdInterval", "")
        return int(value) if value.isdigit() else None

    @property
    def min_interval(self) -> int | None:
        value = self.cp.get("MinInterval", "")
        return int(value) if value.isdigit() else None


_CLASS_BY_CN: dict[str, type[Packet]] = {
    "2011": DataUpload,
    "2051": DataUpload,
    "2061": DataUpload,
    "2031": DataUpload,
    "2021": FacilityStatus,
    "2041": FacilityStatus,
    "3020": SiteInfo,
    "1001": Registration,
    "1014": KeyExchange,
    "9011": Reply,
    "9012": Reply,
    "9013": Reply,
    "9014": Reply,
    "9015": Notification,
    "1013": Notification,
    "2081": Notification,
    "1000": ParameterUpload,
    "1011": ParameterUpload,
    "1012": ParameterUpload,
    "1061": ParameterUpload,
    "1062": ParameterUpload,
    "1063": ParameterUpload,
    "1064": ParameterUpload,
    "1072": ParameterUpload,
}


_Z: str = UNVERIFIED["converted_code_suffix"]

# Every byte except the CP separators is deleted, "," becoming ";": what is left is "=;=;…=" exactly when
# each item has one "=". " " and "/" are kept so that padded items and "//…//" logs (and, harmlessly, any
# other "/") break the pattern and take the general path. One C pass instead of six scans of the text.
_SEPARATORS = bytes.maketrans(b",", b";")
_NOT_SEPARATOR = bytes(byte for byte in range(256) if byte not in b"=;,/ ")


def _simple_items(cp_text: str) -> bool:
    """True when every CP item is ``key=value`` with one ``=`` and the text has no " " or "/"."""
    seps = cp_text.encode("utf-8", "surrogatepass").translate(_SEPARATORS, _NOT_SEPARATOR)
    return seps == b"=;" * (len(seps) >> 1) + b"="


# How a CP key splits: (code, suffix) for a factor field ("a21026-Rtd"), () for anything else. A device
# sends the same keys in every packet, so one dict lookup replaces rpartition and its three new strings.
# Codes are interned through _CODES so that consecutive fields of one factor share one code object and
# the grouping loop can skip the lookup of the factor's dict by identity (an optimisation only: equal
# codes that are not identical still meet in ``grouped``).
_KEY_KINDS: dict[str, tuple[str, str] | tuple[()]] = {}
_CODES: dict[str, str] = {}
_KEY_CACHE_SIZE = 4096  # keys; both caches are dropped together when full (keys come off the wire)
_KEY_CACHE_MAX_LENGTH = 64  # a longer "key" is no factor field worth remembering


def _key_kind(key: str) -> tuple[str, str] | tuple[()]:
    code, dash, suffix = key.rpartition("-")
    if len(key) > _KEY_CACHE_MAX_LENGTH:
        return (code, suffix) if dash and code else ()
    if len(_KEY_KINDS) >= _KEY_CACHE_SIZE:
        _KEY_KINDS.clear()
        _CODES.clear()
    kind: tuple[str, str] | tuple[()] = (_CODES.setdefault(code, code), suffix) if dash and code else ()
    _KEY_KINDS[key] = kind
    return kind


def _group(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """(plain CP keys, factor fields by code as sent): ``<code>-<suffix>`` keys grouped by code."""
    # The hot loop of the parser (~25 fields per packet): locals only, no calls for known keys.
    cp: dict[str, str] = {}
    grouped: dict[str, dict[str, str]] = {}
    kinds = _KEY_KINDS
    last: dict[str, str] | None = None
    last_code = None
    for key, value in pairs:
        try:
            kind = kinds[key]
        except KeyError:  # first sight of this key (cheaper than .get() for the usual hit)
            kind = _key_kind(key)
        if kind:
            code, suffix = kind
            if code is not last_code:
                last_code = code
                last = grouped.get(code)
                if last is None:
                    last = grouped[code] = {}
            last[suffix] = value  # type: ignore[index]  # set together with last_code
        elif key == "Flag" and last is not None and "Flag" not in last:
            # A bare "Flag=N" after a factor belongs to it (dust-site loggers, hj212.md §4 [O]).
            last["Flag"] = value
        else:
            cp[key] = value
    cp.pop("", None)
    return cp, grouped


def build_packet(
    header: Header,
    version: Version,
    cp_text: str,
    raw: bytes,
    crc: CrcCheck,
    encrypted: bool,
    over_length: bool,
    warnings: list[str],
) -> Packet:
    """Group CP items by factor and pick the packet class from CN."""
    if _simple_items(cp_text):
        # Every item has exactly one "=", so splitting on "=" and ";" together pairs keys with values
        # (about a third faster than partitioning item by item).
        text = cp_text.replace(",", ";") if "," in cp_text else cp_text
        parts = iter(text.replace("=", ";").split(";"))
        cp, grouped = _group(zip(parts, parts, strict=True))
    else:
        cp, grouped = _group(cp_items(cp_text))
    sources = None
    # 2017 codes have six characters; 2005 codes two or three; "z-" marks a 2005-era converted value.
    # Lower-case "z" is rare in CP text while "-" is in every key, so a one-character memchr goes first.
    if grouped and (min(map(len, grouped)) <= 3 or (_Z in cp_text and _Z + "-" in cp_text)):
        grouped, sources = _map_2005(grouped, header.st)
    if header.pnum is None and "PNUM" in cp and "PNO" in cp:
        # PNUM/PNO sent inside CP by some loggers (hj212.md §2 [O]).
        header.pnum = int(cp["PNUM"]) if cp["PNUM"].isdigit() else None
        header.pno = int(cp["PNO"]) if cp["PNO"].isdigit() else None
        warnings.append("PNUM/PNO inside CP")
    cls = _CLASS_BY_CN.get(header.cn or "", Packet)
    if cls is DataUpload and "BeginTime" in cp and not grouped:
        cls = HistoryRequest
    return cls(
        header, version, cp, grouped, cp_text, raw, crc, encrypted, over_length, tuple(warnings), sources
    )


def _map_2005(
    grouped: dict[str, dict[str, str]], st: str | None
) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    mapped: dict[str, dict[str, str]] = {}
    sources: dict[str, str] = {}
    for code, fields in grouped.items():
        target = code_2017(code, st)
        if code.endswith(_Z) and len(code) > 1:
            base = code_2017(code[:-1], st)
            if base != code[:-1] or len(base) == 6:
                # "01z-Rtd" is the converted value of 01 in 2005-era devices (hj212.md §8 [O]).
                target = base
                fields = {"Zs" + suffix: value for suffix, value in fields.items() if suffix != "Flag"}
                code = code[:-1]
        existing = mapped.get(target)
        if existing is None:
            mapped[target] = dict(fields)
        else:
            existing.update(fields)
        if target != code:
            sources[target] = code
    return mapped, sources
