"""Search through the public API, on whichever engine the suite runs on: what matches, who may
find what, and that no query text can break it."""

from __future__ import annotations

import pytest

from atiende.conversations.actions import receive_message
from atiende.conversations.models import Direction, Message
from atiende.inboxes.contract import InboundMessage
from atiende.people.models import Role
from atiende.search import index
from atiende.search.index import index_message
from atiende.search.models import DocumentKind, SearchDocument
from atiende.search.query import (
    search_contacts,
    search_conversations,
    search_customer_conversations,
)
from tests.factories import Factory


def add_note(message: Message, text: str) -> Message:
    """An internal note on the message's conversation, indexed as the reply action does."""
    conversation = message.conversation
    conversation.last_seq += 1
    conversation.save(update_fields=["last_seq"])
    note = Message.objects.create(
        conversation=conversation,
        inbox=conversation.inbox,
        seq=conversation.last_seq,
        direction=Direction.NOTE,
        body_text=text,
    )
    index_message(note)
    return note


def test_finds_by_subject_message_and_contact_email(factory: Factory) -> None:
    admin = factory.user(Role.ADMIN)
    inbox = factory.inbox()
    by_subject = factory.inbound(inbox, subject="Factura duplicada", text="hola").conversation
    by_message = factory.inbound(inbox, text="The refund never arrived").conversation
    by_email = factory.inbound(inbox, email="lucia.ferrer@ejemplo.test", text="hola").conversation

    assert search_conversations(admin, "duplicada") == [by_subject]
    assert search_conversations(admin, "refund arrived") == [by_message]
    assert search_conversations(admin, "lucia.ferrer@ejemplo.test") == [by_email]


def test_accents_and_case_fold_both_ways(factory: Factory) -> None:
    admin = factory.user(Role.ADMIN)
    inbox = factory.inbox()
    accented = factory.inbound(inbox, text="No me llegó el crédito").conversation
    plain = factory.inbound(inbox, text="credito pendiente").conversation

    assert set(search_conversations(admin, "credito")) == {accented, plain}
    assert set(search_conversations(admin, "CRÉDITO")) == {accented, plain}
    assert search_conversations(admin, "LLEGO") == [accented]


def test_last_word_is_a_prefix_and_every_word_is_required(factory: Factory) -> None:
    admin = factory.user(Role.ADMIN)
    inbox = factory.inbox()
    both = factory.inbound(inbox, text="reembolso de la suscripción anual").conversation
    one = factory.inbound(inbox, text="reembolso por error").conversation

    assert set(search_conversations(admin, "reemb")) == {both, one}
    assert search_conversations(admin, "reembolso suscrip") == [both]
    assert search_conversations(admin, "reembolso inexistente") == []


def test_relevance_ranks_the_subject_first(factory: Factory) -> None:
    admin = factory.user(Role.ADMIN)
    inbox = factory.inbox()
    in_subject = factory.inbound(inbox, subject="Tarjeta rechazada", text="hola").conversation
    in_body = factory.inbound(inbox, text="me rechazaron la tarjeta ayer por la tarde").conversation

    assert search_conversations(admin, "tarjeta") == [in_subject, in_body]


def test_notes_are_found_by_agents(factory: Factory) -> None:
    admin = factory.user(Role.ADMIN)
    message = factory.inbound(factory.inbox(), text="hola")
    add_note(message, "cliente sospechoso de fraude")

    assert search_conversations(admin, "sospechoso fraude") == [message.conversation]


def test_an_agent_never_finds_another_teams_conversation(factory: Factory) -> None:
    team_a, team_b = factory.team(), factory.team()
    agent_a = factory.user(Role.AGENT, teams=[team_a])
    agent_b = factory.user(Role.AGENT, teams=[team_b])
    theirs = factory.inbound(
        factory.inbox(team=team_b),
        email="secreto@cliente-b.test",
        subject="Contrato confidencial",
        text="la clave es palmera",
    )
    add_note(theirs, "nota interna zanahoria")
    ours = factory.inbound(factory.inbox(team=team_a), text="palmera en la oficina").conversation

    assert search_conversations(agent_a, "palmera") == [ours]
    assert search_conversations(agent_a, "confidencial") == []
    assert search_conversations(agent_a, "zanahoria") == []
    assert search_conversations(agent_a, "secreto@cliente-b.test") == []
    assert search_contacts(agent_a, "secreto") == []
    assert search_conversations(agent_b, "palmera") == [theirs.conversation]
    assert search_contacts(agent_b, "secreto") == [theirs.conversation.contact]


def test_an_agent_finds_what_is_assigned_to_them_in_another_team(factory: Factory) -> None:
    team_a, team_b = factory.team(), factory.team()
    agent_a = factory.user(Role.AGENT, teams=[team_a])
    conversation = factory.inbound(factory.inbox(team=team_b), text="tornillo").conversation
    conversation.assignee = agent_a
    conversation.save(update_fields=["assignee"])

    assert search_conversations(agent_a, "tornillo") == [conversation]


def test_inactive_users_find_nothing(factory: Factory) -> None:
    admin = factory.user(Role.ADMIN, is_active=False)
    factory.inbound(factory.inbox(), text="tornillo")

    assert search_conversations(admin, "tornillo") == []


