"""`import_mail`: mbox files, Maildirs and folders of message files go through the same pipeline
as the other sources; importing again stores nothing new."""

from __future__ import annotations

import bz2
import gzip
import lzma
import mailbox
import tarfile
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from atiende.conversations.models import Conversation, Message
from atiende.mail.management.commands.import_mail import messages
from atiende.mail.models import RawEmail, RawStatus
from atiende.mail.parse import parse_email
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


UNSEEN = Path(__file__).resolve().parent / "data_unseen" / "import"


def bodies(path: Path) -> list[bytes]:
    return [raw for _, raw in messages(path)]


@pytest.mark.parametrize("name", ["archive.mboxrd", "archive-crlf.mbox"])
def test_mboxrd_mboxo_and_crlf_split_only_at_real_separators(name: str) -> None:
    found = bodies(UNSEEN / name)
    newline = b"\r\n" if name.endswith("crlf.mbox") else b"\n"
    # Three messages: a "From " inside a paragraph, or after a blank line without a date, is
    # text (Python's mailbox cut there and made five, two of them empty).
    assert len(found) == 3
    assert [parse_email(raw).message_id for raw in found] == [
        "imp1@example.org",
        "imp2@example.net",
        "imp3@example.org",
    ]
    first = found[0]
    assert newline.join([b"Hello,", b"From what I see the order did not ship."]) in first
    assert b"\n>From the tracking page: nothing." in first  # mboxrd: one ">" less
    assert b"From here on I am waiting." + newline in first
    assert b"From my side, all good: please refund." in found[1]
    assert not first.endswith(newline * 2)


def test_compressed_mbox_and_message_are_read(factory: Factory, tmp_path: Path) -> None:
    inbox = email_inbox(factory)
    data = (UNSEEN / "archive.mboxrd").read_bytes()
    (tmp_path / "archive.mbox.gz").write_bytes(gzip.compress(data))
    (tmp_path / "one.eml.bz2").write_bytes(
        bz2.compress(mail("zoe@example.org", subject="Compressed", message_id="<z1@example.org>"))
    )
    (tmp_path / "two.eml.xz").write_bytes(
        lzma.compress(mail("max@example.org", subject="xz", message_id="<x2@example.org>"))
    )

    output = run(str(tmp_path), "--process")

    assert "read 5 message(s)" in output
    assert "Processed 5" in output
    assert RawEmail.objects.filter(inbox=inbox, status=RawStatus.PROCESSED).count() == 5
    assert set(Message.objects.values_list("conversation__subject", flat=True)) >= {
        "Order 1042 not shipped",
        "Compressed",
        "xz",
    }


def test_maildir_shapes(factory: Factory, tmp_path: Path) -> None:
    email_inbox(factory)
    full = tmp_path / "Maildir"
    for folder in ("cur", "new", "tmp", ".Sent/cur", ".Sent/new", ".Sent/tmp"):
        (full / folder).mkdir(parents=True)
    (full / "new" / "1765100000.M1P1.host").write_bytes(mail("a@example.org", message_id="<m1@x>"))
    (full / "cur" / "1765000000.M2P2.host:2,S").write_bytes(
        mail("b@example.org", message_id="<m2@x>")
    )
    (full / "tmp" / "1765200000.M3P3.host").write_bytes(b"half written")
    (full / ".Sent" / "cur" / "1765.M4.host:2,S").write_bytes(mail("c@x.org", message_id="<m3@x>"))
    (full / "dovecot-uidlist").write_text("3 V1765000000 N3\n")
    (full / "dovecot.index.log").write_bytes(b"\x01\x02binary index")
    # An archive tool dropped the empty tmp/ and new/: still a Maildir, index files ignored.
    partial = tmp_path / "Exported"
    (partial / "cur").mkdir(parents=True)
    (partial / "cur" / "1765300000.M5P5.host:2,RS").write_bytes(
        mail("d@x.org", message_id="<m5@x>")
    )
    (partial / "dovecot-uidlist").write_text("1 V1 N1\n")

    output = run(str(full), str(partial), "--process")

    assert "Maildir subfolders not imported (name them to import them): .Sent" in output
    assert "read 3 message(s)" in output
    assert "Processed 3" in output
    assert RawEmail.objects.filter(status=RawStatus.QUARANTINED).count() == 0

    sent = run(str(full / ".Sent"), "--process")
    assert "read 1 message(s)" in sent


def test_archives_are_refused_clearly_and_empty_files_skipped(
    factory: Factory, tmp_path: Path
) -> None:
    email_inbox(factory)
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("one.eml", mail("a@example.org"))
    with pytest.raises(CommandError, match="a zip archive: extract it first"):
        run(str(archive))
    tarred = tmp_path / "export.tar.gz"
    with tarfile.open(tarred, "w:gz") as bundle:
        bundle.add(UNSEEN / "archive.mboxrd", arcname="archive.mboxrd")
    with pytest.raises(CommandError, match="a tar archive: extract it first"):
        run(str(tarred))
    folder = tmp_path / "mails"
    folder.mkdir()
    (folder / "empty.eml").write_bytes(b"")
    (folder / "one.eml").write_bytes(mail("b@example.org", message_id="<b1@example.org>"))
    (folder / "old.zip").write_bytes(archive.read_bytes())

    output = run(str(folder))

    # In a folder, the archive is named and skipped; the walk goes on.
    assert "1 file(s) skipped (archives or unreadable, see above)" in output
    assert "empty, skipped 1" in output
    assert "stored 1" in output
    assert RawEmail.objects.count() == 1
