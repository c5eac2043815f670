"""Stream framer: bytes from a socket in, frames (or rejections) out.

Frame = ``##`` + 4-digit length + data segment + 4-hex CRC + CR LF (HJ 212-2017 §6.3, unchanged in 2025).
Real devices break this (hj212.md §1 [O]), so the framer trusts the length field only when a CR LF sits
where it points and no other header starts before that. Otherwise it frames on the first CR LF, because
HJ 212-2025 encrypted packets keep the plaintext length in that field (hj212_2025.md §2) and some devices
simply lie. A header (``##`` + 4 digits)
appearing before the CR LF ends the previous frame: a device that dropped CR LF or was cut off mid-frame.
The buffer never holds more than one maximal frame; anything longer is discarded and reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lanqing.hj212.rejection import RAW_PREVIEW, Reason, Rejection

# HJ 212-2017 Table 2: data segment 0..1024 characters. Longer segments occur in real CEMS logs.
STANDARD_MAX_SEGMENT = 1024
# The length field has four digits.
DEFAULT_MAX_LENGTH = 9999
_OVERHEAD = 12  # "##" + LLLL + CRC + CRLF


@dataclass(frozen=True, slots=True)
class Frame:
    """One delimited frame; nothing inside it has been checked yet."""

    raw: bytes
    declared_length: int
    # False when the frame ended at the next "##" header or at close() instead of CR LF.
    terminated: bool = True

    @property
    def segment(self) -> bytes:
        return self.raw[6:-6] if self.terminated else self.raw[6:-4]

    @property
    def crc_field(self) -> bytes:
        return self.raw[-6:-2] if self.terminated else self.raw[-4:]


_HEADER = re.compile(rb"##[0-9]{4}")


class Framer:
    """Incremental framer for one connection. Not thread-safe; one per socket.

    ``feed`` returns every frame and rejection completed by the new bytes, in stream order. Call
    ``close`` at end of stream (or after an idle timeout) to flush a frame that lacks its CR LF.
    """

    __slots__ = ("max_length", "_buf", "_junk", "_junk_head")

    def __init__(self, *, max_length: int = DEFAULT_MAX_LENGTH) -> None:
        if not 0 < max_length <= DEFAULT_MAX_LENGTH * 16:
            raise ValueError("max_length out of range")
        self.max_length = max_length
        self._buf = bytearray()
        self._junk = 0
        self._junk_head = b""

    @property
    def buffered(self) -> int:
        """Bytes held waiting for the rest of a frame (bounded by max_length + 12)."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[Frame | Rejection]:
        out: list[Frame | Rejection] = []
        buf = self._buf
        buf += data
        max_frame = self.max_length + _OVERHEAD
        pos = 0
        end = len(buf)
        while pos < end:
            if buf[pos : pos + 2] == b"##" and buf[pos + 2 : pos + 6].isdigit():
                start = pos
            else:
                found = _HEADER.search(buf, pos)
                if found is None:
                    # Keep a tail that may be the start of a header split across reads.
                    keep = max(pos, end - 5)
                    hash_at = buf.find(b"#", keep)
                    keep = hash_at if hash_at != -1 else end
                    self._add_junk(buf, pos, keep, out)
                    pos = keep
                    break
                start = found.start()
                self._add_junk(buf, pos, start, out)
            self._flush_junk(out)
            declared = int(buf[start + 2 : start + 6])
            stop = start + 6 + declared + 4
            # The length is trusted only when no other header starts inside it: a frame cut short (no CR LF)
            # followed by one of about the same length would otherwise swallow that next frame whole.
            if (
                declared <= self.max_length
                and stop + 2 <= end
                and buf[stop : stop + 2] == b"\r\n"
                and self._next_header(buf, start + 6, stop) == -1
            ):
                out.append(Frame(bytes(buf[start : stop + 2]), declared))
                pos = stop + 2
                continue
            limit = min(end, start + max_frame)
            crlf = buf.find(b"\r\n", start + 6, limit)
            cut = self._next_header(buf, start + 6, crlf if crlf != -1 else limit)
            if cut != -1:
                out.append(Frame(bytes(buf[start:cut]), declared, terminated=False))
                pos = cut
                continue
            if crlf != -1:
                out.append(Frame(bytes(buf[start : crlf + 2]), declared))
                pos = crlf + 2
                continue
            if end - start >= max_frame:
                out.append(
                    Rejection(
                        Reason.OVERFLOW,
                        f"no CR LF within {max_frame} bytes of a frame header",
                        bytes(buf[start : start + RAW_PREVIEW]),
                        max_frame,
                    )
                )
                # Resume scanning after the discarded bytes; the rest counts as junk until a header.
                pos = start + max_frame
                continue
            pos = start
            break
        del buf[:pos]
        return out

    def close(self) -> list[Frame | Rejection]:
        """End of stream: whatever is buffered becomes a frame without CR LF or a truncated rejection."""
        out: list[Frame | Rejection] = []
        buf = self._buf
        if buf:
            if _HEADER.match(buf) and len(buf) - 10 == int(buf[2:6]):
                # A complete frame whose device never sends CR LF.
                out.append(Frame(bytes(buf), int(buf[2:6]), terminated=False))
            elif buf.startswith(b"#"):
                out.append(Rejection(Reason.TRUNCATED, "stream ended inside a frame", bytes(buf), len(buf)))
            else:
                self._add_junk(buf, 0, len(buf), out)
            buf.clear()
        self._flush_junk(out)
        return out

    @staticmethod
    def _next_header(buf: bytearray, lo: int, hi: int) -> int:
        if buf.find(b"##", lo, hi) == -1:
            return -1
        found = _HEADER.search(buf, lo, hi)
        return -1 if found is None else found.start()

    def _add_junk(self, buf: bytearray, lo: int, hi: int, out: list[Frame | Rejection]) -> None:
        if hi <= lo:
            return
        if len(self._junk_head) < RAW_PREVIEW:
            self._junk_head += bytes(buf[lo : min(hi, lo + RAW_PREVIEW - len(self._junk_head))])
        self._junk += hi - lo
        # Report long runs periodically so a flood is visible before it ends.
        if self._junk >= self.max_length + _OVERHEAD:
            self._flush_junk(out)

    def _flush_junk(self, out: list[Frame | Rejection]) -> None:
        if self._junk:
            out.append(
                Rejection(Reason.JUNK, f"{self._junk} bytes outside any frame", self._junk_head, self._junk)
            )
            self._junk = 0
            self._junk_head = b""
