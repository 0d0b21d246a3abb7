"""`rawsql.Select`: the hot reads compiled once must run exactly the ORM's SQL and give the
ORM's objects (fields, `select_related` objects, annotations), on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any, cast

import pytest
from django.db import connection, transaction
from django.db.models import Model
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from atiende.api import tokens
from atiende.api.routes import conversations as conversation_routes
from atiende.api.tokens import create_token
from atiende.chat import actions as chat_actions
from atiende.chat import sessions
from atiende.chat.models import ChatSession, ChatWidget, token_hash
from atiende.conversations import access
from atiende.conversations.actions import common, send_reply
from atiende.conversations.models import Conversation
from atiende.core import rawsql
from atiende.core.errors import NotFound
from atiende.core.models import Task
from atiende.inboxes.contract import InboundAttachment
from atiende.inboxes.models import ChannelKind
from atiende.people import lookup
from atiende.people.models import IdentityKind, Role
from tests.factories import Factory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def snapshot(instance: Model | None, depth: int = 2) -> Any:
    """Everything an instance carries: its fields, annotations and cached related objects."""
    if instance is None:
        return None
    fields = {k: v for k, v in instance.__dict__.items() if not k.startswith("_")}
    related = {}
    if depth:
        for name, value in instance._state.fields_cache.items():
            related[name] = snapshot(value, depth - 1)
    return (type(instance), instance._state.db, instance._state.adding, fields, related)


def same_as_orm(statement: rawsql.Select[Any], *values: Any) -> list[Any]:
    """The statement's SQL is the ORM's, and so are the objects it builds."""
    assert statement.sql(*values) == statement.orm_sql(*values)
    with CaptureQueriesContext(connection) as captured:
        found = statement.fetch(*values)
    assert len(captured.captured_queries) == 1
    expected = list(statement.build(*values))
    assert [snapshot(item) for item in found] == [snapshot(item) for item in expected]
    return found


@pytest.fixture
def chat(factory: Factory) -> dict[str, Any]:
    inbox = factory.inbox(channel=ChannelKind.CHAT)
    widget = ChatWidget.objects.create(inbox=inbox, suggest_articles=False)
    opened = sessions.open_session(widget, name="Visitor")
    sent = chat_actions.send_message(opened.context, client_id="client-0001", text="Hello there")
    conversation = Conversation.objects.get(pk=sent.conversation_id)
    return {"inbox": inbox, "opened": opened, "conversation": conversation}


def test_the_visitor_message_reads(chat: dict[str, Any]) -> None:
    context = chat["opened"].context
    conversation = chat["conversation"]

    (repeat,) = same_as_orm(chat_actions._BY_CLIENT_ID, context.inbox_id, "client-0001")
    assert repeat.conversation == conversation
    assert same_as_orm(chat_actions._BY_CLIENT_ID, context.inbox_id, "client-none") == []
    (identity,) = same_as_orm(lookup._IDENTITY, IdentityKind.CHAT, context.identity_value)
    assert identity.contact == conversation.contact
    assert lookup.contact_for_identity(context.identity_kind, context.identity_value) == (
        conversation.contact
    )
    (latest,) = same_as_orm(sessions._LATEST, conversation.contact_id, context.inbox_id)
    assert latest == conversation
    assert same_as_orm(sessions._LATEST, conversation.contact_id, context.inbox_id + 1) == []


def test_the_session_read(chat: dict[str, Any]) -> None:
    opened = chat["opened"]
    hashed = token_hash(opened.session)
    now = timezone.now()
    (found,) = same_as_orm(sessions._SESSION, hashed, now)
    # Three levels loaded: the socket reads the widget's inbox without a query.
    with CaptureQueriesContext(connection) as captured:
        assert found.visitor.widget.inbox == chat["inbox"]
        assert found.visitor.widget.inbox.is_active
    assert captured.captured_queries == []
    assert same_as_orm(sessions._SESSION, hashed, found.expires_at) == []
    assert same_as_orm(sessions._SESSION, token_hash("not a session"), now) == []
    visitor = sessions.authenticate_visitor(opened.session)
    assert visitor is not None
    assert visitor.pk == opened.context.visitor_pk
    assert sessions.authenticate_visitor(opened.session, "another widget") is None


def test_the_conversation_lock(chat: dict[str, Any]) -> None:
    conversation = chat["conversation"]
    with transaction.atomic():
        locked = common.lock_where(pk=conversation.pk)
        assert locked is not None
        assert Conversation.contact.is_cached(locked)
        assert Conversation.inbox.is_cached(locked)
        for names, values in (
            (("pk",), [conversation.pk]),
            (
                ("contact", "inbox_id", "pk"),
                [conversation.contact_id, conversation.inbox_id, conversation.pk],
            ),
            (
                ("contact", "inbox_id", "pk"),
                [conversation.contact_id + 1, conversation.inbox_id, conversation.pk],
            ),
        ):
            statement = common._locks.get(names) or common._locks.setdefault(
                names, rawsql.Select(lambda *v, n=names: common._locked(n, *v), *[int] * len(names))
            )
            same_as_orm(statement, *values)
        # A model instance stands for its pk.
        assert (
            common.lock_where(
                pk=conversation.pk, contact=conversation.contact, inbox_id=conversation.inbox_id
            )
            == conversation
        )
        assert common.lock_where(pk=conversation.pk + 1000) is None
    sql = common._locks[("pk",)].sql(conversation.pk)[0]
    assert ("FOR UPDATE" in sql) == connection.features.has_select_for_update


@pytest.mark.skipif(not connection.features.has_select_for_update, reason="SQLite has no row locks")
@pytest.mark.django_db(transaction=True)
def test_a_row_lock_outside_a_transaction_is_refused(factory: Factory) -> None:
    conversation = factory.conversation()
    with pytest.raises(TransactionManagementError):
        common.lock_where(pk=conversation.pk)
    with transaction.atomic():
        assert common.lock_where(pk=conversation.pk) == conversation


def test_the_agent_api_reads(factory: Factory, chat: dict[str, Any]) -> None:
    conversation = chat["conversation"]
    team = factory.team()
    admin = factory.user(role=Role.ADMIN)
    agent = factory.user(role=Role.AGENT, teams=[team])
    outsider = factory.user(role=Role.AGENT)
    token, raw = create_token(admin, "select")
    send_reply(admin, conversation, text="First answer")

    (found,) = same_as_orm(tokens._BY_PREFIX, raw[: tokens.PREFIX_LENGTH])
    assert (found.pk, found.user) == (token.pk, admin)
    assert tokens.authenticate(raw) == admin
    assert tokens.authenticate(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None

    # Visible to the admin, to an agent while it has no team, then only to the team.
    for who, related in ((admin, ()), (admin, access.FULL), (agent, ()), (agent, access.FULL)):
        assert (
            access.access_conversation_by_id(who, conversation.pk, related=related) == conversation
        )
        statement = access._BY_ID[(related, who.sees_everything)]
        values = [conversation.pk] if who.sees_everything else [conversation.pk, who.pk]
        same_as_orm(statement, *values)
    Conversation.objects.filter(pk=conversation.pk).update(team=team)
    assert access.access_conversation_by_id(agent, conversation.pk).team == team
    with pytest.raises(NotFound):
        access.access_conversation_by_id(outsider, conversation.pk)
    assert same_as_orm(access._BY_ID[((), False)], conversation.pk, outsider.pk) == []
    Conversation.objects.filter(pk=conversation.pk).update(assignee=outsider)
    assert access.access_conversation_by_id(outsider, conversation.pk) == conversation
    outsider.is_active = False
    with pytest.raises(NotFound):
        access.access_conversation_by_id(outsider, conversation.pk)


def test_a_message_page_marks_the_messages_with_files(factory: Factory) -> None:
    inbox = factory.inbox(channel=ChannelKind.API)
    first = factory.inbound(inbox, text="a file", attachments=(InboundAttachment("a.png", PNG),))
    factory.inbound(inbox, email=first.author_contact.email, text="no file")  # type: ignore[union-attr]
    conversation_id = first.conversation_id
    statement = rawsql.Select(lambda c, after: conversation_routes._page_of(10, c, after), int, int)
    page = same_as_orm(statement, conversation_id, 0)
    assert [(m.seq, m.has_files) for m in page] == [(1, True), (2, False)]
    assert (page[0].author_user, page[0].author_contact) == (None, first.author_contact)
    assert [m.seq for m in same_as_orm(statement, conversation_id, 1)] == [2]


def test_datetime_arguments_and_the_orm_fallback(chat: dict[str, Any]) -> None:
    visitor = chat["opened"].context.visitor_pk
    statement = rawsql.Select(
        lambda visitor_id, moment: ChatSession.objects.filter(
            visitor_id=visitor_id, expires_at__gt=moment
        ).order_by("pk"),
        int,
        datetime,
    )
    now = timezone.now()
    assert len(same_as_orm(statement, visitor, now)) == 1
    assert same_as_orm(statement, visitor, now + timedelta(days=2)) == []
    # Values the statement was not compiled for take the ORM's path (and give its answer).
    with CaptureQueriesContext(connection) as captured:
        with pytest.warns(RuntimeWarning, match="naive datetime"):
            assert statement.fetch(visitor, now.replace(tzinfo=None) + timedelta(days=9)) == []
        by_orm = statement.fetch(True, now)
    assert len(captured.captured_queries) == 2
    assert by_orm == list(statement.build(True, now))


def test_statements_that_cannot_be_cached_are_refused(db: None) -> None:
    transformed = rawsql.Select(lambda key: Task.objects.filter(key=key + "-x"), str)
    with pytest.raises(ValueError, match="transformed or unused"):
        transformed.fetch("a-key")
    builds = itertools.count(1)
    branching = rawsql.Select(lambda pk: Task.objects.filter(pk=pk)[: next(builds)], int)
    with pytest.raises(ValueError, match="depends on the values"):
        branching.fetch(1)
    values: rawsql.Select[Any] = rawsql.Select(
        cast(Any, lambda pk: Task.objects.filter(pk=pk).values_list("pk")), int
    )
    with pytest.raises(TypeError):
        values.fetch(1)
    with pytest.raises(TypeError):
        rawsql.Select(lambda pk: Task.objects.filter(pk=pk), int).fetch()
