"""Photos from the public: JPEG or PNG by their bytes, within the size limit, with their metadata removed.

A phone photo carries where it was taken (EXIF GPS) and with which device; a reporter's identity must stay
confidential (环境保护法 Art 57), so those segments are dropped before anything is stored. The image data is kept
byte for byte (no re-encoding): a JPEG keeps its frame and scan, a PNG its image chunks.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from django.utils.translation import gettext as _

from lanqing.ui.uploads import upload_refusal

MAX_PHOTOS = 5

# JPEG markers whose segments are kept: APP0 (JFIF), APP14 (Adobe colour transform), and every non-APP marker
# (tables, frame header). APP1 (EXIF, XMP), APP2–APP13, APP15 and COM can name the place, device or person.
_JPEG_DROPPED = set(range(0xE1, 0xEE)) | {0xEF, 0xFE}
# PNG ancillary chunks that carry text, EXIF or a timestamp.
_PNG_DROPPED = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class PhotoRefused(ValueError):
    """A photo that is not accepted; the message names it and says why."""


@dataclass(frozen=True)
class Photo:
    name: str
    data: bytes
    content_type: str
    extension: str


def _strip_jpeg(data: bytes) -> bytes:
    out = bytearray(data[:2])
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            raise ValueError("no marker")
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if marker == 0xD9:  # end of image without a scan
            raise ValueError("no scan")
        (length,) = struct.unpack(">H", data[position + 2:position + 4])
        if length < 2 or position + 2 + length > len(data):
            raise ValueError("segment overruns the file")
        segment = data[position:position + 2 + length]
        if marker == 0xDA:  # start of scan: the entropy-coded image and everything after it is kept as is
            out += data[position:]
            return bytes(out)
        if marker not in _JPEG_DROPPED:
            out += segment
        position += 2 + length
    raise ValueError("no scan")


def _strip_png(data: bytes) -> bytes:
    out = bytearray(_PNG_SIGNATURE)
    position = len(_PNG_SIGNATURE)
    first = True
    while position + 12 <= len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind = data[position + 4:position + 8]
        end = position + 12 + length
        if end > len(data) or (first and kind != b"IHDR"):
            raise ValueError("bad chunk")
        first = False
        if kind not in _PNG_DROPPED:
            out += data[position:end]
        position = end
        if kind == b"IEND":
            return bytes(out)
    raise ValueError("no IEND")


def photos_check(uploads) -> list[Photo]:
    """Every photo or none: one refused photo refuses the report, naming the photo."""
    uploads = [upload for upload in uploads if upload is not None]
    if len(uploads) > MAX_PHOTOS:
        raise PhotoRefused(_("At most %(count)d photos may be attached.") % {"count": MAX_PHOTOS})
    photos = []
    for upload in uploads:
        name = str(getattr(upload, "name", "") or "photo")[:100]
        refusal = upload_refusal(upload)
        if refusal:
            raise PhotoRefused(_("%(name)s: %(reason)s") % {"name": name, "reason": refusal})
        data = upload.read()
        try:
            if data.startswith(b"\xff\xd8\xff"):
                photos.append(Photo(name, _strip_jpeg(data), "image/jpeg", ".jpg"))
                continue
            if data.startswith(_PNG_SIGNATURE):
                photos.append(Photo(name, _strip_png(data), "image/png", ".png"))
                continue
        except (ValueError, struct.error):
            raise PhotoRefused(_("%(name)s is damaged and cannot be read as a photo.") % {"name": name}) from None
        raise PhotoRefused(_("%(name)s is not a JPEG or PNG photo.") % {"name": name})
    return photos
