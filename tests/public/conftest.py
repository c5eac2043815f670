"""Public reports on top of the shared cast: a matrix row for complaints, photos with and without metadata."""

from __future__ import annotations

import struct

import pytest

from tests.cases.conftest import TUESDAY  # noqa: F401 - a fixed working day for the clocks

# A point in 岳阳镇, inside the county boundary, and one far outside it (Beijing).
INSIDE = ("111.920000", "36.270000")
OUTSIDE = ("116.400000", "39.900000")


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg_with_gps() -> bytes:
    """A JPEG whose EXIF names a place and a phone; the image segments after it are what must survive."""
    exif = b"Exif\x00\x00GPSLatitude=36.27;Make=HUAWEI;Model=P40"
    return (b"\xff\xd8" + _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
            + _segment(0xE1, exif) + _segment(0xFE, b"shot by Zhang San")
            + _segment(0xDB, b"\x00" + bytes(range(64))) + _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
            + b"\x12\x34\x56\x78" * 8 + b"\xff\xd9")


@pytest.fixture
def public_setup(cast):
    from lanqing.cases.models import ResponsibilityRule

    ResponsibilityRule.objects.create(category="complaint", lead_unit=cast.department, note="群众举报")
    return cast


@pytest.fixture(autouse=True)
def _public_warnings_forgotten():
    """The banner keeps the warnings in force in the process; a test's rolled-back warnings must not show in the
    next test's pages."""
    from lanqing.public.tracking import tracking_forget
    from lanqing.public.warnings import warnings_forget

    warnings_forget()
    tracking_forget()
    yield
    warnings_forget()
    tracking_forget()
