"""Code tables of HJ 212 (2005, 2017, 2025) that the receiver needs to decode and answer packets."""

from __future__ import annotations

import enum
from typing import TypedDict


class QnRtn(enum.IntEnum):
    """HJ 212-2017 Table 7: answer to a request (CN 9011)."""

    READY = 1
    REJECTED = 2
    PW_WRONG = 3
    MN_WRONG = 4
    ST_WRONG = 5
    FLAG_WRONG = 6
    QN_WRONG = 7
    CN_WRONG = 8
    CRC_WRONG = 9
    UNKNOWN = 100


class ExeRtn(enum.IntEnum):
    """HJ 212-2017 Table 6: execution result (CN 9012)."""

    SUCCESS = 1
    FAILED = 2
    BAD_CONDITIONS = 3
    TIMEOUT = 4
    BUSY = 5
    SYSTEM_FAULT = 6
    NO_DATA = 100


class Cn(enum.StrEnum):
    """Command codes (HJ 212-2017 Table 9, HJ 212-2025 Table 12). Packets with other CNs are kept too."""

    SET_TIMEOUTS = "1000"
    REGISTER = "1001"  # 2025: logger uploads hardware IDs
    ACTIVATE = "1002"  # 2025: platform assigns the MN
    GET_TIME = "1011"
    SET_TIME = "1012"
    TIME_CALIBRATION_REQUEST = "1013"
    KEY_EXCHANGE = "1014"  # 2025
    GET_RTD_INTERVAL = "1061"
    SET_RTD_INTERVAL = "1062"
    GET_MIN_INTERVAL = "1063"
    SET_MIN_INTERVAL = "1064"
    SET_PASSWORD = "1072"
    REALTIME_DATA = "2011"
    STOP_REALTIME = "2012"
    FACILITY_STATUS = "2021"
    STOP_FACILITY_STATUS = "2022"
    DAY_DATA = "2031"
    FACILITY_RUN_TIME = "2041"
    MINUTE_DATA = "2051"
    HOUR_DATA = "2061"
    RESTART_TIME = "2081"
    SITE_INFO = "3020"
    REQUEST_REPLY = "9011"
    EXECUTION_RESULT = "9012"
    NOTIFICATION_REPLY = "9013"
    DATA_REPLY = "9014"
    HEARTBEAT = "9015"  # 2025, answered with 9013


class Period(enum.StrEnum):
    RTD = "rtd"
    MINUTE = "min"
    HOUR = "hour"
    DAY = "day"


# Data CN → what one value stands for; DataTime is the interval start for 2051/2061/2031 (Table 4).
PERIOD_BY_CN = {"2011": Period.RTD, "2051": Period.MINUTE, "2061": Period.HOUR, "2031": Period.DAY}

# HJ 212-2017 Table 8 plus HJ 212-2025 Table 10 (Td). Only N counts as valid for statistics (Annex D).
DATA_FLAGS = {
    "N": "normal",
    "F": "instrument stopped",
    "M": "maintenance",
    "S": "manually entered",
    "D": "instrument fault",
    "C": "calibration",
    "T": "over measuring range",
    "B": "communication abnormal",
    "Td": "key production-condition parameter fault",
}
VALID_FLAG = "N"

# HJ 212-2017 Table 5, system codes (ST).
SYSTEM_CODES = {
    "21": "surface water quality",
    "22": "air quality",
    "23": "acoustic environment quality",
    "24": "groundwater quality",
    "25": "soil quality",
    "26": "sea water quality",
    "27": "VOC monitoring",
    "31": "atmospheric pollution source",
    "32": "surface-water pollution source",
    "33": "groundwater pollution source",
    "34": "marine pollution source",
    "35": "soil pollution source",
    "36": "noise source",
    "37": "vibration source",
    "38": "radioactive source",
    "39": "construction-site dust",
    "41": "electromagnetic source",
    "51": "flue-gas process",
    "52": "wastewater process",
    "91": "system interaction",
}
# Systems whose 3-digit codes are *not* HJ/T 212-2005 water codes (flue-gas CEMS send vendor codes
# such as 023 or 808 that collide with the water table).
AIR_SYSTEMS = frozenset({"22", "27", "31", "39", "51"})

# HJ 212-2017 Table B.2 column "原编码": HJ/T 212-2005 gas codes → 2017 codes. Only pairs printed in
# the table are mapped; other 2005 codes (05 H2S …) have no 2017 counterpart there and stay verbatim.
GAS_2005 = {
    "01": "a34013",
    "02": "a21026",
    "03": "a21002",
    "04": "a21005",
    "08": "a21024",
    "10": "a21001",
    "30": "a05001",
    "S01": "a19001",
    "S02": "a01011",
    "S03": "a01012",
    "S04": "a01017",
    "S05": "a01014",
    "S06": "a01015",
    "S07": "a01016",
    "S08": "a01013",
    "B02": "a00000",
}
# HJ 212-2017 Table B.1 column "原编码" (after HJ 525-2009): water codes.
WATER_2005 = {
    "B01": "w00000",
    "001": "w01001",
    "003": "w01012",
    "010": "w01017",
    "011": "w01018",
    "015": "w01020",
    "020": "w20111",
    "022": "w20115",
    "023": "w20116",
    "024": "w20117",
    "026": "w20119",
    "027": "w20120",
    "028": "w20121",
    "029": "w20122",
    "030": "w20123",
    "060": "w21003",
    "065": "w21001",
    "070": "w21016",
    "071": "w21019",
    "072": "w21017",
    "080": "w22001",
    "101": "w21011",
    "110": "w23002",
}


