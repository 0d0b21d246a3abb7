"""`import_mail`: mbox files, Maildirs and folders of message files go through the same pipeline
as the other sources; importing again stores nothing new."""

from __future__ import annotations

import mailbox
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from atiende.conversations.models import Conversation, Message
from atiende.mail.models import RawEmail, RawStatus
from tests.factories import Factory
from tests.mail.mailkit import email_inbox, mail


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_mail", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_an_mbox_a_maildir_and_a_folder_are_imported_and_threaded(
    factory: Factory, tmp_path: Path
) -> None:
    inbox = email_inbox(factory)
    original = mail("ana@example.org", subject="Card declined", message_id="<a1@example.org>")
    reply = mail(
        "ana@example.org",
        subject="Still declined",
        message_id="<a2@example.org>",
        references="<a1@example.org>",
    )
    mbox = mailbox.mbox(tmp_path / "archive.mbox")
    mbox.add(original)
    mbox.add(reply)
    mbox.close()
    maildir = mailbox.Maildir(tmp_path / "Maildir")
    maildir.add(mail("luis@example.org", subject="Family plan", message_id="<l1@example.org>"))
    folder = tmp_path / "eml"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "one.eml").write_bytes(
        mail("eva@example.org", subject="Refund", message_id="<e1@example.org>")
    )
    (folder / "notes.json").write_text('{"not": "mail"}')
    (folder / ".hidden.eml").write_bytes(mail("x@example.org", message_id="<x@example.org>"))

    output = run(
        str(tmp_path / "archive.mbox"),
        str(tmp_path / "Maildir"),
        str(folder),
        "--glob",
        "*.eml",
        "--process",
    )

    assert "read 4 message(s)" in output
    assert "stored 4" in output
    assert "Processed 4" in output
    assert set(RawEmail.objects.values_list("source", flat=True)) == {"import"}
    assert RawEmail.objects.filter(inbox=inbox, status=RawStatus.PROCESSED).count() == 4
    ana = Message.objects.filter(conversation__contact__identities__value="ana@example.org")
    assert ana.count() == 2
    assert len({m.conversation_id for m in ana}) == 1
    assert Conversation.objects.filter(inbox=inbox).count() == 3

    again = run(str(tmp_path / "archive.mbox"), "--process")

    assert "already imported 2" in again
    assert RawEmail.objects.count() == 4
    assert Message.objects.count() == 4


def test_a_non_mail_file_is_quarantined_not_dropped(factory: Factory, tmp_path: Path) -> None:
    email_inbox(factory)
    (tmp_path / "notes.txt").write_text("just some notes, no headers at all\n")

    output = run(str(tmp_path), "--process")

    assert "Quarantined 1" in output
    assert RawEmail.objects.get().status == RawStatus.QUARANTINED


def test_clear_errors_for_a_wrong_inbox_or_path(factory: Factory, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no email inbox exists"):
        run(str(tmp_path))
    inbox = email_inbox(factory)
    email_inbox(factory)
    with pytest.raises(CommandError, match="several email inboxes"):
        run(str(tmp_path))
    with pytest.raises(CommandError, match="not found"):
        run(str(tmp_path / "missing.mbox"), "--inbox", str(inbox.pk))
    with pytest.raises(CommandError, match="no email inbox 999"):
        run(str(tmp_path), "--inbox", "999")
