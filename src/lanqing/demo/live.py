"""The demo's history continued live: what a demo device reads at any hour, from the generator of its history.

The stored year and the live values are one function of time (lanqing.demo.series), rounded as the loader
rounds them, so that a demo left running goes on where the history stops: the same factors, no step at the
switch, and the offline spells and faults the generator has in store for the coming hours.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from lanqing.demo import catalogue, series
from lanqing.demo.catalogue import DEMO_SEED


class SiteReadings:
    """Callable: the readings of one demo site for the hour starting at a UTC time, {factor: (value, flag)},
    or None for an hour the device has no values (offline). Generates one canonical block at a time."""

    def __init__(self, kind: str, code: str, *, decimals: dict[str, int], seed: int = DEMO_SEED) -> None:
        self.kind, self.code, self.seed, self.decimals = kind, code, seed, decimals
        self._blocks: dict[int, dict[int, dict[str, tuple[float, str]]]] = {}

    @classmethod
    def of_site(cls, kind: str, code: str, *, decimals: dict[str, int], seed: int = DEMO_SEED
                ) -> SiteReadings | None:
        """The readings of a site of the demo catalogue; None for a site the catalogue does not know."""
        known = {"air": [s.code for s in catalogue.AIR_STATIONS], "water": [s.code for s in catalogue.WATER_SECTIONS],
                 "outlet": [s.code for s in catalogue.OUTLETS]}
        if code not in known.get(kind, []):
            return None
        return cls(kind, code, decimals=decimals, seed=seed)

    def factors(self) -> tuple[str, ...]:
        """The site's factors, in the order the history has them."""
        if self.kind == "air":
            return catalogue.AIR_FACTORS
        if self.kind == "water":
            return catalogue.WATER_FACTORS
        return next(s.factors for s in catalogue.OUTLETS if s.code == self.code)

    def _block(self, number: int) -> dict[int, dict[str, tuple[float, str]]]:
        if number not in self._blocks:
            if len(self._blocks) >= 2:
                self._blocks.pop(min(self._blocks))
            hours: dict[int, dict[str, tuple[float, str]]] = {}
            generated = series.site_series(self.kind, self.code, seed=self.seed,
                                           start=number * series.CALC_BLOCK, n=series.CALC_BLOCK)
            for one in generated:
                values = np.round(one.values, self.decimals.get(one.factor, 1)).tolist()
                for hour, value, flag in zip(one.hours.tolist(), values, one.flags.tolist(), strict=True):
                    hours.setdefault(hour, {})[one.factor] = (value, flag)
            self._blocks[number] = hours
        return self._blocks[number]

    def __call__(self, hour_start: datetime) -> dict[str, tuple[float, str]] | None:
        hour = series.hour_of(np.datetime64(hour_start.astimezone(UTC).replace(tzinfo=None), "h"))
        return self._block(hour // series.CALC_BLOCK).get(hour)
