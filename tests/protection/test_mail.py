"""A recovery phrase sent by email: masked in the conversation, and the raw copy on disk keeps
only the headers (base64 bodies included: the secret is found after decoding)."""

from __future__ import annotations

from atiende.core import tasks
from atiende.core.masking import MASK
from atiende.mail.models import RawStatus
from atiende.mail.pipeline import ingest, read_raw
from tests.factories import Factory
from tests.mail.mailkit import email_inbox, mail

PHRASE = "gravity open stadium emotion monitor innocent pool announce three tomato unit under"


def test_a_phrase_by_email_is_masked_and_the_raw_copy_redacted(factory: Factory) -> None:
    inbox = email_inbox(factory)
    text = f"Hola, el soporte de Telegram me pidió mi frase:\n{PHRASE}\n¿Está bien?"
    raw = mail(sender="Mia <mia@example.org>", subject="Mi billetera", text=text)

    raw_email = ingest(inbox, raw, source="upload", source_key="upload:phrase")
    tasks.drain()

    raw_email.refresh_from_db()
    assert raw_email.status == RawStatus.PROCESSED
    assert raw_email.message is not None
    assert raw_email.message.body_text.count(MASK) == 12
    kept = read_raw(raw_email)
    assert b"stadium" not in kept
    assert b"Subject: Mi billetera" in kept
    assert b"removed the body of this message" in kept
    assert raw_email.size == len(kept)


def test_mail_without_secrets_keeps_its_raw_copy(factory: Factory) -> None:
    inbox = email_inbox(factory)
    raw = mail(text="My withdrawal is pending since Monday.")

    raw_email = ingest(inbox, raw, source="upload", source_key="upload:plain")
    tasks.drain()

    assert read_raw(raw_email) == raw
