"""Images of help-center articles and steps, served by the app from outside any served folder.

Only images whose bytes were sniffed as PNG, JPEG, GIF or WebP were ever stored (see
`actions.store_image`); they are served with `nosniff` and a sandboxing CSP all the same.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from atiende.helpcenter.models import HelpImage


@require_GET
def image(request: HttpRequest, token: str) -> FileResponse:
    found = HelpImage.objects.filter(token=token).first()
    if found is None:
        raise Http404("no such image")
    try:
        handle = found.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("image file missing") from exc
    response = FileResponse(handle, content_type=found.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "public, max-age=86400"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
