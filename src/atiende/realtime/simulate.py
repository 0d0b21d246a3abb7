"""A customer's message typed from the command line, for demos and end-to-end tests of live
updates: it is received by the worker, so in the embedded mode it runs inside the server process
and its events reach browsers through the in-process channel layer (a message received in the
command's own process would only reach browsers with the Redis layer)."""

from __future__ import annotations

from typing import Any

from atiende.conversations.actions import receive_message
from atiende.conversations.models import Conversation
from atiende.core import tasks
from atiende.inboxes.contract import InboundMessage
from atiende.people.models import ContactIdentity


@tasks.task("realtime.simulated_customer_message")
def simulated_customer_message(payload: dict[str, Any]) -> None:
    conversation = (
        Conversation.objects.select_related("contact").filter(pk=payload["conversation_id"]).first()
    )
    if conversation is None:
        return
    identity = ContactIdentity.objects.filter(contact=conversation.contact).order_by("id").first()
    if identity is None:
        return
    # The external id makes a re-run of this task (after a crash) store the message once.
    receive_message(
        InboundMessage(
            inbox_id=conversation.inbox_id,
            identity_kind=identity.kind,
            identity_value=identity.value,
            text=str(payload["text"]),
            external_id=str(payload["external_id"]),
            conversation_id=conversation.pk,
        )
    )
