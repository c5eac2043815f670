"""A report's PDF: A4 pages of wrapped paragraphs and ruled tables in one embedded TrueType font.

Written here rather than through a general PDF library because a report's generation has to take a small
part of the time a clerk needs to open it, and a general library spent most of it measuring table cells in
several passes, parsing the font for each document and decoding and re-encoding every outline it embeds
(benchmarks/bench_workbench.py). Here text is measured once from widths read once per process
(lanqing.reports.truetype), and the font program copies the used glyphs' bytes.

Text is shown by glyph number (Identity-H, CIDs equal to glyph ids) with a ToUnicode map, so the PDF's text can
be searched, copied and extracted. Lengths are in points (1/72 inch). Pure Python: no Django here.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime

from lanqing.reports.truetype import TrueTypeFont

A4 = (595.28, 841.89)
MARGIN = 15 * 72 / 25.4
BORDER = 0.2  # table rules, points
CELL_PADDING = 1 * 72 / 25.4  # left and right of a cell's text
CELL_MARGIN = 0.5 * 72 / 25.4  # above and below it
FOOTER_SIZE = 8
HEADING_FILL = (238 / 255, 243 / 255, 248 / 255)
# zlib's fastest level: a monthly report's file is 7 % larger (54 KB) than at the default level and made in
# two thirds of the time.
COMPRESSION = 1
SUBSET_TAG = "LANQNG"  # the six capitals a subset font's name starts with (PDF 32000-1, 9.6.4)
# Line-breaking rules for punctuation: these may not start a line (closing marks, a unit after a number) ...
# ... and these may not end one (opening marks).
NO_LINE_START = set("，。、；：？！）》」』】〕％%,.;:?!)]}’”…·")
NO_LINE_END = set("（《「『【〔([{‘“")


def _is_wide(char: str) -> bool:
    """Characters a line may break before or after, as in Chinese text (CJK ideographs, kana, full-width forms
    and punctuation)."""
    point = ord(char)
    return 0x2E80 <= point <= 0x9FFF or 0xF900 <= point <= 0xFAFF or 0xFF00 <= point <= 0xFFEF or point >= 0x20000


def break_units(text: str) -> list[str]:
    """`text` cut where a line may break: between words, around each Chinese character (punctuation kept with
    its neighbour); each unit carries the spaces that follow it."""
    units: list[str] = []
    current = ""
    for char in text:
        if current and char != " " and _may_break(current[-1], char):
            units.append(current)
            current = char
        else:
            current += char
    if current:
        units.append(current)
    return units


def _may_break(last: str, char: str) -> bool:
    if char in NO_LINE_START or last in NO_LINE_END:
        return False
    return last == " " or _is_wide(char) or _is_wide(last)


class Layout:
    """Measures and wraps text in one font."""

    def __init__(self, font: TrueTypeFont):
        self.font = font

    def width(self, text: str, size: float) -> float:
        return self.font.width(text, size)

    def lines(self, text: str, size: float, room: float) -> list[str]:
        """`text` wrapped into lines no wider than `room` (a unit wider than a line is cut by characters)."""
        result: list[str] = []
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")  # as typed on any system
        for paragraph in text.split("\n"):
            line, line_width = "", 0.0
            for unit in break_units(paragraph):
                width = self.width(unit, size)
                if line and line_width + self.width(unit.rstrip(" "), size) > room:
                    result.append(line.rstrip(" "))
                    line, line_width = "", 0.0
                if not line and width > room:
                    for char in unit:
                        char_width = self.width(char, size)
                        if line and line_width + char_width > room:
                            result.append(line.rstrip(" "))
                            line, line_width = "", 0.0
                        line += char
                        line_width += char_width
                    continue
                line += unit
                line_width += width
            result.append(line.rstrip(" "))
        return result


@dataclass
class Page:
    commands: list[str] = field(default_factory=list)


class Document:
    """Pages filled from top to bottom; `paragraph` and `table` start a new page when the next line or row
    does not fit."""

    def __init__(self, font: TrueTypeFont, *, title: str, language: str = ""):
        self.font = font
        self.layout = Layout(font)
        self.title = title
        self.language = language  # BCP 47 ("zh-Hans", "en"): screen readers read the text in it
        self.pages: list[Page] = []
        self.used: dict[int, str] = {}
        self.width, self.height = A4
        self.room = self.width - 2 * MARGIN
        self.y = 0.0
        self.new_page()

    def new_page(self) -> None:
        self.pages.append(Page())
        self.y = self.height - MARGIN

    def space(self, points: float) -> None:
        self.y -= points

    def _fits(self, height: float) -> bool:
        return self.y - height >= MARGIN

    def _text(self, text: str, x: float, baseline: float, size: float) -> None:
        self.pages[-1].commands.append(self._shown(text, x, baseline, size))

    def _shown(self, text: str, x: float, baseline: float, size: float) -> str:
        """The command showing `text` with its baseline starting at (x, baseline); its glyphs are noted as used."""
        glyphs = []
        for char in text:
            glyph = self.font.glyph(char)
            self.used.setdefault(glyph, char)
            glyphs.append(f"{glyph:04X}")
        return f"BT /F1 {size:.2f} Tf {x:.2f} {baseline:.2f} Td <{''.join(glyphs)}> Tj ET"

    def _baseline(self, top: float, size: float, leading: float) -> float:
        """Where text of `size` sits in a line box of `leading` whose top is `top`: centred on the font's height."""
        ascent, descent = self.font.metrics.ascent * size / 1000, self.font.metrics.descent * size / 1000
        return top - (leading - (ascent - descent)) / 2 - ascent

    def paragraph(self, text: str, *, size: float, leading: float, align: str = "left") -> None:
        for line in self.layout.lines(text, size, self.room):
            if not self._fits(leading):
                self.new_page()
            x = MARGIN
            if align == "center":
                x += (self.room - self.layout.width(line, size)) / 2
            self._text(line, x, self._baseline(self.y, size, leading), size)
            self.y -= leading

    def table(self, headers: list[str], rows: list[list[str]], *, size: float, leading: float) -> None:
        """A ruled table over the page's width, its first row shaded and repeated on each page it runs onto."""
        columns = max(len(row) for row in [headers, *rows])
        if not columns:
            return
        headers, rows = _padded(headers, columns), [_padded(row, columns) for row in rows]
        widths = self._column_widths([headers, *rows], size)
        header = self._wrapped(headers, widths, size)
        header_height = max(len(lines) for lines in header) * leading + 2 * CELL_MARGIN
        started = False
        for values in rows or [[""] * len(headers)]:
            cells = self._wrapped(values, widths, size)
            height = max(len(lines) for lines in cells) * leading + 2 * CELL_MARGIN
            if not started or not self._fits(height):
                if started or not self._fits(header_height + height):
                    self.new_page()
                self._row(header, widths, header_height, size, leading, shaded=True)
                started = True
            self._row(cells, widths, height, size, leading, shaded=False)

    def _wrapped(self, values: list[str], widths: list[float], size: float) -> list[list[str]]:
        return [self.layout.lines(value, size, width - 2 * CELL_PADDING) for value, width in zip(values, widths, strict=True)]

    def _row(self, cells: list[list[str]], widths: list[float], height: float, size: float, leading: float, *,
             shaded: bool) -> None:
        commands = self.pages[-1].commands
        bottom = self.y - height
        if shaded:
            red, green, blue = HEADING_FILL
            commands.append(f"{red:.3f} {green:.3f} {blue:.3f} rg {MARGIN:.2f} {bottom:.2f} {self.room:.2f} "
                            f"{height:.2f} re f 0 g")
        x = MARGIN
        for lines, width in zip(cells, widths, strict=True):
            commands.append(f"{x:.2f} {bottom:.2f} {width:.2f} {height:.2f} re S")
            top = self.y - CELL_MARGIN
            for line in lines:
                if line:
                    self._text(line, x + CELL_PADDING, self._baseline(top, size, leading), size)
                top -= leading
            x += width
        self.y = bottom

    def _column_widths(self, rows: list[list[str]], size: float) -> list[float]:
        """Each column as wide as its widest value on one line where the page allows; otherwise columns that
        fit in an equal share keep their width and the rest share what is left by their natural widths."""
        columns = max(len(row) for row in rows)
        natural = [2 * CELL_PADDING + max((self.layout.width(row[index], size) for row in rows if index < len(row)),
                                          default=0.0) for index in range(columns)]
        total = sum(natural)
        if total <= self.room:
            return [width + (self.room - total) / columns for width in natural]
        fixed: dict[int, float] = {}
        while True:
            free = [index for index in range(columns) if index not in fixed]
            share = (self.room - sum(fixed.values())) / len(free)
            narrow = {index: natural[index] for index in free if natural[index] <= share}
            if not narrow or len(narrow) == len(free):
                break
            fixed.update(narrow)
        left = self.room - sum(fixed.values())
        wide = sum(natural[index] for index in free)
        return [fixed[index] if index in fixed else left * natural[index] / wide for index in range(columns)]

    def output(self, *, created: datetime) -> bytes:
        """The whole PDF file, each page numbered at its foot ("2 / 3")."""
        writer = _Writer()
        catalog, pages_id, font_id, info = writer.reserve(), writer.reserve(), writer.reserve(), writer.reserve()
        page_ids = []
        for number, page in enumerate(self.pages, start=1):
            label = f"{number} / {len(self.pages)}"
            footer = self._shown(label, (self.width - self.layout.width(label, FOOTER_SIZE)) / 2, MARGIN / 2,
                                 FOOTER_SIZE)
            stream = self._stream(f"0 g 0 G {BORDER:.2f} w " + "\n".join([*page.commands, footer]))
            contents = writer.add(stream)
            page_ids.append(writer.add(
                f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 {self.width:.2f} {self.height:.2f}] "
                f"/Resources << /Font << /F1 {font_id} 0 R >> >> /Contents {contents} 0 R >>".encode()))
        writer.put(pages_id, f"<< /Type /Pages /Count {len(page_ids)} /Kids [{' '.join(f'{i} 0 R' for i in page_ids)}] >>"
                   .encode())
        language = f" /Lang {_text_string(self.language)}" if self.language else ""
        writer.put(catalog, f"<< /Type /Catalog /Pages {pages_id} 0 R{language} >>".encode())
        self._font_objects(writer, font_id)
        stamp = created.strftime("D:%Y%m%d%H%M%S")
        offset = created.utcoffset()
        if offset is not None:
            minutes = int(offset.total_seconds()) // 60
            stamp += f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}'{abs(minutes) % 60:02d}'"
        writer.put(info, f"<< /Title {_text_string(self.title)} /Producer (lanqing) /CreationDate ({stamp}) >>"
                   .encode())
        return writer.finish(root=catalog, info=info)

    @staticmethod
    def _stream(text: str, extra: str = "") -> bytes:
        data = zlib.compress(text.encode("latin-1"), COMPRESSION)
        return f"<< /Length {len(data)} /Filter /FlateDecode{extra} >>\nstream\n".encode() + data + b"\nendstream"

    def _font_objects(self, writer: _Writer, font_id: int) -> None:
        font, metrics = self.font, self.font.metrics
        program = font.program(set(self.used))
        packed = zlib.compress(program, COMPRESSION)
        file_id = writer.add(f"<< /Length {len(packed)} /Length1 {len(program)} /Filter /FlateDecode >>\nstream\n"
                             .encode() + packed + b"\nendstream")
        name = f"{SUBSET_TAG}+{metrics.name}"
        descriptor = writer.add(
            (f"<< /Type /FontDescriptor /FontName /{name} /Flags 4 /FontBBox [{' '.join(map(str, metrics.bbox))}] "
             f"/ItalicAngle 0 /Ascent {metrics.ascent} /Descent {metrics.descent} /CapHeight {metrics.cap_height} "
             f"/StemV 80 /FontFile2 {file_id} 0 R >>").encode())
        glyphs = sorted(self.used)
        widths = " ".join(f"{glyph} [{font.widths[glyph]}]" for glyph in glyphs)
        descendant = writer.add(
            (f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} "
             f"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
             f"/FontDescriptor {descriptor} 0 R /DW 1000 /W [{widths}] /CIDToGIDMap /Identity >>").encode())
        unicode_map = writer.add(self._stream(_to_unicode({glyph: self.used[glyph] for glyph in glyphs if glyph})))
        writer.put(font_id, (f"<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H "
                             f"/DescendantFonts [{descendant} 0 R] /ToUnicode {unicode_map} 0 R >>").encode())


