"""Checks every upload page makes before it reads a file."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _


def upload_refusal(upload) -> str | None:
    """Why an uploaded file is not read (none chosen, larger than the configured limit), or None."""
    if upload is None:
        return _("Choose a file to upload.")
    if upload.size > settings.UPLOAD_MAX_BYTES:
        return _("The file is larger than %(limit)s MB.") % {"limit": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}
    return None


# File signatures (magic numbers) of the documents a page accepts as support: PDF header, JPEG SOI marker, PNG
# header. The name and the browser's content type are the sender's word; the first bytes are the file's.
DOCUMENT_SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)


def document_type(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a PDF, JPEG or PNG file read from its first bytes, or None."""
    for signature, content_type, extension in DOCUMENT_SIGNATURES:
        if data.startswith(signature):
            return content_type, extension
    return None


def document_refusal(data: bytes) -> str | None:
    """Why the bytes of an uploaded supporting document are not kept (empty, not a PDF or image), or None."""
    if not data:
        return _("The file is empty.")
    if document_type(data) is None:
        return _("The file is not a PDF document or a JPEG or PNG image.")
    return None
