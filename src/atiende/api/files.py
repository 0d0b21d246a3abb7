"""Uploads read with their size checked before the bytes are, and downloads served as
attachments with `nosniff` and a sandboxing CSP (SECURITY.md: uploads served inline)."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja.files import UploadedFile

from atiende.api.errors import PayloadTooLarge
from atiende.conversations.models import Attachment
from atiende.core.errors import ActionError, NotFound

# Types a browser may be given as they are; anything else is sent as opaque bytes.
PASSTHROUGH_TYPES = frozenset({"application/pdf", "text/plain"})


def read_uploads(uploads: Sequence[UploadedFile]) -> list[tuple[str, bytes]]:
    """(name, bytes) of each upload, refusing too many or too large before reading them."""
    if len(uploads) > settings.ATIENDE_MAX_ATTACHMENTS_PER_MESSAGE:
        raise ActionError(
            _("At most %(count)d files per message.")
            % {"count": settings.ATIENDE_MAX_ATTACHMENTS_PER_MESSAGE}
        )
    limit = settings.ATIENDE_MAX_ATTACHMENT_BYTES
    files = []
    for upload in uploads:
        name = upload.name or "attachment"
        if (upload.size or 0) > limit:
            raise PayloadTooLarge(
                _("%(name)s is too large; the limit is %(limit)d MB.")
                % {"name": name, "limit": limit // 1_048_576}
            )
        files.append((name, upload.read()))
    return files


def download(attachment: Attachment) -> FileResponse:
    """The file as a download (inline only for images browsers render safely)."""
    if attachment.is_safe_image or attachment.content_type in PASSTHROUGH_TYPES:
        content_type = attachment.content_type
    else:
        content_type = "application/octet-stream"
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise NotFound(_("Attachment not found.")) from exc
    response = FileResponse(
        handle,
        as_attachment=not attachment.is_safe_image,
        filename=attachment.filename,
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
