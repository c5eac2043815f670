"""A TrueType font as a PDF embeds it: each character's glyph and width, and a font program of only the glyphs
a document uses.

The font is read once per process and kept (the worker makes report after report with it). A document's font
program keeps every glyph's number, so the PDF can name glyphs by the numbers read here (CIDs equal to glyph
ids), and leaves the outlines of the glyphs it does not use empty: the bytes of each used glyph are copied as
they are, never decoded. Only TrueType outlines (``glyf``) are read; lanqing.reports.fonts turns a CFF font
into such a one. Pure Python: no Django here.
"""

from __future__ import annotations

import io
import struct
from array import array
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy
from fontTools.ttLib import TTFont, TTLibError

# The tables a font program embedded in a PDF needs (PDF 32000-1, 9.9: glyf, head, hhea, hmtx, loca, maxp and
# the hinting tables cvt, fpgm, prep when present), with OS/2 for the metrics some readers check.
EMBEDDED_TABLES = (b"OS/2", b"cvt ", b"fpgm", b"glyf", b"head", b"hhea", b"hmtx", b"loca", b"maxp", b"prep")
# Flags of a composite glyph's component record (OpenType, glyf table).
ARG_1_AND_2_ARE_WORDS, WE_HAVE_A_SCALE, MORE_COMPONENTS = 0x0001, 0x0008, 0x0020
WE_HAVE_AN_X_AND_Y_SCALE, WE_HAVE_A_TWO_BY_TWO = 0x0040, 0x0080
CHECKSUM_MAGIC = 0xB1B0AFBA


class FontUnreadable(ValueError):
    """The file is not a TrueType font with glyf outlines this module can read."""


@dataclass(frozen=True)
class Metrics:
    """What a PDF's font descriptor states, in 1/1000 em."""

    name: str
    ascent: int
    descent: int
    cap_height: int
    bbox: tuple[int, int, int, int]


class TrueTypeFont:
    """One TrueType font file, read for setting text and for embedding subsets of it."""

    def __init__(self, data: bytes):
        try:
            self._read(data)
        except (struct.error, IndexError, KeyError, ValueError, AssertionError, ZeroDivisionError,
                TTLibError) as error:  # a damaged file (fontTools asserts what it expects)
            raise FontUnreadable(f"damaged font file: {error!r}") from error

    def _read(self, data: bytes) -> None:
        self.data = data
        self.tables = _table_directory(data)
        for needed in (b"head", b"hhea", b"maxp", b"hmtx", b"loca", b"glyf", b"cmap"):
            if needed not in self.tables:
                raise FontUnreadable(f"no {needed.decode()} table")
        head = self._table(b"head")
        units, x_min, y_min, x_max, y_max = struct.unpack(">H16x4h", head[18:44])
        long_offsets = struct.unpack(">h", head[50:52])[0] == 1
        self.scale = 1000 / units
        glyphs = struct.unpack(">H", self._table(b"maxp")[4:6])[0]
        if not glyphs:
            raise FontUnreadable("no glyphs")
        loca = array("I" if long_offsets else "H", self._table(b"loca")[: (glyphs + 1) * (4 if long_offsets else 2)])
        if loca.itemsize != (4 if long_offsets else 2):
            raise FontUnreadable("unexpected array item size")
        loca.byteswap()
        self.offsets = loca if long_offsets else array("I", (offset * 2 for offset in loca))
        if len(self.offsets) != glyphs + 1 or self.offsets[-1] > self.tables[b"glyf"][1] or any(
                later < earlier for earlier, later in zip(self.offsets, self.offsets[1:], strict=False)):
            raise FontUnreadable("the glyphs' offsets (loca) do not fit the outlines (glyf)")
        hhea = self._table(b"hhea")
        ascent, descent = struct.unpack(">hh", hhea[4:8])
        metrics_count = struct.unpack(">H", hhea[34:36])[0]
        advances = array("H", self._table(b"hmtx")[: metrics_count * 4])
        advances.byteswap()
        widths = list(advances[0::2])
        widths += [widths[-1]] * (glyphs - len(widths))  # glyphs past the last metric share its advance
        self.widths = [round(width * self.scale) for width in widths]
        parsed = TTFont(io.BytesIO(data), lazy=True)
        self.glyph_of = {point: glyph for point, name in (parsed.getBestCmap() or {}).items()
                         if (glyph := parsed.getGlyphID(name)) < glyphs}
        self.advances = _Advances(self)
        cap_height = ascent
        if b"OS/2" in self.tables and len(self._table(b"OS/2")) >= 90:
            cap_height = struct.unpack(">h", self._table(b"OS/2")[88:90])[0] or ascent
        self.head = head
        self.glyf = memoryview(data)[self.tables[b"glyf"][0]:sum(self.tables[b"glyf"])]
        self.embedded = {tag: self._table(tag) for tag in EMBEDDED_TABLES if tag in self.tables}
        self.metrics = Metrics(name=_postscript_name(parsed), ascent=round(ascent * self.scale),
                               descent=round(descent * self.scale), cap_height=round(cap_height * self.scale),
                               bbox=tuple(round(v * self.scale) for v in (x_min, y_min, x_max, y_max)))

    def _table(self, tag: bytes) -> bytes:
        offset, length = self.tables[tag]
        return self.data[offset:offset + length]

    def glyph(self, char: str) -> int:
        """The glyph of a character; 0 (the font's "missing" glyph) where the font has none."""
        return self.glyph_of.get(ord(char), 0)

    def width(self, text: str, size: float) -> float:
        """The advance of `text` set at `size` points, in points."""
        return sum(map(self.advances.__getitem__, text)) * size / 1000

    def program(self, glyphs: set[int]) -> bytes:
        """A font program holding the outlines of `glyphs` (and the components they are built from) under their
        own numbers, every other glyph empty."""
        glyf, offsets = self.glyf, self.offsets
        wanted = set(glyphs) | {0}
        pending = list(wanted)
        while pending:  # a composite glyph draws others: they come along
            glyph = pending.pop()
            for part in _components(glyf[offsets[glyph]:offsets[glyph + 1]]):
                if part not in wanted and part < len(offsets) - 1:
                    wanted.add(part)
                    pending.append(part)
        kept = sorted(glyph for glyph in wanted if glyph < len(offsets) - 1)
        pieces = [bytes(glyf[offsets[glyph]:offsets[glyph + 1]]) for glyph in kept]
        pieces = [piece + b"\0" * (-len(piece) % 4) for piece in pieces]
        # Each glyph's offset is where the kept glyphs before it end: the lengths of the kept glyphs, placed at
        # the glyph after each, summed up (numpy: a Python loop over 65,535 glyphs would cost milliseconds).
        lengths = numpy.zeros(len(offsets), dtype=numpy.uint32)
        lengths[numpy.array(kept, dtype=numpy.int64) + 1] = [len(piece) for piece in pieces]
        head = bytearray(self.head)
        head[8:12] = b"\0\0\0\0"  # checkSumAdjustment, set once the whole file is known
        head[50:52] = struct.pack(">h", 1)  # long loca offsets
        tables = dict(self.embedded)
        tables.update({b"head": bytes(head), b"glyf": b"".join(pieces),
                       b"loca": numpy.cumsum(lengths).astype(">u4").tobytes()})
        return _font_file(tables)


