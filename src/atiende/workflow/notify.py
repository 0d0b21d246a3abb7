"""Tell one agent's open inbox pages something that concerns them (a chat was routed or
transferred to them), over the channel layer, after commit.

Every `InboxConsumer` joins its agent's group `agent-<user id>`; the page shows the text and,
if the agent opted in, plays a sound and raises a browser notification.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from atiende.conversations.models import Conversation
from atiende.core.events import broadcast
from atiende.people.models import User


def agent_group(user_id: int) -> str:
    return f"agent-{user_id}"


def notify_agent(user: User, conversation: Conversation, kind: str, text: str) -> None:
    message = {
        "type": "atiende.notify",
        "kind": kind,
        "conversation_id": conversation.pk,
        "text": text,
    }
    transaction.on_commit(lambda: broadcast([agent_group(user.pk)], message))


def chat_routed(user: User, conversation: Conversation) -> None:
    with translation.override(user.language or None):
        text = _("New chat from %(customer)s") % {"customer": conversation.contact}
    notify_agent(user, conversation, "chat_routed", text)


def chat_transferred(user: User, conversation: Conversation, by: User, note: str) -> None:
    with translation.override(user.language or None):
        text = _("%(agent)s transferred a chat with %(customer)s to you") % {
            "agent": by,
            "customer": conversation.contact,
        }
        if note:
            text = _("%(text)s: %(note)s") % {"text": text, "note": note[:200]}
    notify_agent(user, conversation, "chat_transferred", text)
