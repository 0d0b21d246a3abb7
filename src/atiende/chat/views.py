"""Pages the chat serves: the widget's frame (embedded by widget.js on the host site), attachment
downloads for visitors, and the Sonora demo page with the widget on it.

The frame is the only page of atiende that another site may embed: its CSP `frame-ancestors`
lists the widget's allowed origins (any, when none is set), and it carries no session cookie.
"""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from atiende.chat.config import widget_config, widget_language
from atiende.chat.demo import DEMO_USER_ID
from atiende.chat.frames import read_attachment_link
from atiende.chat.identity import user_hash
from atiende.chat.models import ChatWidget
from atiende.chat.sessions import widget_by_key
from atiende.conversations.access import access_attachment_for_customer
from atiende.core.errors import NotFound
from atiende.people.models import Contact


@require_GET
@xframe_options_exempt
def frame(request: HttpRequest, key: str) -> HttpResponse:
    try:
        widget = widget_by_key(key)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    language = widget_language(widget, request.GET.get("lang", "") or request.LANGUAGE_CODE)
    with translation.override(language):
        response = render(
            request,
            "chat/frame.html",
            {"widget": widget, "config": widget_config(widget, language), "language": language},
        )
    policy = dict(settings.SECURE_CSP)
    policy["frame-ancestors"] = widget.origins() or ["*"]
    response._csp_config = policy  # type: ignore[attr-defined]  # read by Django's CSP middleware
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.headers["Cache-Control"] = "no-store"
    return response


@require_GET
def attachment(request: HttpRequest, signed: str) -> FileResponse:
    claim = read_attachment_link(signed)
    if claim is None:
        raise Http404("invalid link")
    contact = Contact.objects.filter(pk=claim[0]).first()
    if contact is None:
        raise Http404("no contact")
    try:
        item = access_attachment_for_customer(contact, claim[1])
        handle = item.file.open("rb")
    except (NotFound, FileNotFoundError) as exc:
        raise Http404("not found") from exc
    response = FileResponse(
        handle,
        as_attachment=not item.is_safe_image,
        filename=item.filename,
        content_type=item.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, max-age=300"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@require_GET
def demo_page(request: HttpRequest) -> HttpResponse:
    """Sonora's landing page with the widget embedded by one script tag (the demo)."""
    widget = (
        ChatWidget.objects.select_related("inbox")
        .filter(inbox__is_active=True)
        .order_by("pk")
        .first()
    )
    if widget is None:
        raise Http404("no chat inbox")
    context: dict[str, object] = {"widget": widget, "signed_in": False}
    if request.GET.get("as") == "rosa":
        # What the business's back end does for its signed-in user: sign the id.
        context.update(
            signed_in=True,
            user_id=DEMO_USER_ID,
            user_hash=user_hash(widget.inbox.secret, DEMO_USER_ID),
        )
    return render(request, "chat/demo_sonora.html", context)
