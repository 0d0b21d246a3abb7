"""Merging conversations and contacts keeps what is needed to read and undo the merge."""

from __future__ import annotations

import pytest

from atiende.conversations.actions import merge_contacts, merge_conversations
from atiende.conversations.models import Conversation, Status
from atiende.core.errors import ActionError, NotAllowed
from atiende.core.models import Event
from atiende.inboxes.contract import InboundMessage
from atiende.people.models import Contact, ContactIdentity
from tests.factories import Factory


def test_merge_conversations_moves_messages_in_order(factory: Factory) -> None:
    admin = factory.user(role="admin")
    inbox = factory.inbox()
    first = factory.conversation(inbox=inbox, email="lu@example.test")
    second = factory.conversation(inbox=inbox, email="lu@example.test")

    merge_conversations(admin, second, first)

    first.refresh_from_db()
    second.refresh_from_db()
    assert list(first.messages.values_list("seq", flat=True)) == [1, 2]
    assert second.status == Status.CLOSED
    assert second.merged_into == first
    event = Event.objects.get(kind="conversation.merged")
    assert event.data["messages"][0]["from_seq"] == 1


def test_conversations_of_two_customers_cannot_be_merged(factory: Factory) -> None:
    admin = factory.user(role="admin")
    one = factory.conversation(email="a@example.test")
    two = factory.conversation(email="b@example.test")

    with pytest.raises(ActionError):
        merge_conversations(admin, one, two)


def test_merge_contacts_moves_identities_and_conversations(factory: Factory) -> None:
    admin = factory.user(role="admin")
    inbox = factory.inbox()
    by_email = factory.conversation(inbox=inbox, email="mo@example.test").contact
    from atiende.conversations.actions import receive_message

    by_api = receive_message(
        InboundMessage(inbox_id=inbox.pk, identity_kind="api", identity_value="user-77", text="hi")
    ).conversation.contact

    merge_contacts(admin, by_api, by_email)

    assert ContactIdentity.objects.filter(contact=by_email).count() == 2
    assert Conversation.objects.filter(contact=by_email).count() == 2
    by_api.refresh_from_db()
    assert by_api.merged_into == by_email
    event = Event.objects.get(kind="contact.merged")
    assert {i["kind"] for i in event.data["identities"]} == {"api"}
    # A later message from the merged identity lands with the surviving contact.
    later = receive_message(
        InboundMessage(inbox_id=inbox.pk, identity_kind="api", identity_value="user-77", text="+")
    )
    assert later.conversation.contact == by_email
    assert Contact.objects.count() == 2


def test_merge_cannot_pull_conversations_across_team_boundaries(factory: Factory) -> None:
    billing, technical = factory.team("Billing"), factory.team("Technical")
    agent = factory.user(teams=[billing])
    mine = factory.conversation(inbox=factory.inbox(team=billing), email="x@example.test")
    hidden = factory.conversation(inbox=factory.inbox(team=technical), email="y@example.test")

    with pytest.raises(NotAllowed):
        merge_contacts(agent, hidden.contact, mine.contact)
