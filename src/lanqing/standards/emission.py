"""Emission checks: reference-oxygen conversion, a limit catalogue kept as data, exceedance, emission
amounts."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

# GB 13271-2014 §5.2 formula (1) [V]: ρ = ρ′ × (21 − φ_ref) / (21 − φ′), O2 in %.
AIR_O2 = 21.0


def o2_correct(measured: Any, o2_measured: Any, o2_reference: float) -> np.ndarray:
    """Concentration converted to the reference O2 (折算浓度). NaN where the measured O2 is not below 21 %,
    negative, or missing: no made-up number from an impossible oxygen reading."""
    rho = np.asarray(measured, dtype=np.float64)
    phi = np.asarray(o2_measured, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = (phi >= 0) & (phi < AIR_O2) & (rho >= 0)
        return np.where(ok, rho * (AIR_O2 - o2_reference) / (AIR_O2 - phi), np.nan)


@dataclass(frozen=True)
class LimitSet:
    key: str  # e.g. "GB13271-2014:coal:existing"
    title: str
    medium: str  # "gas" or "water"
    limits: dict[str, float | tuple[float, float]]  # factor -> upper limit, or (low, high) for pH
    reference_o2: float | None = None
    verified: str = "U"
    notes: str = ""

    def limit(self, factor: str) -> float | tuple[float, float]:
        if factor not in self.limits:
            raise KeyError(f"limit set {self.key} has no limit for {factor}")
        return self.limits[factor]


@dataclass
class LimitCatalogue:
    sets: dict[str, LimitSet] = field(default_factory=dict)

    def __getitem__(self, key: str) -> LimitSet:
        try:
            return self.sets[key]
        except KeyError:
            raise KeyError(f"no emission limit set {key!r} in the catalogue") from None

    def __contains__(self, key: object) -> bool:
        return key in self.sets

    def add(self, limit_set: LimitSet) -> None:
        """Adds or replaces a set (a local standard, or a permit stricter than the national limit)."""
        self.sets[limit_set.key] = limit_set

    def extend(self, data: Mapping[str, Any]) -> None:
        """Adds the sets of a mapping shaped like data/emission_limits.json."""
        for key, entry in data.items():
            if key.startswith("_"):
                continue
            self.add(_limit_set(key, entry))

    def extend_rows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Adds limits from flat rows (e.g. database rows): key, title, medium, reference_o2, factor, limit
        (and limit_low for a range such as pH). Rows of one key build one set; later rows override earlier ones.
        """
        grouped: dict[str, dict[str, Any]] = {}
        for row in rows:
            entry = grouped.setdefault(
                row["key"],
                {
                    "title": row.get("title", row["key"]),
                    "medium": row.get("medium", "gas"),
                    "reference_o2": row.get("reference_o2"),
                    "verified": row.get("verified", "U"),
                    "limits": {},
                },
            )
            low = row.get("limit_low")
            entry["limits"][row["factor"]] = [low, row["limit"]] if low is not None else row["limit"]
        for key, entry in grouped.items():
            if key in self.sets:
                merged = dict(self.sets[key].limits)
                merged.update(_limit_set(key, entry).limits)
                entry = {**entry, "limits": merged}
            self.add(_limit_set(key, entry))


def _limit_set(key: str, entry: Mapping[str, Any]) -> LimitSet:
    limits: dict[str, float | tuple[float, float]] = {}
    for factor, value in entry["limits"].items():
        if isinstance(value, (list, tuple)):
            low, high = (float(v) for v in value)
            limits[factor] = (low, high)
        else:
            number = float(value)
            if not number > 0:
                raise ValueError(f"limit set {key}: the limit of {factor} must be a positive number")
            limits[factor] = number
    reference = entry.get("reference_o2")
    if entry.get("medium", "gas") not in ("gas", "water"):
        raise ValueError(f"limit set {key}: medium must be gas or water")
    return LimitSet(
        key,
        str(entry.get("title", key)),
        str(entry.get("medium", "gas")),
        limits,
        None if reference is None else float(reference),
        str(entry.get("verified", "U")),
        str(entry.get("notes", "")),
    )


def load_catalogue(path: str | Path | None = None) -> LimitCatalogue:
    """The national catalogue shipped with lanqing, plus the sets of `path` (same JSON shape) if given."""
    catalogue = LimitCatalogue()
    text = (
        resources.files("lanqing.standards").joinpath("data/emission_limits.json").read_text(encoding="utf-8")
    )
    catalogue.extend(json.loads(text))
    if path is not None:
        catalogue.extend(json.loads(Path(path).read_text(encoding="utf-8")))
    return catalogue


@dataclass(frozen=True)
class Exceedance:
    value: np.ndarray  # the value judged: converted to the reference O2 for flue gas when O2 is given
    limit: float | tuple[float, float]
    exceeds: np.ndarray  # bool; False where the value is NaN
    multiple: np.ndarray  # (C − S)/S where exceeding, else NaN (pH: none)
    judged: np.ndarray  # bool: a value was available to judge


def check(
    values: Any, factor: str, limit_set: LimitSet, *, o2: Any = None, permit_limit: float | None = None
) -> Exceedance:
    """Hourly (gas) or daily (water) values against a set's limit; a permit limit, if stricter, wins."""
    x = np.asarray(values, dtype=np.float64)
    if limit_set.medium == "gas" and limit_set.reference_o2 is not None and o2 is not None:
        x = o2_correct(x, o2, limit_set.reference_o2)
    else:
        x = np.where(x >= 0, x, np.nan)
    bound = limit_set.limit(factor)
    judged = ~np.isnan(x)
    if isinstance(bound, tuple):
        with np.errstate(invalid="ignore"):
            exceeds = judged & ((x < bound[0]) | (x > bound[1]))
        return Exceedance(x, bound, exceeds, np.full(x.shape, np.nan), judged)
    s = min(bound, permit_limit) if permit_limit is not None else bound
    with np.errstate(invalid="ignore"):
        exceeds = judged & (x > s)
        multiple = np.where(exceeds, (x - s) / s, np.nan)
    return Exceedance(x, s, exceeds, multiple, judged)


def emission_amount(concentration: Any, flow: Any, *, hours: float | Any = 1.0, medium: str = "gas") -> float:
    """Emission in kg over the period: Σ c × Q × Δt. Gas: mg/m³ × m³/h (dry standard, actual O2 — the measured
    concentration, not the converted one); water: mg/L × m³/h. Missing hours are not filled in: the sum is
    over
    hours with both values, and NaN when there are none."""
    c = np.asarray(concentration, dtype=np.float64)
    q = np.asarray(flow, dtype=np.float64)
    t = np.broadcast_to(np.asarray(hours, dtype=np.float64), c.shape)
    ok = ~np.isnan(c) & ~np.isnan(q) & (c >= 0) & (q >= 0)
    if not ok.any():
        return float("nan")
    mass_mg = (c[ok] * q[ok] * t[ok]).sum() * (1000.0 if medium == "water" else 1.0)  # mg/L × m³ = 1000 mg
    return float(mass_mg / 1e6)