def _padded(row: list[str], columns: int) -> list[str]:
    return row + [""] * (columns - len(row))


def _to_unicode(chars: dict[int, str]) -> str:
    """A CMap from glyph numbers to the characters they show (PDF 32000-1, 9.10.3)."""
    lines = ["/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
             "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
             "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
             "1 begincodespacerange <0000> <FFFF> endcodespacerange"]
    entries = list(chars.items())
    for start in range(0, len(entries), 100):  # at most 100 entries a block
        block = entries[start:start + 100]
        lines.append(f"{len(block)} beginbfchar")
        lines += [f"<{glyph:04X}> <{char.encode('utf-16-be').hex().upper()}>" for glyph, char in block]
        lines.append("endbfchar")
    lines += ["endcmap CMapName currentdict /CMap defineresource pop end end"]
    return "\n".join(lines)


def _text_string(text: str) -> str:
    """A PDF text string of any characters: UTF-16BE with its byte order mark, in hex."""
    return f"<FEFF{text.encode('utf-16-be').hex().upper()}>"


class _Writer:
    """Numbered objects and the cross-reference table that finds them."""

    def __init__(self) -> None:
        self.objects: dict[int, bytes] = {}
        self.count = 0

    def reserve(self) -> int:
        self.count += 1
        return self.count

    def put(self, number: int, body: bytes) -> None:
        self.objects[number] = body

    def add(self, body: bytes) -> int:
        number = self.reserve()
        self.put(number, body)
        return number

    def finish(self, *, root: int, info: int) -> bytes:
        parts = [b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"]
        at = len(parts[0])
        offsets = []
        for number in range(1, self.count + 1):
            offsets.append(at)
            chunk = b"%d 0 obj\n" % number + self.objects[number] + b"\nendobj\n"
            parts.append(chunk)
            at += len(chunk)
        table = [f"xref\n0 {self.count + 1}\n0000000000 65535 f \n"]
        table += [f"{offset:010d} 00000 n \n" for offset in offsets]
        table.append(f"trailer\n<< /Size {self.count + 1} /Root {root} 0 R /Info {info} 0 R >>\nstartxref\n{at}\n%%EOF\n")
        parts.append("".join(table).encode())
        return b"".join(parts)
