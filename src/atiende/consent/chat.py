"""Approve or deny an access request with the chat's quick-reply buttons.

The request message the agent's `request_grant` sends gets two buttons in the chat widget; a
click runs in the visitor's own session, so the one answering is the conversation's customer
(checked again by `approve_grant` against the grant's contact). Registered only when the chat
app offers its extension points.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.utils import translation
from django.utils.translation import gettext as _

from atiende.consent import grants
from atiende.consent.models import Grant, GrantStatus
from atiende.conversations.models import Direction
from atiende.core.errors import ActionError

if TYPE_CHECKING:
    from atiende.conversations.models import Conversation, Message
    from atiende.people.models import Contact

logger = logging.getLogger(__name__)

APPROVE = "consent.approve"
DENY = "consent.deny"


# Every request message links the customer's access page (`grants._tell_customer`): a message
# without it, or not an agent's reply, asks for nothing, and needs no query to say so (this runs
# for every reply pushed to a chat visitor and every message replayed to one).
ACCESS_PAGE = "/portal/account/access/"


def _may_be_request(message: Message) -> bool:
    return (
        message.direction == Direction.OUTBOUND
        and message.author_user_id is not None
        and ACCESS_PAGE in (message.body_text or "")
    )


def _pending_for(message: Message) -> Grant | None:
    grant = (
        Grant.objects.select_related("contact")
        .filter(request_message_id=message.pk, status=GrantStatus.PENDING)
        .first()
    )
    if grant is None or grant.effective_status() != GrantStatus.PENDING:
        return None
    return grant


def buttons(message: Message) -> list[dict[str, str]]:
    """Approve / deny under a pending request, in the customer's language."""
    if not _may_be_request(message):
        return []
    grant = _pending_for(message)
    if grant is None:
        return []
    language = message.conversation.language or grant.contact.language or "en"
    with translation.override(language):
        return [
            {"id": APPROVE, "label": _("Approve access")},
            {"id": DENY, "label": _("Deny")},
        ]


def _answer(message: Message, contact: Contact, *, approve: bool) -> None:
    grant = _pending_for(message)
    if grant is None:
        return
    try:
        if approve:
            grants.approve_grant(contact, grant.pk)
        else:
            grants.deny_grant(contact, grant.pk)
    except ActionError as exc:
        logger.info("chat answer to grant %s refused: %s", grant.pk, exc.detail)


def approve(conversation: Conversation, message: Message, contact: Contact) -> None:
    _answer(message, contact, approve=True)


def deny(conversation: Conversation, message: Message, contact: Contact) -> None:
    _answer(message, contact, approve=False)


def register() -> None:
    try:
        from atiende.chat import extensions
    except ImportError:  # the chat app is not installed
        return
    extensions.register_message_actions(buttons)
    extensions.register_action_handler(APPROVE, approve)
    extensions.register_action_handler(DENY, deny)
