"""The Chinese font a report's PDF embeds.

Reading the installed CJK collection (Noto Sans CJK: 19 MB, 65,535 glyphs) and subsetting it took most of a
report's time, on every report. So a subset of it covering a repertoire is made once and kept in the data
folder: ASCII and Latin-1, the punctuation, symbol and full-width blocks, every character of GB 2312 (the
6,763 common hanzi) and every character of the Chinese catalogue, its outlines turned into TrueType ones
(quadratic curves within one font unit of the cubic ones), which lanqing.reports.truetype reads and embeds by
copying glyph bytes. A text with a character outside the kept subset (a rare character in a name) has the
subset made again with that character added (seconds, once), so no character the font has is ever dropped.
The kept file's name carries the font's size and time and the repertoire's hash: another font, or a catalogue
with new characters, makes a new one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

logger = logging.getLogger(__name__)

CATALOGUE = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# Unicode blocks kept whole: ASCII, Latin-1, Latin Extended-A, general punctuation, super/subscripts, letterlike
# symbols, number forms, arrows, mathematical operators, enclosed numbers, box drawing, geometric shapes,
# CJK symbols and punctuation, half- and full-width forms.
BLOCKS = ((0x20, 0x7F), (0xA0, 0x180), (0x2000, 0x20D0), (0x2100, 0x2300), (0x2460, 0x2600), (0x3000, 0x3040),
          (0xFF00, 0xFFF0))
FOLDER = "fonts"
# Largest distance, in font units (1/1000 em), of a quadratic outline from the cubic one it replaces.
CURVE_ERROR = 1.0


@lru_cache(maxsize=1)
def repertoire() -> frozenset[int]:
    """The code points the kept subset covers (where the font has them)."""
    points = {point for first, end in BLOCKS for point in range(first, end)}
    for high in range(0xB0, 0xF8):  # GB 2312's hanzi rows
        for low in range(0xA1, 0xFF):
            try:
                points.add(ord(bytes((high, low)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    if CATALOGUE.is_file():
        points.update(ord(char) for char in CATALOGUE.read_text(encoding="utf-8") if ord(char) >= 0x80)
    return frozenset(points)


def _kept_path(full: Path) -> Path:
    about = full.stat()
    digest = hashlib.sha256(",".join(map(str, sorted(repertoire()))).encode()).hexdigest()[:12]
    return Path(settings.DATA_DIR) / FOLDER / f"{full.stem}-{about.st_size}-{int(about.st_mtime)}-{digest}.ttf"


def _make(full: Path, kept: Path, unicodes: frozenset[int]) -> None:
    font = TTFont(str(full), fontNumber=0, lazy=True)  # a collection's first face
    options = subset.Options(notdef_outline=True, recommended_glyphs=True, name_IDs=["*"], hinting=False,
                             desubroutinize=True)
    options.layout_features = []  # text is set glyph by glyph, without OpenType layout
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    if "CFF " in font:
        _to_truetype(font)
    kept.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and moved in place: a reader in another process sees the whole file or none.
    handle, temporary = tempfile.mkstemp(dir=kept.parent, suffix=".part")
    os.close(handle)
    try:
        font.save(temporary)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide it from a web process of another user
        os.replace(temporary, kept)
    finally:
        Path(temporary).unlink(missing_ok=True)
    for old in kept.parent.glob(f"{full.stem}-*.ttf"):
        if old != kept:
            old.unlink(missing_ok=True)


def _to_truetype(font: TTFont) -> None:
    """Replaces the font's CFF outlines by TrueType ones (glyf, loca, maxp 1.0, post 2)."""
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, CURVE_ERROR, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements", "maxComponentDepth"):
        setattr(maxp, field, 1 if field == "maxZones" else 0)
    font["maxp"] = maxp
    post = font["post"]
    post.formatType, post.extraNames, post.mapping = 2.0, [], {}
    post.glyphOrder = order
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    font.sfntVersion = "\000\001\000\000"


@lru_cache(maxsize=4)
def _covered(kept: Path, _size: int, _mtime: int) -> frozenset[int]:
    return frozenset(TTFont(str(kept), lazy=True).getBestCmap())


def covered(kept: Path) -> frozenset[int]:
    """The characters the kept subset has glyphs for."""
    about = kept.stat()
    return _covered(kept, about.st_size, about.st_mtime_ns)


def kept_subset(full: Path) -> Path:
    """The kept subset of the font `full`, made if missing."""
    kept = _kept_path(full)
    if not kept.is_file():
        _make(full, kept, repertoire())
    return kept


@lru_cache(maxsize=1)
def _in_font(full: Path, _mtime: int) -> frozenset[int]:
    # Kept: a character no font has (an emoji in a name) would otherwise have every report read the whole font.
    return frozenset(TTFont(str(full), fontNumber=0, lazy=True).getBestCmap())


def font_for(full: Path, texts: list[str]) -> Path:
    """The kept subset of `full`, made again with any character of `texts` it lacks and `full` has."""
    kept = kept_subset(full)
    wanted = {ord(char) for text in texts for char in text if not char.isspace()}
    has = covered(kept)
    if wanted <= has:
        return kept
    added = (wanted - has) & _in_font(full, full.stat().st_mtime_ns)
    if added:
        logger.info("the kept font subset is made again with %s", "".join(map(chr, sorted(added))))
        _make(full, kept, repertoire() | has | added)
    return kept
