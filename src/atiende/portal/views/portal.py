"""The signed-in customer's pages: their requests, one request with its public messages and a
reply form, and attachment downloads. Every id and token from the URL is checked against the
signed-in customer (access_customer_*): someone else's is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from atiende.conversations.access import (
    access_attachment_for_customer,
    access_customer_conversation,
    customer_conversations,
    customer_messages,
)
from atiende.conversations.models import Attachment, Conversation
from atiende.core.errors import ActionError, NotFound
from atiende.people.models import Contact
from atiende.portal import actions
from atiende.portal.forms import ReplyForm
from atiende.portal.views.common import customer_required


@require_GET
@customer_required
def conversation_list(request: HttpRequest, contact: Contact) -> HttpResponse:
    conversations = customer_conversations(contact).order_by("-last_message_at", "-pk")
    return render(
        request,
        "portal/conversation_list.html",
        {"contact": contact, "conversations": conversations},
    )


def _conversation(contact: Contact, conversation_id: int) -> Conversation:
    try:
        return access_customer_conversation(contact, conversation_id)
    except NotFound as exc:
        raise Http404(exc.detail) from exc


def _render_conversation(
    request: HttpRequest,
    contact: Contact,
    conversation: Conversation,
    form: ReplyForm,
    status: int = 200,
) -> HttpResponse:
    thread = (
        customer_messages(conversation)
        .select_related("author_user")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
        .order_by("seq")
    )
    return render(
        request,
        "portal/conversation_detail.html",
        {"contact": contact, "conversation": conversation, "thread": thread, "form": form},
        status=status,
    )


@require_GET
@customer_required
def conversation_detail(request: HttpRequest, contact: Contact, pk: int) -> HttpResponse:
    conversation = _conversation(contact, pk)
    return _render_conversation(request, contact, conversation, ReplyForm())


@require_POST
@customer_required
def reply(request: HttpRequest, contact: Contact, pk: int) -> HttpResponse:
    conversation = _conversation(contact, pk)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            result = actions.reply_as_customer(
                contact,
                conversation,
                text=form.cleaned_data["text"],
                files=form.cleaned_data["attachments"],
                language=translation.get_language() or "",
            )
        except ActionError as exc:
            form.add_error(None, exc.detail)
        else:
            if result.conversation.pk != conversation.pk:
                messages.info(
                    request,
                    _("That request was closed, so your message started a new one, %(reference)s.")
                    % {"reference": result.conversation.reference},
                )
            else:
                messages.success(request, _("Your answer was sent."))
            return redirect("portal:conversation", result.conversation.pk)
    return _render_conversation(request, contact, conversation, form, status=400)


@require_GET
@customer_required
def attachment(request: HttpRequest, contact: Contact, token: str) -> HttpResponseBase:
    try:
        stored = access_attachment_for_customer(contact, token)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    response = FileResponse(
        stored.file.open("rb"),
        as_attachment=not stored.is_safe_image,
        filename=stored.filename,
        content_type=stored.content_type,
    )
    # Served from our origin, so never as a page: no sniffing, no scripts, no same-origin.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
