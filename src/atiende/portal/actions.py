"""What customers do on the portal and the Help form, as actions the views call.

Every write goes through `receive_message`; these functions only choose the inbox and identity,
and schedule the customer's notification email for after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from atiende.conversations.actions import ReceiveResult, receive_message
from atiende.conversations.models import Conversation
from atiende.core.errors import ActionError
from atiende.inboxes.contract import InboundAttachment, InboundMessage
from atiende.inboxes.models import ChannelKind, Inbox
from atiende.people.models import Contact, ContactIdentity, IdentityKind
from atiende.portal import mail
from atiende.portal.links import contact_for_email


@dataclass(frozen=True)
class HelpRequest:
    """What a customer typed into the Help form."""

    name: str
    email: str
    subject: str
    message: str
    files: tuple[tuple[str, bytes], ...] = ()


def webform_inbox(requested: str | None = None) -> Inbox | None:
    """The inbox the Help form writes to: the one asked for by `?inbox=` if it is an active Help
    form inbox, else the first active one."""
    active = Inbox.objects.filter(channel=ChannelKind.WEBFORM, is_active=True).order_by("pk")
    if requested and requested.isdigit():
        chosen = active.filter(pk=int(requested)).first()
        if chosen is not None:
            return chosen
    return active.first()


def _attachments(files: tuple[tuple[str, bytes], ...]) -> tuple[InboundAttachment, ...]:
    return tuple(InboundAttachment(filename=name, content=content) for name, content in files)


def submit_help_request(inbox: Inbox, request: HelpRequest, *, language: str) -> ReceiveResult:
    """A new conversation from the Help form; the customer is emailed a link to follow it."""
    with transaction.atomic():
        result = receive_message(
            InboundMessage(
                inbox_id=inbox.pk,
                identity_kind=IdentityKind.EMAIL,
                identity_value=request.email,
                email=request.email,
                name=request.name,
                subject=request.subject,
                text=request.message,
                language=language,
                attachments=_attachments(request.files),
                new_conversation=True,
            )
        )
        conversation = result.conversation
        transaction.on_commit(
            lambda: mail.send_request_received(
                email=request.email,
                name=request.name,
                conversation=conversation,
                language=language,
            )
        )
    return result


def request_signin_link(email: str, *, language: str) -> None:
    """Email a sign-in link when a customer with this address exists; silently nothing
    otherwise, so the answer never tells whether an address is known."""
    contact = contact_for_email(email)
    if contact is None:
        return
    transaction.on_commit(lambda: mail.send_signin_link(email=email, language=language))


def customer_email(contact: Contact) -> str:
    """The email identity a portal reply is written under."""
    identity = (
        ContactIdentity.objects.filter(contact=contact, kind=IdentityKind.EMAIL)
        .order_by("-verified", "pk")
        .first()
    )
    if identity is not None:
        return identity.value
    if contact.email:
        return contact.email
    raise ActionError(_("We have no email address for you; please use the Help form."))


def reply_as_customer(
    contact: Contact,
    conversation: Conversation,
    *,
    text: str,
    files: tuple[tuple[str, bytes], ...] = (),
    language: str = "",
) -> ReceiveResult:
    """The customer's answer from the portal, in the same conversation (reopening a solved or
    pending one; a closed one gets a linked follow-up, as on every channel). The caller has
    already checked that `conversation` is this contact's (access_customer_conversation)."""
    email = customer_email(contact)
    return receive_message(
        InboundMessage(
            inbox_id=conversation.inbox_id,
            identity_kind=IdentityKind.EMAIL,
            identity_value=email,
            email=email,
            text=text,
            language=language,
            attachments=_attachments(files),
            conversation_id=conversation.pk,
        )
    )
