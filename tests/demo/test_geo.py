"""Placing demo objects inside the real county boundary."""

from lanqing.demo.catalogue import TOWNSHIP_ANCHORS
from lanqing.demo.geo import boundary_polygons, contains, place_near
from lanqing.org.divisions import GU_COUNTY_BOUNDARY

POLYGONS = boundary_polygons(GU_COUNTY_BOUNDARY)


def test_the_county_seat_lies_inside_and_linfen_city_outside_the_boundary():
    assert contains(POLYGONS, 111.920207, 36.26855)  # DataV "center" of 古县, the seat in 岳阳镇
    assert not contains(POLYGONS, 111.5531, 36.0783)  # 临钢医院 station in Linfen city
    assert not contains(POLYGONS, 112.15, 36.55)  # inside the bounding box, outside the outline


def test_every_township_anchor_lies_inside_the_boundary():
    for code, (lon, lat) in TOWNSHIP_ANCHORS.items():
        assert contains(POLYGONS, lon, lat), code


def test_placement_is_inside_the_boundary_and_the_same_every_time():
    anchor = (111.86, 36.10)  # near the south-western edge, so some draws fall outside and are retried
    points = [place_near(POLYGONS, anchor, f"key-{i}", radius_km=8) for i in range(30)]
    assert all(contains(POLYGONS, lon, lat) for lon, lat in points)
    assert points == [place_near(POLYGONS, anchor, f"key-{i}", radius_km=8) for i in range(30)]
    assert len(set(points)) == 30