def test_contacts_by_name_and_identity(factory: Factory) -> None:
    admin = factory.user(Role.ADMIN)
    contact = factory.inbound(
        factory.inbox(), email="Maria.Nuñez@Correo.test", name="María Núñez"
    ).conversation.contact

    assert search_contacts(admin, "maria nunez") == [contact]
    assert search_contacts(admin, "maria.nunez@correo") == [contact]
    assert search_contacts(admin, "nadie") == []


def test_a_customer_finds_own_public_messages_only(factory: Factory) -> None:
    inbox = factory.inbox()
    mine = factory.inbound(inbox, email="ana@cliente.test", text="mi pedido de lámparas")
    add_note(mine, "lamparas: cliente conflictivo")
    other = factory.inbound(inbox, email="otro@cliente.test", text="también lámparas rotas")
    contact = mine.conversation.contact

    assert search_customer_conversations(contact, "lamparas") == [mine.conversation]
    assert search_customer_conversations(contact, "conflictivo") == []
    assert search_customer_conversations(contact, "rotas") == []
    assert search_customer_conversations(other.conversation.contact, "pedido") == []


def test_a_customer_finds_a_common_word_among_many(factory: Factory) -> None:
    inbox = factory.inbox()
    for _ in range(30):
        factory.inbound(inbox, text="hola necesito ayuda")
    mine = factory.inbound(inbox, email="ana@cliente.test", text="hola, ayuda con mi cuenta")

    found = search_customer_conversations(mine.conversation.contact, "hola ayuda")

    assert found == [mine.conversation]


HOSTILE = [
    "",
    "   ",
    "!!! ??? ...",
    '"',
    '"unterminated',
    "*",
    "cre*dito*",
    "NEAR(a b)",
    "a AND OR NOT b",
    "text: kind: contact",
    "((((",
    "'; DROP TABLE search_searchdocument; --",
    "\\' & | ! <-> :* ()",
    "\x00nul\x00",
    "ñandú 北京 Ελληνικά 🙂 עברית",
    "x" * 10_000,
    "palabra " * 1_300,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_queries_do_not_raise(factory: Factory, text: str) -> None:
    admin = factory.user(Role.ADMIN)
    message = factory.inbound(factory.inbox(), text="palabra clave")

    found = search_conversations(admin, text)
    contacts = search_contacts(admin, text)
    own = search_customer_conversations(message.conversation.contact, text)

    assert {len(found), len(contacts), len(own)} <= {0, 1}


def test_empty_queries_return_nothing(factory: Factory) -> None:
    admin = factory.user(Role.ADMIN)
    factory.inbound(factory.inbox(), text="algo")

    assert search_conversations(admin, "  ¿?¡! ") == []
    assert search_contacts(admin, "") == []


def test_a_message_received_later_is_found(factory: Factory) -> None:
    admin = factory.user(Role.ADMIN)
    inbox = factory.inbox()
    first = factory.inbound(inbox, email="p@cliente.test", text="primero")
    receive_message(
        InboundMessage(
            inbox_id=inbox.pk,
            identity_kind="email",
            identity_value="p@cliente.test",
            email="p@cliente.test",
            name="P",
            text="segundo mensaje con albaricoque",
            subject="",
            conversation_id=first.conversation_id,
        )
    )

    assert search_conversations(admin, "albaricoque") == [first.conversation]


def test_an_indexed_message_indexed_again_is_found_by_its_new_text_only(
    factory: Factory,
) -> None:
    """The upsert replaces the document in place: the engine's index (SQLite's FTS5 triggers,
    PostgreSQL's generated tsvector) follows the new text and forgets the old."""
    admin = factory.user(Role.ADMIN)
    inbox = factory.inbox()
    message = factory.inbound(inbox, text="membrillo")
    conversation = message.conversation
    assert search_conversations(admin, "membrillo") == [conversation]

    message.body_text = "granada madura"
    index_message(message)

    assert search_conversations(admin, "membrillo") == []
    assert search_conversations(admin, "granada") == [conversation]
    assert (
        SearchDocument.objects.filter(kind=DocumentKind.MESSAGE, object_id=message.pk).count() == 1
    )


def test_a_deferred_batch_writes_each_document_once_with_its_last_text(
    factory: Factory,
) -> None:
    admin = factory.user(Role.ADMIN)
    inbox = factory.inbox()
    first = factory.inbound(inbox, text="uno")
    second = factory.inbound(inbox, text="dos")
    with index.deferred() as documents:
        first.body_text = "castaña"
        index_message(first)
        first.body_text = "avellana"
        index_message(first)
        second.body_text = "avellana tostada"
        index_message(second)
    assert len(documents) == 3
    assert search_conversations(admin, "avellana") == []  # collected, not written yet
    index.write(documents)

    assert set(search_conversations(admin, "avellana")) == {
        first.conversation,
        second.conversation,
    }
    assert search_conversations(admin, "castana") == []
    stored = SearchDocument.objects.get(kind=DocumentKind.MESSAGE, object_id=first.pk)
    assert (stored.conversation_id, stored.contact_id, stored.is_note) == (
        first.conversation_id,
        None,
        False,
    )
