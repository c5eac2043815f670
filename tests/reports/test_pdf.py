"""The report PDF writer: lines wrap inside the page as Chinese and English text should, a long table runs onto
the next page under its header again, and the embedded font carries the glyphs shown (a composite glyph's parts
too) and no others. Read back with PDFium, the engine of Chrome's viewer."""

from __future__ import annotations

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pypdfium2
import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont
from fontTools.ttLib.tables._g_l_y_f import Glyph, GlyphComponent
from hypothesis import given, settings
from hypothesis import strategies as st

from lanqing.reports import fonts, pdf, render, truetype

CREATED = datetime(2026, 11, 2, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module")
def cjk() -> truetype.TrueTypeFont:
    """The kept subset of the installed CJK font (made in the tests' data folder once, as a report would)."""
    return truetype.opened(fonts.kept_subset(render.font_path()))


def _pages_text(data: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(data)
    return [document[index].get_textpage().get_text_range().replace("\r\n", "\n") for index in range(len(document))]


def _drawn(program: bytes) -> set[int]:
    """The glyphs with outlines in a font program, as fontTools reads it."""
    font = TTFont(io.BytesIO(program))
    return {number for number, name in enumerate(font.getGlyphOrder()) if font["glyf"][name].numberOfContours != 0}


def test_lines_wrap_inside_the_page_and_never_start_with_closing_punctuation(cjk):
    layout = pdf.Layout(cjk)
    room = 200.0
    chinese = "洪安涧河上游断面本月水质类别为Ⅱ类，达到目标要求；县城下游断面为Ⅲ类，主要污染指标为化学需氧量。" * 3
    lines = layout.lines(chinese, 10, room)
    assert len(lines) > 3
    assert "".join(lines) == chinese  # nothing dropped or doubled
    assert all(layout.width(line, 10) <= room for line in lines)
    assert not any(line[0] in pdf.NO_LINE_START for line in lines)

    english = "The PM2.5 average of the county was 52 µg/m³, and the good-days ratio 71.0% over 31 valid days."
    lines = layout.lines(english, 10, room)
    assert len(lines) > 1
    assert " ".join(lines) == english  # broken between words only
    assert all(layout.width(line, 10) <= room for line in lines)

    assert layout.lines("第一行\r\n第二行\r第三行\t完", 10, room) == ["第一行", "第二行", "第三行 完"]


def test_a_table_longer_than_a_page_repeats_its_header_on_the_next_page(cjk):
    document = pdf.Document(cjk, title="古县环境质量状况月报", language="zh-Hans")
    document.paragraph("古县环境质量状况月报", size=16, leading=25, align="center")
    rows = [[str(number), f"演示企业{number}号排口", "颗粒物", f"{number * 1.5:.1f}"] for number in range(1, 121)]
    document.table(["序号", "排口", "因子", "超标小时"], rows, size=8, leading=12.8)
    pages = _pages_text(document.output(created=CREATED))
    assert len(pages) >= 2
    for page in pages[1:]:
        assert page.startswith("序号 排口 因子 超标小时\n")
    for number, page in enumerate(pages, start=1):
        assert page.rstrip().endswith(f"{number} / {len(pages)}")  # numbered at its foot
    whole = "\n".join(pages)
    assert all(f"演示企业{number}号排口" in whole for number in range(1, 121))
    data = document.output(created=CREATED)
    assert pypdfium2.PdfDocument(data).get_metadata_dict()["Title"] == "古县环境质量状况月报"
    assert b"/Lang <FEFF007A0068002D00480061006E0073>" in data  # zh-Hans, for screen readers


def test_the_font_program_carries_the_glyphs_shown_and_no_others(cjk):
    document = pdf.Document(cjk, title="t")
    document.paragraph("优良天数比例 71.0%", size=10, leading=17)
    data = document.output(created=CREATED)
    embedded = int(re.search(rb"/Length1 (\d+)", data).group(1))
    assert embedded < len(cjk.data) / 20  # a few glyphs of the kept subset's thousands
    shown = {cjk.glyph(char) for char in "优良天数比例 71.0%" + "1 / 1"}  # the text and the page number
    assert _drawn(cjk.program(shown)) == {glyph for glyph in shown | {0} if cjk.offsets[glyph + 1] > cjk.offsets[glyph]}
    page = pypdfium2.PdfDocument(data)[0]
    assert page.get_textpage().get_text_range().split() == ["优良天数比例", "71.0%", "1", "/", "1"]
    pixels = page.render(scale=2).to_numpy()
    assert int((pixels[:, :, :3] < 100).all(axis=2).sum()) > 300  # glyphs drawn, not empty boxes


def _font_with_a_composite_glyph() -> bytes:
    """A TrueType font whose "á" is drawn from the glyphs of "a" and an acute accent."""
    builder = FontBuilder(1000, isTTF=True)
    order = [".notdef", "a", "acute", "aacute"]
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap({ord("a"): "a", 0xB4: "acute", ord("á"): "aacute"})

    def box(x0, y0, x1, y1):
        pen = TTGlyphPen(None)
        pen.moveTo((x0, y0))
        pen.lineTo((x0, y1))
        pen.lineTo((x1, y1))
        pen.lineTo((x1, y0))
        pen.closePath()
        return pen.glyph()

    composite = Glyph()
    composite.numberOfContours = -1
    composite.components = []
    for name, dx, dy in (("a", 0, 0), ("acute", 100, 0)):
        part = GlyphComponent()
        part.glyphName, part.x, part.y, part.flags = name, dx, dy, 0x4  # ROUND_XY_TO_GRID
        composite.components.append(part)
    builder.setupGlyf({".notdef": box(50, 0, 450, 700), "a": box(50, 0, 450, 500), "acute": box(100, 600, 300, 800),
                       "aacute": composite})
    builder.setupHorizontalMetrics({name: (500, 50) for name in order})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Composite Test", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=800, sTypoDescender=-200, usWinAscent=800, usWinDescent=200, sCapHeight=700)
    builder.setupPost()
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


FONT_WITH_A_COMPOSITE = _font_with_a_composite_glyph()


def test_a_composite_glyph_brings_the_glyphs_it_is_drawn_from():
    font = truetype.TrueTypeFont(_font_with_a_composite_glyph())
    assert font.metrics.cap_height == 700
    assert _drawn(font.program({font.glyph("á")})) == {0, font.glyph("a"), font.glyph("´"), font.glyph("á")}

    document = pdf.Document(font, title="á")
    document.paragraph("á", size=40, leading=50)
    page = pypdfium2.PdfDocument(document.output(created=CREATED))[0]
    assert page.get_textpage().get_text_range().split()[0] == "á"
    pixels = page.render(scale=1).to_numpy()[:200]  # the top of the page, above the page number
    assert int((pixels[:, :, :3] < 100).all(axis=2).sum()) > 100  # both parts drawn


def test_a_file_that_is_not_a_truetype_font_is_refused_with_a_reason():
    with pytest.raises(truetype.FontUnreadable, match="not a TrueType font"):
        truetype.TrueTypeFont(b"%PDF-1.7 this is not a font")
    whole = _font_with_a_composite_glyph()
    for cut in (20, len(whole) // 2, len(whole) - 8):  # a file cut short, as by a full disk
        with pytest.raises(truetype.FontUnreadable):
            truetype.TrueTypeFont(whole[:cut])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), min_size=1,
                max_size=6))
def test_a_damaged_font_is_refused_or_sets_text_never_anything_else(flips):
    """Bytes of the font changed at random (a damaged disk, a bad copy): reading it gives FontUnreadable, or a
    font that sets a paragraph and a table into a whole PDF."""
    damaged = bytearray(FONT_WITH_A_COMPOSITE)
    for at, value in flips:
        damaged[at % len(damaged)] = value
    try:
        font = truetype.TrueTypeFont(bytes(damaged))
    except truetype.FontUnreadable:
        return
    document = pdf.Document(font, title="á")
    document.paragraph("aá´ b", size=10, leading=12)
    document.table(["a"], [["á"]], size=8, leading=10)
    assert document.output(created=CREATED).startswith(b"%PDF-")

