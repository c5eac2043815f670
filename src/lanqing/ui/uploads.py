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
