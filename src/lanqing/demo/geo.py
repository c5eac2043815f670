"""Placing demo objects inside the real county boundary (GeoJSON), deterministically. No Django."""

from __future__ import annotations

import math
import zlib

import numpy as np

from lanqing.org.boundary import Polygon, boundary_polygons, contains

__all__ = ["boundary_polygons", "contains", "place_near"]


def place_near(polygons: list[Polygon], anchor: tuple[float, float], key: str, *,
               radius_km: float = 5.0) -> tuple[float, float]:
    """A point within `radius_km` of `anchor` and inside the boundary, the same for the same key.

    Seeded by the key alone (not the demo seed): enterprises stay where they are whatever data is generated.
    """
    rng = np.random.default_rng(zlib.crc32(key.encode("utf-8")))
    lon0, lat0 = anchor
    # Degrees per km at this latitude, so the spread is round on the ground.
    dlat = 1 / 111.0
    dlon = 1 / (111.0 * math.cos(math.radians(lat0)))
    for _ in range(1000):
        distance = radius_km * math.sqrt(rng.random())
        angle = 2 * math.pi * rng.random()
        lon = round(lon0 + distance * math.cos(angle) * dlon, 6)
        lat = round(lat0 + distance * math.sin(angle) * dlat, 6)
        if contains(polygons, lon, lat):
            return lon, lat
    raise ValueError(f"no point inside the boundary within {radius_km} km of {anchor} for {key!r}")
