"""The AQI test vectors and CNEMC station records (copies in tests/data, see its README)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
VECTORS = DATA / "aqi_vectors.json"
AIR_QUALITY = DATA / "air_quality"


@cache
def _all() -> list[dict]:
    return json.loads(VECTORS.read_text(encoding="utf-8"))


def vectors(*kinds: str) -> list[dict]:
    return [v for v in _all() if v["kind"] in kinds]


def vector_id(vector: dict) -> str:
    given = vector["input"]
    if "pollutant" in given:
        return f"{given['standard']}-{given['pollutant']}-{given['averaging']}-{given['concentration']}"
    return json.dumps(given, ensure_ascii=False, sort_keys=True)[:80]
