"""Raw-first ingestion and processing: durable copy, de-duplication, quarantine, block list,
bounces."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from atiende.conversations.actions import send_reply
from atiende.conversations.models import Conversation, DeliveryStatus, Message
from atiende.core import tasks
from atiende.core.models import Event, Task, TaskStatus
from atiende.mail.models import BlockedSender, RawEmail, RawStatus
from atiende.mail.pipeline import (
    ingest,
    ingest_many,
    process_now,
    read_raw,
    retry_quarantined,
)
from atiende.people.models import Contact, ContactIdentity, IdentityKind, Role
from atiende.search import index
from atiende.search.models import DocumentKind, SearchDocument
from atiende.search.query import search_conversations
from tests.factories import Factory
from tests.mail.mailkit import email_inbox, mail, relay


def run_retries_now() -> None:
    """Make retried tasks due at once (their backoff is seconds) and run the queue."""
    Task.objects.filter(name="mail_process").update(run_at=timezone.now())
    tasks.drain()


def test_ingest_stores_the_bytes_and_processing_creates_the_conversation(
    factory: Factory,
) -> None:
    inbox = email_inbox(factory)
    raw = mail(sender="Ana Ruiz <ana@example.org>", message_id="<first@example.org>")

    raw_email = ingest(inbox, raw, source="upload", source_key="upload:one")

    assert raw_email.status == RawStatus.RECEIVED
    assert read_raw(raw_email) == raw
    assert not str(raw_email.raw.name).endswith("one")
    tasks.drain()
    raw_email.refresh_from_db()
    assert raw_email.status == RawStatus.PROCESSED
    assert raw_email.message_id_header == "first@example.org"
    assert raw_email.message is not None
    conversation = raw_email.message.conversation
    assert conversation.subject == "My playlist is gone"
    assert conversation.contact.email == "ana@example.org"
    assert conversation.contact.name == "Ana Ruiz"
    assert raw_email.message.external_id == "first@example.org"
    assert "playlist disappeared" in raw_email.message.body_text


def test_redelivering_twenty_messages_stores_nothing_new(factory: Factory) -> None:
    inbox = email_inbox(factory)
    batch = [
        (f"imap:INBOX:7:{uid}", mail(sender=f"c{uid}@example.org", subject=f"Question {uid}"))
        for uid in range(20)
    ]
    first = [ingest(inbox, raw, source="imap", source_key=key).pk for key, raw in batch]
    tasks.drain()
    files = sorted(Path(settings.MEDIA_ROOT).rglob("*.eml"))

    again = [ingest(inbox, raw, source="imap", source_key=key).pk for key, raw in batch]
    tasks.drain()

    assert again == first
    assert RawEmail.objects.count() == 20
    assert sorted(Path(settings.MEDIA_ROOT).rglob("*.eml")) == files
    assert Message.objects.filter(inbox=inbox).count() == 20
    assert Conversation.objects.filter(inbox=inbox).count() == 20


def test_the_same_message_by_another_path_is_a_duplicate(factory: Factory) -> None:
    inbox = email_inbox(factory)
    raw = mail(message_id="<same@example.org>")
    ingest(inbox, raw, source="imap", source_key="imap:INBOX:1:10")
    ingest(inbox, raw, source="smtp", source_key="smtp:forwarded-copy")
    tasks.drain()

    statuses = sorted(RawEmail.objects.values_list("status", flat=True))

    assert statuses == [RawStatus.DUPLICATE, RawStatus.PROCESSED]
    assert Message.objects.filter(inbox=inbox).count() == 1


def test_a_message_without_message_id_is_keyed_by_its_hash(factory: Factory) -> None:
    inbox = email_inbox(factory)
    raw_email = ingest(inbox, mail(message_id=""), source="upload", source_key="upload:x")
    tasks.drain()
    raw_email.refresh_from_db()

    assert raw_email.message is not None
    assert raw_email.message.external_id == f"sha256:{raw_email.sha256}"


def test_an_oversized_message_is_stored_and_quarantined(factory: Factory, settings: object) -> None:
    settings.ATIENDE_EMAIL_MAX_BYTES = 2000  # type: ignore[attr-defined]
    inbox = email_inbox(factory)
    raw = mail(text="x" * 5000)

    raw_email = ingest(inbox, raw, source="upload", source_key="upload:big")

    assert raw_email.status == RawStatus.QUARANTINED
    assert "over the 2000-byte limit" in raw_email.error
    assert read_raw(raw_email) == raw
    assert not Task.objects.filter(name="mail_process").exists()


def test_an_unreadable_message_is_quarantined_at_once(factory: Factory) -> None:
    inbox = email_inbox(factory)
    raw_email = ingest(inbox, b"\x00\x01\x02 not mail", source="upload", source_key="upload:j")

    tasks.drain()
    raw_email.refresh_from_db()

    assert raw_email.status == RawStatus.QUARANTINED
    assert raw_email.attempts == 1
    assert raw_email.error.startswith("Unreadable email")


def test_poison_is_quarantined_after_three_attempts_and_can_be_retried(
    factory: Factory,
) -> None:
    inbox = email_inbox(factory)
    raw = mail()
    poison = ingest(inbox, raw, source="upload", source_key="upload:poison")
    healthy = ingest(inbox, mail(sender="ben@example.org"), source="upload", source_key="upload:ok")
    path = Path(settings.MEDIA_ROOT) / str(poison.raw.name)
    path.unlink()  # the copy vanished from the disk: every attempt fails

    tasks.drain()
    run_retries_now()
    run_retries_now()
    poison.refresh_from_db()
    healthy.refresh_from_db()

    assert healthy.status == RawStatus.PROCESSED
    assert poison.status == RawStatus.QUARANTINED
    assert poison.attempts == 3
    assert "FileNotFoundError" in poison.error

    path.write_bytes(raw)
    assert retry_quarantined(poison)
    tasks.drain()
    poison.refresh_from_db()

    assert poison.status == RawStatus.PROCESSED
    assert poison.error == ""
    assert not retry_quarantined(poison)


def test_one_task_processes_the_waiting_mail_and_a_failing_message_fails_alone(
    factory: Factory,
) -> None:
    inbox = email_inbox(factory)
    raws = [
        ingest(
            inbox,
            mail(sender=f"c{n}@example.org", subject=f"Question {n}"),
            source="upload",
            source_key=f"upload:batch:{n}",
        )
        for n in range(11)
    ]
    poison = raws[5]
    (Path(settings.MEDIA_ROOT) / str(poison.raw.name)).unlink()

    assert tasks.run_pending(batch=1) == 1  # the first message's task takes all eleven

    statuses = dict(RawEmail.objects.values_list("pk", "status"))
    assert statuses.pop(poison.pk) == RawStatus.RECEIVED
    assert set(statuses.values()) == {RawStatus.PROCESSED}
    assert Conversation.objects.filter(inbox=inbox).count() == 10
    pending = Task.objects.filter(name="mail_process", status=TaskStatus.PENDING)
    assert list(pending.values_list("key", flat=True)) == [f"mail:{poison.pk}"]
    poison.refresh_from_db()
    assert poison.attempts == 1
    assert poison.error == ""


def test_mail_whose_batch_did_not_finish_is_processed_one_by_one(factory: Factory) -> None:
    inbox = email_inbox(factory)
    for n in range(3):
        ingest(inbox, mail(sender=f"d{n}@example.org"), source="upload", source_key=f"u:{n}")
    # What a worker killed during the batch leaves: the attempt was counted, nothing stored.
    RawEmail.objects.update(attempts=1)

    assert tasks.run_pending(batch=1) == 1

    assert RawEmail.objects.filter(status=RawStatus.PROCESSED).count() == 1
    tasks.drain()
    assert list(RawEmail.objects.values_list("status", "attempts").distinct()) == [
        (RawStatus.PROCESSED, 2)
    ]
    assert Message.objects.filter(inbox=inbox).count() == 3


def test_blocked_address_and_domain_store_nothing_but_the_raw_copy(factory: Factory) -> None:
    inbox = email_inbox(factory)
    BlockedSender.objects.create(inbox=inbox, pattern="spam@example.net")
    BlockedSender.objects.create(inbox=inbox, pattern="junk.example")
    ingest(inbox, mail(sender="spam@example.net"), source="upload", source_key="upload:1")
    ingest(inbox, mail(sender="x@mail.junk.example"), source="upload", source_key="upload:2")
    ingest(inbox, mail(sender="ok@example.net"), source="upload", source_key="upload:3")

    tasks.drain()

    statuses = dict(RawEmail.objects.values_list("source_key", "status"))
    assert statuses == {
        "upload:1": RawStatus.BLOCKED,
        "upload:2": RawStatus.BLOCKED,
        "upload:3": RawStatus.PROCESSED,
    }
    assert Conversation.objects.filter(inbox=inbox).count() == 1


def dsn(original_id: str, action: str = "failed", status: str = "5.1.1") -> bytes:
    """A delivery status notification as a mail server sends it."""
    boundary = "dsn-boundary"
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n"
        "To: support@atiende.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce-1@mx.example.org>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n'
        "\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/plain\r\n\r\n"
        "Your message could not be delivered.\r\n"
        f"--{boundary}\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.org\r\n\r\n"
        "Final-Recipient: rfc822; ana@example.org\r\n"
        f"Action: {action}\r\n"
        f"Status: {status}\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        "From: Sonora <support@atiende.test>\r\n"
        "To: ana@example.org\r\n"
        f"Message-ID: <{original_id}>\r\n"
        "Subject: Re: My playlist is gone\r\n"
        f"--{boundary}--\r\n"
    ).encode()


def test_a_bounce_marks_our_reply_failed(factory: Factory) -> None:
    agent = factory.user(role=Role.ADMIN)
    with relay() as (recorder, port):
        inbox = email_inbox(factory, relay_port=port)
        ingest(inbox, mail(sender="ana@example.org"), source="upload", source_key="upload:q")
        tasks.drain()
        conversation = Conversation.objects.get(inbox=inbox)
        reply = send_reply(agent, conversation, text="Try signing in again.")
        tasks.drain()
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    assert len(recorder.received) == 1

    bounce = ingest(inbox, dsn(reply.external_id), source="upload", source_key="upload:dsn")
    tasks.drain()
    bounce.refresh_from_db()
    reply.refresh_from_db()

    assert bounce.status == RawStatus.IGNORED
    assert reply.delivery_status == DeliveryStatus.FAILED
    assert "5.1.1" in reply.delivery_error
    assert "ana@example.org" in reply.delivery_error
    event = Event.objects.filter(kind="message.delivery").latest("id")
    assert event.data["status"] == DeliveryStatus.FAILED
    assert event.data["bounce"] is True
    assert Message.objects.filter(conversation=conversation).count() == 2


def test_a_delay_notice_does_not_fail_the_reply(factory: Factory) -> None:
    inbox = email_inbox(factory)
    conversation = factory.conversation(inbox=inbox, email="ana@example.org")
    agent = factory.user(role=Role.ADMIN)
    reply = send_reply(agent, conversation, text="On it.")
    Message.objects.filter(pk=reply.pk).update(
        external_id="atiende.c1.x@atiende.test", delivery_status=DeliveryStatus.SENT
    )

    notice = dsn("atiende.c1.x@atiende.test", action="delayed", status="4.4.7")
    raw_email = ingest(inbox, notice, source="upload", source_key="upload:delay")
    tasks.drain()
    raw_email.refresh_from_db()
    reply.refresh_from_db()

    assert raw_email.status == RawStatus.IGNORED
    assert reply.delivery_status == DeliveryStatus.SENT


def test_a_batch_hands_receive_message_the_senders_it_already_knows(factory: Factory) -> None:
    inbox = email_inbox(factory)
    ana = Contact.objects.create(email="ana@example.org")  # no name yet
    ContactIdentity.objects.create(contact=ana, kind=IdentityKind.EMAIL, value="ana@example.org")
    for n, sender in enumerate(
        ["Ana Ruiz <ana@example.org>", "ana@example.org", "Bea <bea@example.org>"] * 2
    ):
        ingest(
            inbox,
            mail(sender=sender, subject=f"Question {n}"),
            source="upload",
            source_key=f"u:{n}",
        )

    with CaptureQueriesContext(connection) as captured:
        tasks.drain()

    assert set(RawEmail.objects.values_list("status", flat=True)) == {RawStatus.PROCESSED}
    ana.refresh_from_db()
    assert ana.name == "Ana Ruiz"  # learnt from the first mail, kept by the later ones
    bea = Contact.objects.exclude(pk=ana.pk).get()  # created by its first mail, then reused
    assert bea.name == "Bea"
    assert set(Message.objects.values_list("author_contact_id", flat=True)) == {ana.pk, bea.pk}
    # The batch reads the senders' identities once; receive_message looks none up again, not
    # even the sender nobody knew (Bea's first mail creates her: the batch saw no contact).
    lookups = [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith("SELECT") and 'FROM "people_contactidentity"' in query["sql"]
    ]
    # (One read per batch: how many batches depends on the measured pace.)
    assert lookups, lookups
    assert all('"people_contactidentity"."value" IN (' in sql for sql in lookups), lookups
    assert any("bea@example.org" in sql for sql in lookups)
    # Nor the inbox: the batch holds it.
    assert not [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith("SELECT")
        and query["sql"].find('FROM "inboxes_inbox"') >= 0
        and "WHERE" in query["sql"]
        and "JOIN" not in query["sql"]
    ]


def test_a_batch_indexes_only_the_messages_it_keeps(
    factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = email_inbox(factory)
    for n in range(4):
        ingest(
            inbox,
            mail(sender=f"c{n}@example.org", subject=f"Question {n}"),
            source="upload",
            source_key=f"upload:index:{n}",
        )
    index_message = index.index_message

    def fails_on_the_third(message: Message) -> None:
        index_message(message)  # collected for the batch, then its savepoint is rolled back
        if message.conversation.subject == "Question 2":
            raise RuntimeError("broken after indexing")

    monkeypatch.setattr(index, "index_message", fails_on_the_third)
    tasks.run_pending(batch=1)

    kept = Message.objects.filter(conversation__inbox=inbox)
    assert kept.count() == 3
    documents = SearchDocument.objects.all()
    assert sorted(
        documents.filter(kind=DocumentKind.MESSAGE).values_list("object_id", flat=True)
    ) == sorted(kept.values_list("pk", flat=True))
    assert sorted(
        documents.filter(kind=DocumentKind.CONVERSATION).values_list("object_id", flat=True)
    ) == sorted(kept.values_list("conversation_id", flat=True))
    contacts = sorted(kept.values_list("author_contact_id", flat=True))
    assert (
        sorted(documents.filter(kind=DocumentKind.CONTACT).values_list("object_id", flat=True))
        == contacts
    )
    found = search_conversations(factory.user(Role.ADMIN), "Question 1")
    assert [conversation.subject for conversation in found] == ["Question 1"]


def test_ingest_many_stores_a_fetch_in_one_commit_and_falls_back_one_by_one(
    factory: Factory,
) -> None:
    inbox = email_inbox(factory)
    mails = [(mail(sender=f"c{n}@example.org", subject=f"Q{n}"), f"imap:x:1:{n}") for n in range(3)]
    with CaptureQueriesContext(connection) as captured:
        rows = ingest_many(inbox, mails, source="imap")
    assert [row.source_key for row in rows if isinstance(row, RawEmail)] == [
        key for _raw, key in mails
    ]
    assert [read_raw(row) for row in rows if isinstance(row, RawEmail)] == [
        raw for raw, _key in mails
    ]
    assert Task.objects.filter(name="mail_process").count() == 3
    # One transaction for the three (a savepoint inside the test's own transaction).
    savepoints = [q for q in captured.captured_queries if q["sql"].startswith("SAVEPOINT")]
    assert len(savepoints) == 1
    # The rows in one INSERT, their tasks in another (not one of each per message).
    inserts = [
        q["sql"].split("(")[0].split("INTO")[-1].strip()
        for q in captured.captured_queries
        if q["sql"].startswith("INSERT")
    ]
    assert sorted(inserts) == ['"core_task"', '"mail_rawemail"']

    # One of them stored meanwhile by another path: the shared transaction fails, each is then
    # ingested on its own (that one returns the row stored before).
    again = [(mail(sender="d@example.org", subject="New"), "imap:x:1:9"), mails[1]]
    rows_again = ingest_many(inbox, again, source="imap")
    assert isinstance(rows_again[0], RawEmail)
    assert rows_again[0].source_key == "imap:x:1:9"
    assert rows_again[1] == rows[1]
    assert RawEmail.objects.count() == 4
    stored = {str(row.raw.name) for row in RawEmail.objects.all()}
    on_disk = {
        str(path.relative_to(settings.MEDIA_ROOT))
        for path in (Path(settings.MEDIA_ROOT) / "mail" / "raw").rglob("*.eml")
    }
    assert on_disk == stored  # the failed try left no file behind
    tasks.drain()
    assert set(RawEmail.objects.values_list("status", flat=True)) == {RawStatus.PROCESSED}


def test_process_now_takes_only_what_no_one_tried_and_leaves_the_rest_to_the_tasks(
    factory: Factory,
) -> None:
    inbox = email_inbox(factory)
    mails = [(mail(sender=f"p{n}@example.org", subject=f"P{n}"), f"imap:p:1:{n}") for n in range(3)]
    rows = [
        row
        for row in ingest_many(inbox, mails, source="imap", delay=30)
        if isinstance(row, RawEmail)
    ]
    assert len(rows) == 3
    # The fallback tasks wait: a worker does not take them while the fetcher processes.
    assert tasks.drain() == 0
    # A worker took the last one first (its attempt counted): the fetcher leaves it alone.
    RawEmail.objects.filter(pk=rows[2].pk).update(attempts=1)

    handled = process_now([row.pk for row in rows])

    assert handled == {rows[0].pk, rows[1].pk}
    statuses = dict(RawEmail.objects.values_list("pk", "status"))
    assert statuses == {
        rows[0].pk: RawStatus.PROCESSED,
        rows[1].pk: RawStatus.PROCESSED,
        rows[2].pk: RawStatus.RECEIVED,
    }
    # Their tasks are done; the third one's task processes it once due.
    pending = Task.objects.filter(name="mail_process", status=TaskStatus.PENDING)
    assert list(pending.values_list("key", flat=True)) == [f"mail:{rows[2].pk}"]
    pending.update(run_at=timezone.now())
    tasks.drain()
    assert set(RawEmail.objects.values_list("status", flat=True)) == {RawStatus.PROCESSED}
    assert Message.objects.filter(conversation__inbox=inbox).count() == 3
