"""Checking and applying a device's registration fields as they come from a table row.

Shared by ``lanqing device import`` and the registry workbook, so a device is held to the same rules
whichever way it is registered. A row is a mapping of column name to cell text; an empty optional cell
leaves the device's value as it is. Each problem names its column and carries its reason as a stored text
(``lanqing.texts``): the registry renders it in the reader's language, the device import in English.
"""

from __future__ import annotations

from dataclasses import dataclass

from lanqing.monitoring.models import MIN_INTERVALS, CrcMode, Device, Protocol
from lanqing.monitoring.services import device_key_current, device_key_replace
from lanqing.texts import Stored, gettext_noop, message

MN_MAX_LENGTH = 27
SM4_KEY_LENGTH = 16
# Optional whole-number settings: column → (lowest, highest, allowed values or None).
NUMBER_SETTINGS: dict[str, tuple[int, int, tuple[int, ...] | None]] = {
    "reply_timeout": (1, 99, None),
    "resend_count": (1, 99, None),
    "rtd_interval": (30, 3600, None),
    "min_interval": (1, 30, MIN_INTERVALS),
}
SWITCH_SETTINGS = ("realtime_upload", "status_upload")
# Every optional column the checks below read, in the order a table shows them.
OPTIONAL = ("crc_mode", "logger_id", "sm4_key", *NUMBER_SETTINGS, *SWITCH_SETTINGS)


@dataclass(frozen=True)
class Problem:
    column: str
    text: Stored

    def english(self) -> str:
        """The reason in English, for the command line of ``lanqing device import``."""
        params = self.text["params"]
        return self.text["key"] % params if params else self.text["key"]


def mn_problem(mn: str) -> Problem | None:
    if not mn:
        return Problem("mn", message(gettext_noop("the MN is empty")))
    if len(mn) > MN_MAX_LENGTH or not mn.isascii() or any(c in mn for c in ";=&, "):
        return Problem("mn", message(gettext_noop(
            "%(value)s is not an MN: at most 27 ASCII characters without ; = & , or spaces"), value=repr(mn)))
    return None


def password_problem(password: str) -> Problem | None:
    """None for a usable password; an empty one is a problem here (callers that allow it check first)."""
    if not password:
        return Problem("password", message(gettext_noop("the password is empty")))
    if not password.isascii() or any(c in password for c in ";=&,"):
        # Not echoed: the message goes to a terminal, a log or a page.
        return Problem("password", message(gettext_noop("the password must be ASCII without ; = & or ,")))
    return None


def protocol_problem(protocol: str) -> Problem | None:
    if protocol not in Protocol.values:
        return Problem("protocol", message(gettext_noop("%(value)s is not one of 2005, 2017, 2025"),
                                           value=repr(protocol)))
    return None


def key_cell_problem(value: object) -> Problem | None:
    # A spreadsheet keeps 15 significant digits of a number: a 16-digit key typed into a number cell has lost
    # its last digit before the file is saved, and would be stored wrong without a word.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Problem("sm4_key", message(gettext_noop(
            "the key is in a number cell, which keeps only 15 digits; enter it as text")))
    return None


def settings_problems(row: dict[str, str]) -> list[Problem]:
    """Problems of the optional columns (CRC mode, logger ID, SM4 key and the settings sent on connection)."""
    problems: list[Problem] = []
    crc_mode = row.get("crc_mode", "")
    if crc_mode and crc_mode not in CrcMode.values:
        problems.append(Problem("crc_mode", message(gettext_noop("%(value)s is not one of %(choices)s"),
                                                    value=repr(crc_mode), choices=", ".join(CrcMode.values))))
    if len(row.get("logger_id", "")) > 40:
        problems.append(Problem("logger_id", message(gettext_noop("the logger ID is longer than 40 characters"))))
    key = row.get("sm4_key", "")
    if key and (len(key) != SM4_KEY_LENGTH or not key.isascii() or not key.isprintable()):
        # Not echoed: the message goes to a terminal and maybe a log.
        problems.append(Problem("sm4_key", message(gettext_noop(
            "the key is not %(length)s printable ASCII characters"), length=SM4_KEY_LENGTH)))
    elif key and row.get("protocol") != Protocol.HJ212_2025:
        problems.append(Problem("sm4_key", message(gettext_noop(
            "only HJ 212-2025 devices (protocol 2025) encrypt with a key"))))
    for name, (lowest, highest, allowed) in NUMBER_SETTINGS.items():
        text = row.get(name, "")
        if not text:
            continue
        number = whole_number(text)
        if number is None or not lowest <= number <= highest or (allowed and number not in allowed):
            if allowed:
                reason = message(gettext_noop("%(value)s is not one of %(choices)s"), value=repr(text),
                                choices=", ".join(map(str, allowed)))
            else:
                reason = message(gettext_noop("%(value)s is not a whole number from %(lowest)s to %(highest)s"),
                                value=repr(text), lowest=lowest, highest=highest)
            problems.append(Problem(name, reason))
    if bool(row.get("reply_timeout")) != bool(row.get("resend_count")):
        column = "resend_count" if row.get("reply_timeout") else "reply_timeout"
        problems.append(Problem(column, message(gettext_noop(
            "the reply timeout and the resend count are set together (CN 1000)"))))
    for name in SWITCH_SETTINGS:
        text = row.get(name, "").lower()
        if text and text not in ("on", "off"):
            problems.append(Problem(name, message(gettext_noop("%(value)s is not on or off"), value=repr(row[name]))))
    return problems


def whole_number(text: str) -> int | None:
    # Spreadsheets hand integers over as "30.0".
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() else None


def device_settings_apply(device: Device, row: dict[str, str]) -> None:
    """Sets the protocol and every optional column given (not saved); empty cells keep the device's value."""
    device.protocol = row["protocol"]
    if row.get("crc_mode"):
        device.crc_mode = row["crc_mode"]
    if row.get("logger_id"):
        device.logger_id = row["logger_id"]
    for name in NUMBER_SETTINGS:
        if row.get(name):
            setattr(device, name, whole_number(row[name]))
    for name in SWITCH_SETTINGS:
        if row.get(name):
            setattr(device, name, row[name].lower())


def device_key_apply(device: Device, key_text: str) -> bool:
    """Makes the given key the device's current one unless it already is (so importing a file again does not
    restart the key's 90-day rotation); True when a key was set."""
    key = key_text.encode("ascii")
    if key and device_key_current(device.id) != key:
        device_key_replace(device_id=device.id, raw=key)
        return True
    return False


def device_password_apply(device: Device, password: str) -> None:
    """Sets the password (not saved). A device registered without one was disabled until it has one, so it
    is enabled now; a device someone disabled on purpose stays disabled."""
    if not device.password_hash:
        device.is_active = True
    device.set_password(password)
