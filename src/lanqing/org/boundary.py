"""The county's boundary (GeoJSON) as polygons, and whether a point lies inside it. No Django: the public
report form checks a tapped place with it and the demo places its objects with it."""

from __future__ import annotations

import json
from pathlib import Path

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
