"""Every write to conversations goes through these functions; views, the API, channel adapters
and tasks all call them. Each runs in one transaction and appends events that are published
only after commit."""

from atiende.conversations.actions.manage import (
    assign,
    change_priority,
    change_status,
    change_team,
    tag,
)
from atiende.conversations.actions.merge import merge_contacts, merge_conversations
from atiende.conversations.actions.receive import ReceiveResult, receive_message
from atiende.conversations.actions.reply import add_note, retry_delivery, send_reply

__all__ = [
    "ReceiveResult",
    "add_note",
    "assign",
    "change_priority",
    "change_status",
    "change_team",
    "merge_contacts",
    "merge_conversations",
    "receive_message",
    "retry_delivery",
    "send_reply",
    "tag",
]
