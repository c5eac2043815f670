"""The Chinese font a report's PDF embeds.

Reading the installed CJK collection (Noto Sans CJK: 19 MB, 65,535 glyphs) and subsetting it took most of a
report's time, on every report. So a subset of it covering a repertoire is made once and kept in the data
folder: ASCII and Latin-1, the punctuation, symbol and full-width blocks, every character of GB 2312 (the
6,763 common hanzi) and every character of the Chinese catalogue, its outlines turned into TrueType ones
(quadratic curves within one font unit of the cubic ones): fpdf2 then reads and subsets that smaller font, and
subsetting TrueType outlines copies them where CFF ones are interpreted glyph by glyph (0.06 s instead of
0.2 s for 450 glyphs). A text with a character outside the repertoire (a rare character in a name) is set in the whole font,
so no character is ever dropped. The kept file's name carries the font's size and time and the repertoire's
hash: another font, or a catalogue with new characters, makes a new one.
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


def _make(full: Path, kept: Path) -> None:
    font = TTFont(str(full), fontNumber=0, lazy=True)  # the face fpdf2 uses of a collection
    options = subset.Options(notdef_outline=True, recommended_glyphs=True, name_IDs=["*"], hinting=False,
                             desubroutinize=True)
    options.layout_features = []  # fpdf2 sets text without OpenType layout
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=repertoire())
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
def _covered(kept: Path, _size: int) -> frozenset[int]:
    return frozenset(TTFont(str(kept), lazy=True).getBestCmap())


def kept_subset(full: Path) -> Path | None:
    """The kept subset of the font `full`, made if missing; None if it cannot be made (the caller uses `full`)."""
    kept = _kept_path(full)
    if not kept.is_file():
        try:
            _make(full, kept)
        except (OSError, ValueError, KeyError) as error:
            logger.warning("no subset of %s kept, the whole font is used: %s", full, error)
            return None
    return kept


def font_for(full: Path, texts: list[str]) -> Path:
    """The font file to set `texts` in: the kept subset if it has every character, else the whole font."""
    kept = kept_subset(full)
    if kept is None:
        return full
    wanted = {ord(char) for text in texts for char in text if not char.isspace()}
    return kept if wanted <= _covered(kept, kept.stat().st_size) else full
