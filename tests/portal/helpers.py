"""Shared by the portal tests: files customers upload, and signing in through a real link."""

from __future__ import annotations

import re
import secrets

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from atiende.portal.links import make_token

# A real 1x1 PNG: sniffed as image/png.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64

LINK = re.compile(r"http://[^\s]+/portal/signin/([^/\s]+)/")


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> object:
    return SimpleUploadedFile(name, content, content_type=content_type)


def sign_in(client: Client, email: str, conversation_id: int | None = None) -> str:
    """Sign in as the customer who owns `email`, the way a customer does: POST to their link.
    Returns where the portal sent them."""
    response = client.post(f"/portal/signin/{make_token(email, conversation_id)}/")
    assert response.status_code == 302
    return str(response["Location"])


def link_token(body: str) -> str:
    """The sign-in token in an email body."""
    match = LINK.search(body)
    assert match is not None, body
    return match.group(1)


def fresh_address() -> str:
    """A client address no other test used: rate-limit counters start at zero without
    clearing the cache (which, on Redis, would flush data other test runs share)."""
    return f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"
