"""Lookups by external id use the partial unique index on (inbox, external_id).

SQLite uses a partial index only when the query's WHERE implies the index's condition
(external_id <> ''); without it, each inbound mail reads every message of its inbox. The plan of
every query the code really runs is asked of SQLite itself (EXPLAIN QUERY PLAN).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from atiende.conversations.actions import receive_message, send_reply
from atiende.conversations.models import Message
from atiende.core import tasks
from atiende.inboxes.contract import InboundMessage
from atiende.mail.parse import parse_email
from atiende.mail.pipeline import ingest, record_bounce
from atiende.people.models import IdentityKind, Role
from tests.factories import Factory
from tests.mail.mailkit import email_inbox, mail, relay
from tests.mail.test_pipeline import dsn

INDEX = "message_inbox_external_id_unique"

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the planner question is SQLite's (PostgreSQL: bitmap)"
)


def plans_of_external_id_lookups(captured: CaptureQueriesContext) -> list[str]:
    """SQLite's plan for each captured query that reads messages by external id."""
    plans = []
    for query in captured.captured_queries:
        sql = query["sql"]
        if not sql.startswith("SELECT") or '"conversations_message"."external_id" =' not in sql:
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            plans.append(" | ".join(str(row[-1]) for row in cursor.fetchall()))
    return plans


def test_a_redelivered_message_is_found_through_the_unique_index(factory: Factory) -> None:
    inbox = email_inbox(factory)
    for n in range(3):  # more than one message in the inbox: a scan would have a choice
        ingest(inbox, mail(message_id=f"<m{n}@example.org>"), source="upload", source_key=str(n))
    tasks.drain()
    inbound = InboundMessage(
        inbox_id=inbox.pk,
        identity_kind=IdentityKind.EMAIL,
        identity_value="ana@example.org",
        text="Hello again",
        external_id="m1@example.org",
    )

    with CaptureQueriesContext(connection) as captured:
        result = receive_message(inbound)

    assert result.created is False
    assert result.message.external_id == "m1@example.org"
    plans = plans_of_external_id_lookups(captured)
    assert plans, captured.captured_queries
    for plan in plans:
        assert f"USING INDEX {INDEX}" in plan, plan
        assert "SCAN conversations_message" not in plan, plan


def test_a_bounce_finds_our_reply_through_the_unique_index(factory: Factory) -> None:
    agent = factory.user(role=Role.ADMIN)
    with relay() as (_recorder, port):
        inbox = email_inbox(factory, relay_port=port)
        ingest(inbox, mail(), source="upload", source_key="upload:q")
        tasks.drain()
        reply = send_reply(agent, Message.objects.get(inbox=inbox).conversation, text="Hi.")
        tasks.drain()
    reply.refresh_from_db()
    parsed = parse_email(dsn(reply.external_id))

    with CaptureQueriesContext(connection) as captured:
        record_bounce(inbox, parsed)

    reply.refresh_from_db()
    assert reply.delivery_error
    plans = plans_of_external_id_lookups(captured)
    assert len(plans) == 1, captured.captured_queries
    assert f"USING INDEX {INDEX}" in plans[0], plans[0]
