"""Which conversation a mail continues: Message-IDs, signed tokens, subjects; never another
contact's conversation."""

from __future__ import annotations

import itertools
import uuid

import pytest

from atiende.conversations.models import Conversation, Message, Status
from atiende.core import tasks
from atiende.core.models import Event
from atiende.inboxes.models import Inbox
from atiende.mail import tokens
from atiende.mail.models import RawEmail, RawStatus
from atiende.mail.pipeline import ingest
from atiende.mail.threads import normalise_subject
from tests.factories import Factory
from tests.mail.mailkit import email_inbox, mail

_keys = itertools.count(1)


def deliver(inbox: Inbox, raw: bytes) -> Message:
    """Ingest and process one mail; the message it became."""
    raw_email = ingest(inbox, raw, source="upload", source_key=f"upload:{next(_keys)}")
    tasks.drain()
    raw_email.refresh_from_db()
    assert raw_email.message is not None, raw_email.error
    return raw_email.message


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: My playlist", "my playlist"),
        ("RE: Fwd: FW: my  playlist ", "my playlist"),
        ("AW: Sv: Rv: Enc: TR: My playlist", "my playlist"),
        ("Re: [#123] My playlist", "my playlist"),
        ("Re[2]: My playlist [#9]", "my playlist"),
        ("Refund request", "refund request"),
    ],
)
def test_normalise_subject(subject: str, expected: str) -> None:
    assert normalise_subject(subject) == expected


def test_reply_by_references_only(factory: Factory) -> None:
    inbox = email_inbox(factory)
    first = deliver(inbox, mail(message_id="<a1@example.org>"))
    reply = deliver(
        inbox,
        mail(
            subject="Something else entirely",
            references="<unrelated@example.org> <a1@example.org>",
        ),
    )

    assert reply.conversation_id == first.conversation_id


def test_reply_by_in_reply_to(factory: Factory) -> None:
    inbox = email_inbox(factory)
    first = deliver(inbox, mail(message_id="<b1@example.org>"))
    reply = deliver(inbox, mail(subject="Other words", in_reply_to="<b1@example.org>"))

    assert reply.conversation_id == first.conversation_id


def test_reply_by_signed_token_in_message_id(factory: Factory) -> None:
    inbox = email_inbox(factory)
    conversation = deliver(inbox, mail()).conversation
    # One of our replies whose sending was not recorded: only the token names the conversation.
    ours = tokens.message_id(inbox, conversation.pk, str(uuid.uuid4()))

    reply = deliver(inbox, mail(subject="New words", in_reply_to=f"<{ours}>"))

    assert reply.conversation_id == conversation.pk


def test_a_forged_token_opens_a_new_conversation(factory: Factory) -> None:
    inbox = email_inbox(factory)
    conversation = deliver(inbox, mail()).conversation
    forged = f"atiende.c{conversation.pk}.{'a' * 26}.{uuid.uuid4().hex}@atiende.test"

    reply = deliver(inbox, mail(subject="New words", in_reply_to=f"<{forged}>"))

    assert reply.conversation_id != conversation.pk


def test_reply_by_plus_address_token(factory: Factory) -> None:
    inbox = email_inbox(factory, plus_addressing=True)
    conversation = deliver(inbox, mail()).conversation
    address = tokens.reply_address(inbox, conversation.pk)

    reply = deliver(inbox, mail(to=address, subject="A fresh subject", message_id=""))

    assert address.startswith(f"support+c{conversation.pk}.")
    assert reply.conversation_id == conversation.pk


def test_a_token_signed_with_the_previous_secret_still_threads(factory: Factory) -> None:
    inbox = email_inbox(factory, plus_addressing=True)
    conversation = deliver(inbox, mail()).conversation
    address = tokens.reply_address(inbox, conversation.pk)
    inbox.previous_secret, inbox.secret = inbox.secret, "rotated-secret-for-tests"
    inbox.save()

    reply = deliver(inbox, mail(to=address, subject="After rotation"))

    assert reply.conversation_id == conversation.pk


def test_reply_by_subject(factory: Factory) -> None:
    inbox = email_inbox(factory)
    first = deliver(inbox, mail(subject="Refund for order 88"))
    reply = deliver(inbox, mail(subject="RE: [#5] Refund for order 88"))

    assert reply.conversation_id == first.conversation_id


def test_a_new_subject_opens_a_new_conversation(factory: Factory) -> None:
    inbox = email_inbox(factory)
    first = deliver(inbox, mail(subject="Refund for order 88"))
    second = deliver(inbox, mail(subject="How do I change my password?"))

    assert second.conversation_id != first.conversation_id
    assert Conversation.objects.filter(contact=first.conversation.contact).count() == 2


def test_subject_match_is_limited_to_the_window(factory: Factory) -> None:
    inbox = email_inbox(factory)
    first = deliver(inbox, mail(subject="Refund for order 88"))
    Conversation.objects.filter(pk=first.conversation_id).update(
        last_message_at=first.created_at.replace(year=first.created_at.year - 1)
    )

    later = deliver(inbox, mail(subject="Re: Refund for order 88"))

    assert later.conversation_id != first.conversation_id