class _Advances(dict[str, int]):
    """Each character's advance in 1/1000 em, looked up once (text is measured character by character)."""

    def __init__(self, font: TrueTypeFont):
        super().__init__()
        self.font = font

    def __missing__(self, char: str) -> int:
        advance = self[char] = self.font.widths[self.font.glyph(char)]
        return advance


@lru_cache(maxsize=2)
def _opened(path: str, _size: int, _mtime: float) -> TrueTypeFont:
    return TrueTypeFont(Path(path).read_bytes())


def opened(path: Path) -> TrueTypeFont:
    """The font at `path`, read once per process (again when the file changes)."""
    about = path.stat()
    return _opened(str(path), about.st_size, about.st_mtime)


def _table_directory(data: bytes) -> dict[bytes, tuple[int, int]]:
    if len(data) < 12 or data[:4] not in (b"\0\1\0\0", b"true"):
        raise FontUnreadable("not a TrueType font file")
    count = struct.unpack(">H", data[4:6])[0]
    tables = {}
    for index in range(count):
        tag, _checksum, offset, length = struct.unpack(">4sIII", data[12 + 16 * index:28 + 16 * index])
        if offset + length > len(data):
            raise FontUnreadable(f"table {tag!r} runs past the end of the file")
        tables[tag] = (offset, length)
    return tables


def _components(glyph: bytes | memoryview) -> list[int]:
    """The glyphs a composite glyph is drawn from; none for a simple glyph."""
    if len(glyph) < 10 or struct.unpack(">h", glyph[:2])[0] >= 0:
        return []
    parts, at = [], 10
    while at + 4 <= len(glyph):
        flags, part = struct.unpack(">HH", glyph[at:at + 4])
        parts.append(part)
        at += 4 + (4 if flags & ARG_1_AND_2_ARE_WORDS else 2)
        if flags & WE_HAVE_A_SCALE:
            at += 2
        elif flags & WE_HAVE_AN_X_AND_Y_SCALE:
            at += 4
        elif flags & WE_HAVE_A_TWO_BY_TWO:
            at += 8
        if not flags & MORE_COMPONENTS:
            break
    return parts


def _checksum(data: bytes) -> int:
    padded = array("I", data + b"\0" * (-len(data) % 4))
    padded.byteswap()
    return sum(padded) & 0xFFFFFFFF


def _font_file(tables: dict[bytes, bytes]) -> bytes:
    tags = sorted(tables)
    count = len(tags)
    power = 1 << (count.bit_length() - 1)
    header = struct.pack(">4sHHHH", b"\0\1\0\0", count, power * 16, power.bit_length() - 1, count * 16 - power * 16)
    directory, body, at = [], [], 12 + 16 * count
    for tag in tags:
        data = tables[tag]
        directory.append(struct.pack(">4sIII", tag, _checksum(data), at, len(data)))
        padded = data + b"\0" * (-len(data) % 4)
        body.append(padded)
        at += len(padded)
    whole = bytearray(header + b"".join(directory) + b"".join(body))
    head_at = struct.unpack(">I", whole[12 + 16 * tags.index(b"head") + 8:12 + 16 * tags.index(b"head") + 12])[0]
    whole[head_at + 8:head_at + 12] = struct.pack(">I", (CHECKSUM_MAGIC - _checksum(bytes(whole))) & 0xFFFFFFFF)
    return bytes(whole)


def _postscript_name(parsed: TTFont) -> str:
    name = parsed["name"].getDebugName(6) if "name" in parsed else None
    cleaned = "".join(char for char in (name or "Font") if char.isascii() and char.isalnum() or char in "-_")
    return cleaned or "Font"
