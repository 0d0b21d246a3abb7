"""Attachment downloads for agents, after an access check on the conversation."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from atiende.conversations.access import access_attachment_for_agent
from atiende.conversations.views.common import agent
from atiende.core.errors import NotFound


@require_GET
@login_required
def download(request: HttpRequest, token: str) -> FileResponse:
    try:
        attachment = access_attachment_for_agent(agent(request), token)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("file missing") from exc
    # Only sniffed raster images are shown inline; anything else (HTML, SVG, PDF...) downloads,
    # so an uploaded file can never run script in our origin. FileResponse encodes the filename
    # safely (RFC 5987) in Content-Disposition.
    response = FileResponse(
        handle,
        as_attachment=not attachment.is_safe_image,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, max-age=300"
    return response