def test_a_mail_never_joins_another_contacts_conversation(factory: Factory) -> None:
    inbox = email_inbox(factory, plus_addressing=True)
    victim = deliver(inbox, mail(sender="ana@example.org", message_id="<ana-1@example.org>"))
    victim_conversation = victim.conversation
    token_address = tokens.reply_address(inbox, victim_conversation.pk)

    intruder = deliver(
        inbox,
        mail(
            sender="mallory@example.net",
            to=token_address,
            subject=victim_conversation.subject,
            in_reply_to="<ana-1@example.org>",
            references="<ana-1@example.org>",
        ),
    )

    assert intruder.conversation_id != victim_conversation.pk
    assert intruder.conversation.contact.email == "mallory@example.net"
    assert Message.objects.filter(conversation=victim_conversation).count() == 1


def test_arrival_order_does_not_matter(factory: Factory) -> None:
    inbox = email_inbox(factory)
    original = mail(subject="Lost access", message_id="<orig@example.org>")
    reply = mail(
        subject="Re: Lost access",
        message_id="<reply@example.org>",
        in_reply_to="<orig@example.org>",
        references="<orig@example.org>",
    )
    # The reply reaches the mailbox first; both are processed in the same batch.
    ingest(inbox, reply, source="imap", source_key="imap:INBOX:1:1")
    ingest(inbox, original, source="imap", source_key="imap:INBOX:1:2")
    tasks.drain()

    assert set(RawEmail.objects.values_list("status", flat=True)) == {RawStatus.PROCESSED}
    assert Conversation.objects.filter(inbox=inbox).count() == 1
    assert Message.objects.filter(inbox=inbox).count() == 2


def test_an_original_arriving_after_its_reply_joins_the_replys_conversation(
    factory: Factory,
) -> None:
    inbox = email_inbox(factory)
    # The reply, with a subject of its own, is processed before its original arrives.
    reply = deliver(
        inbox,
        mail(
            subject="Any news?",
            message_id="<late-reply@example.org>",
            in_reply_to="<late-orig@example.org>",
            references="<late-orig@example.org>",
        ),
    )
    original = deliver(inbox, mail(subject="Card blocked", message_id="<late-orig@example.org>"))

    assert original.conversation_id == reply.conversation_id
    assert Conversation.objects.filter(inbox=inbox).count() == 1
    # Anything else from the same customer still opens its own conversation.
    other = deliver(inbox, mail(subject="A new question", message_id="<other@example.org>"))
    assert other.conversation_id != reply.conversation_id


def test_an_original_and_its_earlier_reply_in_one_batch_share_a_conversation(
    factory: Factory,
) -> None:
    inbox = email_inbox(factory)
    reply = mail(
        subject="Still waiting",
        message_id="<batch-reply@example.org>",
        references="<batch-orig@example.org>",
    )
    original = mail(subject="Refund", message_id="<batch-orig@example.org>")
    ingest(inbox, reply, source="imap", source_key="imap:INBOX:2:1")
    ingest(inbox, original, source="imap", source_key="imap:INBOX:2:2")
    tasks.drain()

    assert set(RawEmail.objects.values_list("status", flat=True)) == {RawStatus.PROCESSED}
    assert Conversation.objects.filter(inbox=inbox).count() == 1


def test_a_late_original_never_joins_another_contacts_reply(factory: Factory) -> None:
    inbox = email_inbox(factory)
    # Someone else names Ana's Message-ID before Ana's mail arrives.
    intruder = deliver(
        inbox,
        mail(
            sender="mallory@example.net",
            subject="Fwd: something",
            in_reply_to="<ana-late@example.org>",
        ),
    )
    ana = deliver(
        inbox, mail(sender="ana@example.org", subject="Hi", message_id="<ana-late@example.org>")
    )

    assert ana.conversation_id != intruder.conversation_id
    assert ana.conversation.contact.email == "ana@example.org"


def test_a_reply_to_a_closed_conversation_opens_a_linked_follow_up(factory: Factory) -> None:
    inbox = email_inbox(factory)
    first = deliver(inbox, mail(message_id="<c1@example.org>"))
    Conversation.objects.filter(pk=first.conversation_id).update(status=Status.CLOSED)

    reply = deliver(inbox, mail(subject="Re: My playlist is gone", in_reply_to="<c1@example.org>"))

    assert reply.conversation_id != first.conversation_id
    assert reply.conversation.follow_up_of_id == first.conversation_id


def test_an_inbox_set_to_reopen_brings_a_closed_conversation_back(factory: Factory) -> None:
    inbox = email_inbox(factory)
    inbox.config["closed_reply"] = "reopen"
    inbox.save(update_fields=["config"])
    first = deliver(inbox, mail(message_id="<r1@example.org>"))
    Conversation.objects.filter(pk=first.conversation_id).update(status=Status.CLOSED)

    reply = deliver(inbox, mail(subject="Re: My playlist is gone", in_reply_to="<r1@example.org>"))

    assert reply.conversation_id == first.conversation_id
    conversation = Conversation.objects.get(pk=first.conversation_id)
    assert conversation.status == Status.OPEN
    change = Event.objects.filter(conversation=conversation, kind="conversation.status_changed")
    assert change.get().data == {"from": "closed", "to": "open", "reason": "customer replied"}


def test_a_solved_conversation_reopens_on_reply(factory: Factory) -> None:
    inbox = email_inbox(factory)
    first = deliver(inbox, mail(message_id="<s1@example.org>"))
    Conversation.objects.filter(pk=first.conversation_id).update(status=Status.SOLVED)

    reply = deliver(inbox, mail(subject="Still broken", in_reply_to="<s1@example.org>"))

    assert reply.conversation_id == first.conversation_id
    assert Conversation.objects.get(pk=first.conversation_id).status == Status.OPEN
