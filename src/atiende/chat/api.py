"""REST endpoints of the chat, for the widget and for apps (mounted at /api/chat/).

Every path starts with the widget's public key. `POST sessions` opens a visitor session; the
other calls carry it as `Authorization: Bearer <session>`. Responses carry CORS headers for the
widget's allowed origins only (preflights included), and errors keep the API's shape
(`{"detail": ...}`). The calls go through the same actions as the websocket.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import override
from ninja import File, Form, Router, Schema, UploadedFile
from ninja.security import HttpBearer
from pydantic import Field

from atiende.api.files import read_uploads
from atiende.chat import actions, limits
from atiende.chat.config import widget_config, widget_language
from atiende.chat.models import ChatWidget
from atiende.chat.sessions import VisitorContext, authenticate, open_session, widget_by_key
from atiende.core.errors import ActionError, NotAllowed
from atiende.core.ratelimit import client_address

router = Router(tags=["chat"])


class ChatSessionAuth(HttpBearer):
    """`Authorization: Bearer <session>`: a visitor session from `POST sessions`."""

    def authenticate(self, request: HttpRequest, token: str) -> VisitorContext | None:
        return authenticate(token)


SESSION_AUTH = ChatSessionAuth()
# The widget's configuration and opening a session need no credential (the widget key is public).
PUBLIC: dict[str, Any] = {"security": [{}]}

ALLOW_HEADERS = "Authorization, Content-Type"
ALLOW_METHODS = "GET, POST, OPTIONS"


class SessionIn(Schema):
    visitor_token: str = Field("", max_length=200)
    name: str = Field("", max_length=200)
    email: str = Field("", max_length=254)
    user_id: str = Field("", max_length=255)
    user_hash: str = Field("", max_length=200)
    language: str = Field("", max_length=10)
    page_url: str = Field("", max_length=1000)


class SessionOut(Schema):
    visitor_token: str
    session: str
    conversation_id: int | None
    last_seq: int
    config: dict[str, Any]


class MessageIn(Schema):
    client_id: str = Field(max_length=100)
    text: str = Field(max_length=limits.MAX_TEXT)


class SentOut(Schema):
    client_id: str
    seq: int
    conversation_id: int


class EmailIn(Schema):
    email: str = Field(max_length=254)
    name: str = Field("", max_length=200)


class ReadIn(Schema):
    seq: int = Field(ge=0)


class MessagesOut(Schema):
    results: list[dict[str, Any]]


class Error(Schema):
    detail: str


ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 413: Error, 429: Error}


def _origin_allowed(request: HttpRequest, widget: ChatWidget) -> str | None:
    """The Origin to echo in CORS headers, or None. Our own pages (the frame) always pass."""
    origin = request.headers.get("Origin", "")
    if not origin:
        return None
    own = f"{request.scheme}://{request.get_host()}"
    if origin == own or widget.allows_origin(origin):
        return origin
    return None


def _respond(
    request: HttpRequest, widget: ChatWidget | None, data: dict[str, Any], status: int = 200
) -> HttpResponse:
    response = JsonResponse(data, status=status)
    response["Vary"] = "Origin"
    if widget is not None and (origin := _origin_allowed(request, widget)):
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Headers"] = ALLOW_HEADERS
        response["Access-Control-Allow-Methods"] = ALLOW_METHODS
        response["Access-Control-Max-Age"] = "600"
    return response


def _error(request: HttpRequest, widget: ChatWidget | None, error: ActionError) -> HttpResponse:
    return _respond(request, widget, {"detail": str(error.detail)}, error.status_code)


def _widget(widget_key: str) -> ChatWidget:
    return widget_by_key(widget_key[:64])


def _visitor(request: HttpRequest, widget: ChatWidget) -> VisitorContext:
    context = getattr(request, "auth", None)
    if not isinstance(context, VisitorContext) or context.widget_pk != widget.pk:
        error = ActionError(_("Your chat session has expired; open a new one."))
        error.status_code = 401
        raise error
    return context


def _call(request: HttpRequest, widget_key: str, work: Any) -> HttpResponse:
    """Run `work(widget)` and answer with its data or its error, CORS headers included."""
    widget = None
    try:
        widget = _widget(widget_key)
        language = widget_language(widget, request.LANGUAGE_CODE)
        with override(language):
            return _respond(request, widget, work(widget))
    except ActionError as error:
        return _error(request, widget, error)


@router.get("/{widget_key}/config", response={200: dict[str, Any], **ERRORS}, openapi_extra=PUBLIC)
def config(request: HttpRequest, widget_key: str, language: str = "") -> HttpResponse:
    def work(widget: ChatWidget) -> dict[str, Any]:
        return widget_config(widget, widget_language(widget, language or request.LANGUAGE_CODE))

    return _call(request, widget_key, work)


@router.post("/{widget_key}/sessions", response={200: SessionOut, **ERRORS}, openapi_extra=PUBLIC)
def sessions(request: HttpRequest, widget_key: str, payload: SessionIn) -> HttpResponse:
    def work(widget: ChatWidget) -> dict[str, Any]:
        if request.headers.get("Origin") and _origin_allowed(request, widget) is None:
            raise NotAllowed(_("This site may not embed this chat."))
        if not limits.allow("chat_session_ip", client_address(request)):
            raise limits.RateLimited
        language = widget_language(widget, payload.language or request.LANGUAGE_CODE)
        opened = open_session(
            widget,
            visitor_token=payload.visitor_token,
            name=payload.name,
            user_id=payload.user_id,
            user_hash=payload.user_hash,
            language=language,
        )
        if payload.email.strip():
            actions.leave_email(opened.context, payload.email, payload.name)
        conversation = opened.conversation
        if conversation is not None and payload.page_url:
            actions.set_page(opened.context, payload.page_url)
        return {
            "visitor_token": opened.visitor_token,
            "session": opened.session,
            "conversation_id": conversation.pk if conversation else None,
            "last_seq": conversation.last_seq if conversation else 0,
            "config": widget_config(widget, language),
        }

    return _call(request, widget_key, work)


@router.get("/{widget_key}/messages", response={200: MessagesOut, **ERRORS}, auth=SESSION_AUTH)
def messages(request: HttpRequest, widget_key: str, after: int = 0) -> HttpResponse:
    def work(widget: ChatWidget) -> dict[str, Any]:
        return {"results": actions.history(_visitor(request, widget), max(after, 0))}

    return _call(request, widget_key, work)


def _sent(sent: actions.Sent) -> dict[str, Any]:
    return {"client_id": sent.client_id, "seq": sent.seq, "conversation_id": sent.conversation_id}


@router.post("/{widget_key}/messages", response={200: SentOut, **ERRORS}, auth=SESSION_AUTH)
def send(request: HttpRequest, widget_key: str, payload: MessageIn) -> HttpResponse:
    def work(widget: ChatWidget) -> dict[str, Any]:
        sent = actions.send_message(
            _visitor(request, widget),
            client_id=payload.client_id,
            text=payload.text,
            address=client_address(request),
        )
        return _sent(sent)

    return _call(request, widget_key, work)


@router.post("/{widget_key}/attachments", response={200: SentOut, **ERRORS}, auth=SESSION_AUTH)
def attach(
    request: HttpRequest,
    widget_key: str,
    file: File[UploadedFile],
    client_id: Form[str],
    text: Form[str] = "",
) -> HttpResponse:
    def work(widget: ChatWidget) -> dict[str, Any]:
        context = _visitor(request, widget)
        sent = actions.send_message(
            context,
            client_id=client_id,
            text=text,
            files=tuple(read_uploads([file])),
            address=client_address(request),
        )
        return _sent(sent)

    return _call(request, widget_key, work)


@router.post("/{widget_key}/email", response={200: dict[str, Any], **ERRORS}, auth=SESSION_AUTH)
def email(request: HttpRequest, widget_key: str, payload: EmailIn) -> HttpResponse:
    def work(widget: ChatWidget) -> dict[str, Any]:
        actions.leave_email(_visitor(request, widget), payload.email, payload.name)
        return {"email": payload.email.strip().lower()}

    return _call(request, widget_key, work)


@router.post("/{widget_key}/read", response={200: dict[str, Any], **ERRORS}, auth=SESSION_AUTH)
def read(request: HttpRequest, widget_key: str, payload: ReadIn) -> HttpResponse:
    def work(widget: ChatWidget) -> dict[str, Any]:
        moved = actions.mark_read(_visitor(request, widget), payload.seq)
        return {"seq": moved[1] if moved else None}

    return _call(request, widget_key, work)


def preflight(request: HttpRequest, widget_key: str) -> HttpResponse:
    """CORS preflight: allowed for the widget's origins only."""
    try:
        widget: ChatWidget | None = _widget(widget_key)
    except ActionError:
        widget = None
    response = _respond(request, widget, {}, 204 if widget else 404)
    response.content = b""
    return response


for _path in ("config", "sessions", "messages", "attachments", "email", "read"):
    router.add_api_operation(
        f"/{{widget_key}}/{_path}",
        ["OPTIONS"],
        preflight,
        include_in_schema=False,
        operation_id=f"chat_{_path}_preflight",
    )
