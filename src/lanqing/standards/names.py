"""The names of the standards the emission limit catalogue cites, in Chinese and English, by number.

A limit set's key starts with its standard's number without the space (``GB13223-2011:special:coal``); people
know a standard by its name and number (《火电厂大气污染物排放标准》GB 13223-2011), never by the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class StandardName:
    number: str  # "GB 13223-2011"
    zh: str
    en: str

    def label(self, language: str) -> str:
        if language.startswith("zh"):
            return f"《{self.zh}》{self.number}"
        return f"{self.en} ({self.number})"


# Titles as printed on each standard's cover page.
_NAMES = (
    StandardName("GB 13223-2011", "火电厂大气污染物排放标准",
                 "Emission standard of air pollutants for thermal power plants"),
    StandardName("GB 13271-2014", "锅炉大气污染物排放标准", "Emission standard of air pollutants for boiler"),
    StandardName("GB 18918-2002", "城镇污水处理厂污染物排放标准",
                 "Discharge standard of pollutants for municipal wastewater treatment plant"),
    StandardName("GB 8978-1996", "污水综合排放标准", "Integrated wastewater discharge standard"),
    StandardName("GB 16171-2012", "炼焦化学工业污染物排放标准",
                 "Emission standard of pollutants for coking chemical industry"),
    StandardName("GB 4915-2013", "水泥工业大气污染物排放标准",
                 "Emission standard of air pollutants for cement industry"),
    StandardName("GB 29620-2013", "砖瓦工业大气污染物排放标准",
                 "Emission standard of air pollutants for brick and tile industry"),
    StandardName("GB 20426-2006", "煤炭工业污染物排放标准", "Emission standard for pollutants from coal industry"),
)
BY_NUMBER = {name.number.replace(" ", ""): name for name in _NAMES}
_NUMBER = re.compile(r"^([A-Z]+(?:/T)?)(\d+(?:\.\d+)?-\d{4})")


def standard_of(limit_set_key: str) -> StandardName | None:
    """The standard a limit set's key names, if its number is one we know."""
    match = _NUMBER.match(limit_set_key)
    return BY_NUMBER.get(match.group(0)) if match else None
