"""Checking uploaded evidence: the kind is read from the file's first bytes, the size is capped."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from lanqing.cases.models import EvidenceKind

MAX_FILES = 10

# File signatures (magic numbers): JPEG SOI marker, PNG header, PDF header.
SIGNATURES = [
    (b"\xff\xd8\xff", EvidenceKind.PHOTO, "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", EvidenceKind.PHOTO, "image/png", ".png"),
    (b"%PDF-", EvidenceKind.PDF, "application/pdf", ".pdf"),
]


class EvidenceRefused(ValueError):
    pass


@dataclass(frozen=True)
class CheckedFile:
    name: str
    data: bytes
    kind: str
    content_type: str
    extension: str


def max_bytes() -> int:
    return int(settings.UPLOAD_MAX_BYTES)


def evidence_check(files) -> list[CheckedFile]:
    """Every file or none: one bad file refuses the whole submission, naming the file."""
    files = list(files)
    if len(files) > MAX_FILES:
        raise EvidenceRefused(_("At most %(count)d files may be attached at once.") % {"count": MAX_FILES})
    checked = []
    limit = max_bytes()
    for upload in files:
        name = str(getattr(upload, "name", "") or "file")[:200]
        size = getattr(upload, "size", None)
        if size is not None and size > limit:
            raise EvidenceRefused(_("%(name)s is larger than %(mb)d MB.") % {"name": name, "mb": limit // 2**20})
        data = upload.read(limit + 1)
        if len(data) > limit:
            raise EvidenceRefused(_("%(name)s is larger than %(mb)d MB.") % {"name": name, "mb": limit // 2**20})
        if not data:
            raise EvidenceRefused(_("%(name)s is empty.") % {"name": name})
        for signature, kind, content_type, extension in SIGNATURES:
            if data.startswith(signature):
                checked.append(CheckedFile(name, data, kind, content_type, extension))
                break
        else:
            raise EvidenceRefused(_("%(name)s is not a JPEG or PNG photo or a PDF document.") % {"name": name})
    return checked
