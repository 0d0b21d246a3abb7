"""Storing attachments: type sniffed from the bytes, size and type limits, random names."""

from __future__ import annotations

import os
import secrets
import unicodedata

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from atiende.conversations.models import Attachment
from atiende.core.errors import ActionError

# Refused whatever the name says: programs and scripts the browser or OS would run.
FORBIDDEN_TYPES = frozenset(
    {
        "application/x-msdownload",
        "application/x-dosexec",
        "application/x-executable",
        "application/x-elf",
        "application/x-mach-binary",
        "application/x-sharedlib",
        "application/vnd.microsoft.portable-executable",
        "application/x-shockwave-flash",
        "application/java-archive",
        "application/x-msi",
    }
)
FORBIDDEN_EXTENSIONS = frozenset(
    {".exe", ".dll", ".com", ".bat", ".cmd", ".msi", ".scr", ".ps1", ".vbs", ".js", ".jar",
     ".sh", ".php", ".phtml", ".cgi", ".hta", ".apk", ".app"}
)  # fmt: skip


def sniff(content: bytes, filename: str) -> str:
    """The content type the bytes really have. Text and SVG are never trusted as images."""
    kind = filetype.guess(content[:8192])
    if kind is not None:
        return str(kind.mime)
    head = content[:512].lstrip().lower()
    if head.startswith(b"%pdf"):
        return "application/pdf"
    if head.startswith(b"<svg") or (
        head.startswith(b"<?xml") and b"<svg" in content[:2048].lower()
    ):
        return "image/svg+xml"
    if head.startswith((b"<!doctype html", b"<html")):
        return "text/html"
    if content[:2] == b"MZ":
        return "application/x-dosexec"
    if content[:4] == b"\x7fELF":
        return "application/x-elf"
    try:
        content[:65536].decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    return "text/plain"


def safe_filename(filename: str) -> str:
    """A display name without paths, control characters or a leading dot."""
    name = unicodedata.normalize("NFC", os.path.basename(filename.replace("\\", "/")))
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"/\\|?*')
    name = name.strip().lstrip(".")[:200]
    return name or "attachment"


def validate(filename: str, content: bytes) -> str:
    """The sniffed content type, or ActionError with a message a person understands."""
    limit = settings.ATIENDE_MAX_ATTACHMENT_BYTES
    if len(content) > limit:
        raise ActionError(
            _("%(name)s is too large (%(size)d MB); the limit is %(limit)d MB.")
            % {"name": filename, "size": len(content) // 1_048_576, "limit": limit // 1_048_576}
        )
    if not content:
        raise ActionError(_("%(name)s is empty.") % {"name": filename})
    content_type = sniff(content, filename)
    extension = os.path.splitext(filename.lower())[1]
    if content_type in FORBIDDEN_TYPES or extension in FORBIDDEN_EXTENSIONS:
        raise ActionError(
            _("%(name)s is a kind of file we do not accept (programs and scripts).")
            % {"name": filename}
        )
    return content_type


def store(filename: str, content: bytes, content_id: str = "") -> Attachment:
    """Validate and save a file not yet tied to a message (the caller links it)."""
    name = safe_filename(filename)
    content_type = validate(name, content)
    token = secrets.token_urlsafe(24)
    attachment = Attachment(
        token=token,
        filename=name,
        content_type=content_type,
        size=len(content),
        content_id=content_id[:255],
    )
    # The stored name is random and has no extension: nothing on disk is executable by name.
    attachment.file.save(secrets.token_hex(16), ContentFile(content), save=False)
    return attachment
