"""Replies a visitor did not read are emailed (once), so the conversation continues by email.

`chat_email_unread` (a durable task, queued by the adapter for every reply) checks, when it
runs, whether the visitor has read the reply since (`ChatState.visitor_read_seq`) and whether
it was already emailed (`emailed_seq`); if neither, it emails every unread reply with a sign-in
link to the portal, where the customer can read and answer the whole conversation.
"""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from atiende.chat.frames import public_messages
from atiende.chat.models import ChatState
from atiende.conversations.models import Direction, Message
from atiende.core import tasks
from atiende.inboxes.contract import DeliveryError
from atiende.people.lookup import contact_for_identity, surviving
from atiende.people.models import IdentityKind

logger = logging.getLogger(__name__)

EMAIL_TASK = "chat_email_unread"


@tasks.task(EMAIL_TASK)
def email_unread_task(payload: dict[str, Any]) -> None:
    email_unread(int(payload["message_id"]))


def email_unread(message_id: int) -> bool:
    """Email the unread replies up to `message_id`; True when an email left."""
    message = (
        Message.objects.select_related("conversation__contact", "conversation__inbox")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        return False
    conversation = message.conversation
    contact = surviving(conversation.contact)
    if not contact.email:
        return False
    state, _created = ChatState.objects.get_or_create(conversation=conversation)
    start = max(state.visitor_read_seq, state.emailed_seq)
    if message.seq <= start:
        return False
    replies = list(
        public_messages(conversation.pk, start).filter(
            direction__in=(Direction.OUTBOUND, Direction.BOT), seq__lte=message.seq
        )
    )
    if not replies:
        return False
    link = ""
    if contact_for_identity(IdentityKind.EMAIL, contact.email) == contact:
        from atiende.portal.links import portal_link_for

        link = portal_link_for(contact.email, conversation.pk)
    language = conversation.language or contact.language or conversation.inbox.language
    with translation.override(language or "en"):
        subject = _("New reply to your chat %(reference)s") % {"reference": conversation.reference}
        body = render_to_string(
            "chat/email/unread.txt",
            {"contact": contact, "replies": replies, "link": link, "inbox": conversation.inbox},
        )
    email = EmailMessage(
        subject=subject,
        body=body,
        from_email=conversation.inbox.config.get("from_email") or settings.DEFAULT_FROM_EMAIL,
        to=[contact.email],
        headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
    )
    try:
        email.send()
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(str(exc)) from exc
    ChatState.objects.filter(pk=state.pk, emailed_seq__lt=message.seq).update(
        emailed_seq=message.seq
    )
    return True


def describe_email_given(event: Any) -> str:
    """The timeline line for `chat.email_given`."""
    return _("The visitor left an email address: %(email)s") % {
        "email": (event.data or {}).get("email", "")
    }
