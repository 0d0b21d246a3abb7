"""The event kinds an endpoint may subscribe to, and what each one's payload carries.

A subset of the event log's kinds (`events.record`): the changes an integrator acts on. Kinds
that only matter inside atiende (triage notes, routing internals, secret rotations) stay out.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# kind → (what the admin reads, which objects `data` carries)
KINDS: dict[str, tuple[Promise, tuple[str, ...]]] = {
    "conversation.created": (_("A conversation was created"), ("conversation",)),
    "conversation.status_changed": (_("A conversation's status changed"), ("conversation",)),
    "conversation.assigned": (_("A conversation was assigned"), ("conversation",)),
    "conversation.team_changed": (_("A conversation's team changed"), ("conversation",)),
    "conversation.priority_changed": (_("A conversation's priority changed"), ("conversation",)),
    "conversation.tagged": (_("A conversation's tags changed"), ("conversation",)),
    "conversation.transferred": (_("A conversation was transferred"), ("conversation",)),
    "conversation.handed_off": (
        _("The answer bot handed a conversation to people"),
        ("conversation",),
    ),
    "conversation.merged": (_("Conversations were merged"), ("conversation",)),
    "message.created": (_("A message was received or sent"), ("conversation", "message")),
    "message.delivery": (
        _("A reply's delivery status changed"),
        ("conversation", "message"),
    ),
    "contact.created": (_("A contact was created"), ("contact",)),
    "contact.merged": (_("Contacts were merged"), ("contact",)),
    "satisfaction.requested": (_("A satisfaction survey was sent"), ("conversation",)),
    "satisfaction.rated": (_("A customer rated a conversation"), ("conversation",)),
}

# Sent by the "send test ping" action only; never subscribed to.
PING = "webhook.ping"


def choices() -> list[tuple[str, Promise]]:
    return [(kind, label) for kind, (label, _objects) in KINDS.items()]
