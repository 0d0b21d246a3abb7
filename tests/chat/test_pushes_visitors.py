"""Who hears "your conversation changed": the visitors of the conversation's inbox who chat as
its contact (linked to it, by its chat identity, or by its signed-in user id), nobody else."""

from __future__ import annotations

import secrets

import pytest

from atiende.chat.models import ChatWidget, Visitor
from atiende.chat.pushes import visitors_of
from atiende.inboxes.models import ChannelKind
from atiende.people.models import ContactIdentity, IdentityKind
from tests.chat.helpers import chat_widget
from tests.factories import Factory

pytestmark = pytest.mark.django_db


def visitor(widget: ChatWidget, **fields: object) -> Visitor:
    return Visitor.objects.create(
        widget=widget,
        token_hash=secrets.token_hex(16),
        visitor_id=str(fields.pop("visitor_id", secrets.token_hex(8))),
        **fields,
    )


def test_the_contacts_visitors_of_this_inbox_only(factory: Factory) -> None:
    widget = chat_widget(factory)
    conversation = factory.conversation(inbox=widget.inbox)
    contact = conversation.contact
    ContactIdentity.objects.create(contact=contact, kind=IdentityKind.CHAT, value="chat-id-1")
    ContactIdentity.objects.create(contact=contact, kind=IdentityKind.USER, value="user-7")
    linked = visitor(widget, contact=contact)
    by_chat_id = visitor(widget, visitor_id="chat-id-1")
    by_user_id = visitor(widget, user_id="user-7")
    both = visitor(widget, contact=contact, user_id="user-7")
    for _ in range(5):
        visitor(widget)  # other visitors of the same inbox
    other_widget = ChatWidget.objects.create(inbox=factory.inbox(channel=ChannelKind.CHAT))
    visitor(other_widget, contact=contact)  # the same contact, another inbox
    found = visitors_of(conversation)
    assert sorted(found) == sorted([linked.pk, by_chat_id.pk, by_user_id.pk, both.pk])


def test_without_identities_only_the_linked_visitors(factory: Factory) -> None:
    widget = chat_widget(factory)
    conversation = factory.conversation(inbox=widget.inbox)
    ContactIdentity.objects.filter(contact=conversation.contact).delete()
    linked = visitor(widget, contact=conversation.contact)
    visitor(widget)
    assert visitors_of(conversation) == [linked.pk]
