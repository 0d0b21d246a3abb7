"""The signed-in customer's own conversations and messages (never internal notes)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status, UploadedFile
from ninja.params import Form

from atiende.api import files, paging, present
from atiende.api.auth import CUSTOMER_AUTH, customer_of
from atiende.api.params import CursorPage, IdPath, MessageFilters
from atiende.api.schemas import (
    CustomerConversationOut,
    CustomerConversationPage,
    CustomerMessageCreate,
    CustomerMessageOut,
    CustomerMessagePage,
    Error,
)
from atiende.conversations import actions
from atiende.conversations.access import (
    access_customer_conversation,
    customer_conversations,
    customer_messages,
)
from atiende.conversations.models import Message
from atiende.core.errors import ActionError
from atiende.inboxes.contract import InboundAttachment, InboundMessage
from atiende.people.models import Contact, ContactIdentity, IdentityKind

router = Router(tags=["customer"], auth=CUSTOMER_AUTH)

ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 413: Error, 422: Error}


@router.get(
    "/conversations",
    response={200: CustomerConversationPage, **ERRORS},
    operation_id="my_conversations",
)
def my_conversations(request: HttpRequest, filters: Query[CursorPage]) -> CustomerConversationPage:
    contact = customer_of(request)
    page, cursor = paging.recent_first(
        customer_conversations(contact), filters.cursor or "", filters.limit
    )
    return CustomerConversationPage(
        results=[present.customer_conversation(item) for item in page],
        next=paging.next_link(request, cursor=cursor) if cursor else None,
    )


@router.get(
    "/conversations/{conversation_id}",
    response={200: CustomerConversationOut, **ERRORS},
    operation_id="my_conversation",
)
def my_conversation(request: HttpRequest, conversation_id: IdPath) -> CustomerConversationOut:
    conversation = access_customer_conversation(customer_of(request), conversation_id)
    return present.customer_conversation(conversation)


@router.get(
    "/conversations/{conversation_id}/messages",
    response={200: CustomerMessagePage, **ERRORS},
    operation_id="my_messages",
)
def my_messages(
    request: HttpRequest, conversation_id: IdPath, filters: Query[MessageFilters]
) -> CustomerMessagePage:
    conversation = access_customer_conversation(customer_of(request), conversation_id)
    messages = list(
        customer_messages(conversation)
        .filter(seq__gt=filters.after_seq)
        .select_related("author_user", "author_contact")
        .prefetch_related("attachments")
        .order_by("seq")[: filters.limit]
    )
    full = len(messages) == filters.limit
    return CustomerMessagePage(
        results=[present.customer_message(item) for item in messages],
        next=paging.next_link(request, after_seq=messages[-1].seq) if full else None,
    )


@router.post(
    "/conversations/{conversation_id}/messages",
    response={200: CustomerMessageOut, 201: CustomerMessageOut, **ERRORS},
    operation_id="my_reply",
)
def my_reply(
    request: HttpRequest, conversation_id: IdPath, payload: CustomerMessageCreate
) -> Status[CustomerMessageOut]:
    """The customer's reply. A repeated `client_message_id` is stored once (200)."""
    return _reply(request, conversation_id, payload, [])


@router.post(
    "/conversations/{conversation_id}/messages/upload",
    response={200: CustomerMessageOut, 201: CustomerMessageOut, **ERRORS},
    operation_id="my_reply_with_files",
)
def my_reply_with_files(
    request: HttpRequest,
    conversation_id: IdPath,
    payload: Form[CustomerMessageCreate],
    attachments: File[list[UploadedFile]],
) -> Status[CustomerMessageOut]:
    """The same as a reply, as multipart/form-data with files in `attachments`."""
    return _reply(request, conversation_id, payload, files.read_uploads(attachments))


def _reply(
    request: HttpRequest,
    conversation_id: int,
    payload: CustomerMessageCreate,
    uploads: list[tuple[str, bytes]],
) -> Status[CustomerMessageOut]:
    contact = customer_of(request)
    conversation = access_customer_conversation(contact, conversation_id)
    kind, value = _identity(contact)
    # Namespaced by the customer, so one customer's id can never match another's message.
    external_id = (
        f"me:{contact.pk}:{payload.client_message_id}" if payload.client_message_id else ""
    )
    result = actions.receive_message(
        InboundMessage(
            inbox_id=conversation.inbox_id,
            identity_kind=kind,
            identity_value=value,
            text=payload.text,
            external_id=external_id,
            conversation_id=conversation.pk,
            attachments=tuple(InboundAttachment(name, content) for name, content in uploads),
        )
    )
    message = (
        Message.objects.select_related("author_user", "author_contact")
        .prefetch_related("attachments")
        .get(pk=result.message.pk)
    )
    return Status(201 if result.created else 200, present.customer_message(message))


def _identity(contact: Contact) -> tuple[str, str]:
    """An identity of the signed-in contact to receive the message as (email first)."""
    identities = list(ContactIdentity.objects.filter(contact=contact).order_by("pk"))
    for identity in identities:
        if identity.kind == IdentityKind.EMAIL:
            return identity.kind, identity.value
    if identities:
        return identities[0].kind, identities[0].value
    raise ActionError(_("Your account has no address to reply from."))
