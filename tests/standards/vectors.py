"""The shared test vectors (specs/aqi_vectors.json) and CNEMC station records (data/air_quality)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

SHARED = Path(__file__).resolve().parents[3] / "shared"
if not SHARED.exists():  # the repository sits in /work/main, the shared folder in /work/shared
    SHARED = Path("/work/shared")
VECTORS = SHARED / "specs" / "aqi_vectors.json"
AIR_QUALITY = SHARED / "data" / "air_quality"


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
