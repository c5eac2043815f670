"""Placing demo objects inside the real county boundary (GeoJSON), deterministically. No Django."""

from __future__ import annotations

import json
import math
import zlib
from pathlib import Path

import numpy as np

Ring = list[tuple[float, float]]
# A polygon is its outer ring followed by its holes (GeoJSON order).
Polygon = list[Ring]


def boundary_polygons(path: Path) -> list[Polygon]:
    """The polygons of the first feature of a FeatureCollection (Polygon or MultiPolygon)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    feature = data["features"][0] if data.get("type") == "FeatureCollection" else data
    geometry = feature["geometry"]
    coordinates = geometry["coordinates"]
    if geometry["type"] == "Polygon":
        coordinates = [coordinates]
    return [[[(float(x), float(y)) for x, y, *_ in ring] for ring in polygon] for polygon in coordinates]


def _in_ring(x: float, y: float, ring: Ring) -> bool:
    # Even-odd ray casting; good for a county outline at metre scale, no projection needed.
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def contains(polygons: list[Polygon], lon: float, lat: float) -> bool:
    return any(_in_ring(lon, lat, polygon[0]) and not any(_in_ring(lon, lat, hole) for hole in polygon[1:])
               for polygon in polygons)


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
