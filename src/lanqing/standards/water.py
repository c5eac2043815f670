"""Surface water quality per GB 3838-2002: class per factor, section class, exceedance, river status.

Classes are integers: 1 … 5 for Ⅰ … Ⅴ and 6 for 劣Ⅴ (worse than Ⅴ); 0 means no value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType
from typing import Any

import numpy as np

from lanqing.standards import unverified

WORSE_THAN_V = 6
CLASS_NAMES = ("", "Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "劣Ⅴ")
CLASS_ASCII = ("", "I", "II", "III", "IV", "V", "劣V")
# 地表水环境质量评价办法(试行) [S: ipa361, xing528]: qualitative grade per class.
GRADE_ZH = ("", "优", "优", "良好", "轻度污染", "中度污染", "重度污染")

# GB 3838-2002 Table 1, mg/L (fecal coliform per L): upper limits of classes Ⅰ … Ⅴ [V: scanned standard p. 2].
LIMITS = MappingProxyType(
    {
        "CODMn": (2, 4, 6, 10, 15),
        "COD": (15, 15, 20, 30, 40),
        "BOD5": (3, 3, 4, 6, 10),
        "NH3-N": (0.15, 0.5, 1.0, 1.5, 2.0),
        "TP": (0.02, 0.1, 0.2, 0.3, 0.4),
        "TN": (0.2, 0.5, 1.0, 1.5, 2.0),  # lakes and reservoirs
        "Cu": (0.01, 1.0, 1.0, 1.0, 1.0),
        "Zn": (0.05, 1.0, 1.0, 2.0, 2.0),
        "F": (1.0, 1.0, 1.0, 1.5, 1.5),  # fluoride as F⁻
        "Se": (0.01, 0.01, 0.01, 0.02, 0.02),
        "As": (0.05, 0.05, 0.05, 0.1, 0.1),
        "Hg": (0.00005, 0.00005, 0.0001, 0.001, 0.001),
        "Cd": (0.001, 0.005, 0.005, 0.005, 0.01),
        "Cr6": (0.01, 0.05, 0.05, 0.05, 0.1),
        "Pb": (0.01, 0.01, 0.05, 0.05, 0.1),
        "CN": (0.005, 0.05, 0.2, 0.2, 0.2),
        "phenol": (0.002, 0.002, 0.005, 0.01, 0.1),  # volatile phenol
        "petroleum": (0.05, 0.05, 0.05, 0.5, 1.0),
        "LAS": (0.2, 0.2, 0.2, 0.3, 0.3),
        "S2-": (0.05, 0.1, 0.2, 0.5, 1.0),  # sulfide
        "fecal_coliform": (200, 2000, 10000, 20000, 40000),  # per L
    }
)
# GB 3838-2002 Table 1 item 8: TP of lakes and reservoirs.
LAKE_TP = (0.01, 0.025, 0.05, 0.1, 0.2)
# GB 3838-2002 Table 1 item 3: DO lower limits (higher is better); class Ⅰ is 90 % saturation or 7.5 mg/L.
DO_MIN = (7.5, 6, 5, 3, 2)
# GB 3838-2002 Table 1 item 2: pH 6–9 for every class.
PH_RANGE = (6, 9)

_ALIASES = {
    "CODMN": "CODMn",
    "高锰酸盐指数": "CODMn",
    "COD": "COD",
    "化学需氧量": "COD",
    "BOD5": "BOD5",
    "NH3-N": "NH3-N",
    "NH3N": "NH3-N",
    "氨氮": "NH3-N",
    "TP": "TP",
    "总磷": "TP",
    "TN": "TN",
    "总氮": "TN",
    "DO": "DO",
    "溶解氧": "DO",
    "PH": "pH",
}


def factor_name(name: str) -> str:
    return _ALIASES.get(name.strip().upper(), _ALIASES.get(name.strip(), name.strip()))


def _limits(factor: str, lake: bool) -> tuple[float, ...]:
    if factor == "TP" and lake:
        return LAKE_TP
    if factor not in LIMITS:
        raise KeyError(f"GB 3838-2002 Table 1 has no factor {factor!r}")
    return LIMITS[factor]


def factor_classes(factor: str, values: Any, *, lake: bool = False) -> np.ndarray:
    """Class 1–6 per value (0 where missing or negative). The best class whose limit the value meets: a value
    equal to a limit meets it, and where Ⅰ and Ⅱ share a limit (COD 15) the value is class Ⅰ."""
    factor = factor_name(factor)
    x = np.asarray(values, dtype=np.float64)
    valid = ~np.isnan(x) & (x >= 0)
    if factor == "pH":
        out = np.where((x >= PH_RANGE[0]) & (x <= PH_RANGE[1]), 1, WORSE_THAN_V)
    elif factor == "DO":
        # Higher is better: the best class whose minimum the value reaches.
        bounds = np.array(DO_MIN, dtype=np.float64)
        out = 1 + (x[..., None] < bounds).sum(axis=-1)
    else:
        bounds = np.array(_limits(factor, lake), dtype=np.float64)
        out = 1 + (x[..., None] > bounds).sum(axis=-1)
    return np.where(valid, out, 0).astype(np.int8)


def factor_class(factor: str, value: float, *, lake: bool = False) -> int:
    return int(factor_classes(factor, np.array([value]), lake=lake)[0])


def exceedance_multiples(factor: str, values: Any, *, target: int = 3, lake: bool = False) -> np.ndarray:
    """(C − S)/S against the target class limit where C exceeds it, else NaN; none for pH, DO, temperature."""
    factor = factor_name(factor)
    x = np.asarray(values, dtype=np.float64)
    if factor in ("pH", "DO", "temperature") or not 1 <= target <= 5:
        return np.full(x.shape, np.nan)
    s = _limits(factor, lake)[target - 1]
    with np.errstate(invalid="ignore"):
        return np.where(x > s, (x - s) / s, np.nan)


@dataclass(frozen=True)
class SectionResult:
    water_class: int  # 1–6, 0 when no factor had a value
    class_name: str  # "Ⅲ", "劣Ⅴ"
    grade_zh: str  # 优 / 良好 / 轻度污染 / 中度污染 / 重度污染
    per_factor: dict[str, int]
    worst_factors: tuple[str, ...]
    meets_target: bool | None
    exceeding: dict[str, float]  # factor -> multiple over the target class (rounded to 2 dp for display)
    main_pollutants: tuple[str, ...]  # worse than Ⅲ: top 3 by multiple over class Ⅲ [U]

    @property
    def colour(self) -> str:
        return unverified.WATER_CLASS_COLOURS[self.water_class - 1] if self.water_class else ""

    @property
    def wording_zh(self) -> str:
        """ "符合Ⅲ类" or "劣于Ⅴ类" (GB 3838 §5 reporting words)."""
        if not self.water_class:
            return ""
        return "劣于Ⅴ类" if self.water_class == WORSE_THAN_V else f"符合{CLASS_NAMES[self.water_class]}类"


def section_class(
    sample: Mapping[str, float | None],
    *,
    lake: bool = False,
    target: int | None = None,
    factors: Sequence[str] | None = None,
) -> SectionResult:
    """Single-factor method (GB 3838-2002 §5.1): the section's class is that of its worst factor.

    `factors` limits the assessment (e.g. unverified.WATER_SECTION_FACTORS); other keys are ignored.
    """
    chosen = {factor_name(k): v for k, v in sample.items() if v is not None}
    if factors is not None:
        allowed = {factor_name(f) for f in factors}
        chosen = {k: v for k, v in chosen.items() if k in allowed}
    per_factor: dict[str, int] = {}
    for factor, value in chosen.items():
        if factor == "TN" and not lake and factors is None:
            # 地表水环境质量评价办法: TN is not assessed for rivers [U].
            continue
        if factor not in LIMITS and factor not in ("pH", "DO"):
            continue
        c = factor_class(factor, float(value), lake=lake)
        if c:
            per_factor[factor] = c
    worst = max(per_factor.values(), default=0)
    exceeding: dict[str, float] = {}
    if target:
        for factor, value in chosen.items():
            if factor in per_factor and per_factor[factor] > target:
                m = exceedance_multiples(factor, np.array([float(value)]), target=target, lake=lake)[0]
                if not np.isnan(m):
                    exceeding[factor] = _multiple(float(value), _limits(factor, lake)[target - 1])
    main: tuple[str, ...] = ()
    if worst > 3:
        multiples = {
            f: _multiple(float(chosen[f]), _limits(f, lake)[2])
            for f in per_factor
            if per_factor[f] > 3 and f not in ("pH", "DO")
        }
        main = tuple(sorted(multiples, key=lambda f: -multiples[f])[: unverified.WATER_MAIN_POLLUTANTS])
    return SectionResult(
        worst,
        CLASS_NAMES[worst],
        GRADE_ZH[worst],
        per_factor,
        tuple(f for f, c in per_factor.items() if c == worst and worst),
        None if target is None or not worst else worst <= target,
        exceeding,
        main,
    )


def _multiple(value: float, standard: float) -> float:
    exact = (Fraction(repr(value)) - Fraction(repr(float(standard)))) / Fraction(repr(float(standard)))
    return float(exact)


@dataclass(frozen=True)
class RiverStatus:
    grade_zh: str
    share_i_to_iii: float  # percent
    share_worse_than_v: float
    sections: int
    method: str  # "share of sections" or "mean of sections"


def river_status(
    section_classes: Sequence[int], *, samples: Sequence[Mapping[str, float | None]] = (), lake: bool = False
) -> RiverStatus:
    """River or basin status [S: Shenzhen EEB Q&A]: with >= 5 sections by the share of Ⅰ–Ⅲ and 劣Ⅴ sections;
    with fewer, each factor is averaged over the sections (`samples`) and judged by the single-factor
    method."""
    classes = [c for c in section_classes if c]
    n = len(classes)
    if n == 0:
        raise ValueError("insufficient data: no section has a class")
    good = Fraction(sum(1 for c in classes if c <= 3) * 100, n)
    bad = Fraction(sum(1 for c in classes if c == WORSE_THAN_V) * 100, n)
    if n < unverified.WATER_MIN_SECTIONS_FOR_SHARE:
        if not samples:
            raise ValueError("fewer than 5 sections: give their samples so each factor can be averaged")
        keys = {factor_name(k) for s in samples for k in s}
        mean: dict[str, float | None] = {}
        for key in keys:
            values = [
                float(v) for s in samples for k, v in s.items() if factor_name(k) == key and v is not None
            ]
            mean[key] = sum(values) / len(values) if values else None
        result = section_class(mean, lake=lake)
        return RiverStatus(result.grade_zh, float(good), float(bad), n, "mean of sections")
    if good >= 90:
        grade = "优"
    elif good >= 75:
        grade = "良好"
    elif bad < 20:
        grade = "轻度污染"
    elif bad < 40:
        grade = "中度污染"
    else:
        grade = "重度污染"
    return RiverStatus(grade, float(good), float(bad), n, "share of sections")