def code_2017(code: str, st: str | None) -> str:
    """A factor code in 2017 form: 2005 codes mapped, everything else as sent."""
    if len(code) > 3:
        return code
    mapped = GAS_2005.get(code)
    if mapped is not None:
        return mapped
    if code == "B01" or st not in AIR_SYSTEMS:
        return WATER_2005.get(code, code)
    return code


# Common factor codes (HJ 212-2017 Tables B.1/B.2): code → (name, default unit).
FACTORS = {
    "w00000": ("wastewater flow", "L/s"),
    "w01001": ("pH", ""),
    "w01009": ("dissolved oxygen", "mg/L"),
    "w01010": ("water temperature", "°C"),
    "w01012": ("suspended solids", "mg/L"),
    "w01014": ("conductivity", "µS/cm"),
    "w01017": ("BOD5", "mg/L"),
    "w01018": ("COD", "mg/L"),
    "w01019": ("permanganate index", "mg/L"),
    "w01020": ("TOC", "mg/L"),
    "w21001": ("total nitrogen", "mg/L"),
    "w21003": ("ammonia nitrogen", "mg/L"),
    "w21011": ("total phosphorus", "mg/L"),
    "a00000": ("waste-gas flow", "m³/s"),
    "a01001": ("air temperature", "°C"),
    "a01002": ("humidity", "%"),
    "a01006": ("air pressure", "kPa"),
    "a01007": ("wind speed", "m/s"),
    "a01008": ("wind direction", "°"),
    "a01011": ("flue-gas velocity", "m/s"),
    "a01012": ("flue-gas temperature", "°C"),
    "a01013": ("flue-gas pressure", "kPa"),
    "a01014": ("flue-gas humidity", "%"),
    "a19001": ("O2", "%"),
    "a21002": ("NOx", "mg/m³"),
    "a21003": ("NO", "mg/m³"),
    "a21004": ("NO2", "mg/m³"),
    "a21005": ("CO", "mg/m³"),
    "a21026": ("SO2", "mg/m³"),
    "a34002": ("PM10", "ng/m³"),
    "a34004": ("PM2.5", "ng/m³"),
    "a34013": ("particulate matter", "mg/m³"),
    "a05024": ("O3", ""),
}


class Unverified(TypedDict):
    """Value types of :data:`UNVERIFIED`, so each fact keeps its own type where it is read."""

    flags_possibly_removed_in_2025: tuple[str, ...]
    encrypted_cp_prefix: bytes
    registration_info_codes: tuple[str, ...]
    activation_info_code: str
    key_fields: tuple[str, str]
    converted_code_suffix: str
    reply_2005_flag: int
    uncomputable_converted_value: float
    systems_2025: dict[str, str]
    o3_code: str


# [U] Unverified facts (specs marked [U]/[I]); every use in the package reads them from here so they can
# be corrected in one place once the HJ 212-2025 text has been checked.
UNVERIFIED: Unverified = {
    # hj212_2025.md §9: 2025 Table 10 quoted without F, S, B; treated here as still accepted.
    "flags_possibly_removed_in_2025": ("F", "S", "B"),
    # hj212_2025.md §5: ciphertext written as literal "{0xHH,...}" text, as in the annex figures.
    "encrypted_cp_prefix": b"{0x",
    # hj212_2025.md §7 [I]: 1001 carries logger ID, CPUID, MAC1, MAC2 in these info codes.
    "registration_info_codes": ("i23005", "i23006", "i23007", "i23008"),
    # hj212_2025.md §7 [I]: 1002 names the logger by i23005-Info; the new MN goes in the MN header field.
    "activation_info_code": "i23005",
    # hj212_2025.md §5 [I]: 1014 field names.
    "key_fields": ("SKCreateTime", "NewSK"),
    # hj212.md §8 [O]: suffix z on a code ("01z", "a34013z") marks a converted value in 2005-era devices.
    "converted_code_suffix": "z",
    # hj212.md §9 [O]: 2005 data replies carry the upload's QN and CN inside CP, with Flag=0.
    "reply_2005_flag": 0,
    # hj212.md §10 [U]: 9999.99 sent when a converted value cannot be computed (O2 ≥ 21 %).
    "uncomputable_converted_value": 9999.99,
    # hj212_2025.md §8 [I]: ST 44 electricity use, 45 key production conditions.
    "systems_2025": {"44": "electricity use", "45": "key production conditions"},
    # hj212.md §8 [U]: a05024 used for O3 although absent from HJ 212-2017 Table B.2.
    "o3_code": "a05024",
}
