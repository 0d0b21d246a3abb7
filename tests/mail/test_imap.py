"""IMAP ingestion against a real Dovecot: backfill, resume, UIDVALIDITY, ack-after-commit, IDLE.

One Dovecot serves the module; each test reads a folder of its own. Messages are delivered
with IMAP APPEND before or while the sync runs, as they would arrive from an MTA.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from atiende.conversations.models import Message
from atiende.core import tasks
from atiende.core.models import Task, TaskStatus
from atiende.inboxes.models import ChannelKind, Inbox
from atiende.mail import imap, pipeline
from atiende.mail.models import ImapFolderState, RawEmail, RawStatus
from tests.factories import Factory
from tests.mail import imapserver
from tests.mail.imapserver import ImapServer, message

pytestmark = pytest.mark.xdist_group("imap")

SEEN = b"\\Seen"
_folders = itertools.count(1)


@pytest.fixture(scope="module")
def server() -> Iterator[ImapServer]:
    with imapserver.running() as running:
        yield running


@pytest.fixture
def folder(server: ImapServer) -> str:
    """A new, empty folder for this test."""
    name = f"Test{next(_folders)}"
    client = server.client()
    client.create_folder(name)
    client.logout()
    return name


def email_inbox(factory: Factory, server: ImapServer, folder: str, **imap: Any) -> Inbox:
    return factory.inbox(
        channel=ChannelKind.EMAIL,
        config={
            "address": "support@atiende.example",
            "imap": {**server.config, "folder": folder, **imap},
        },
    )


def stored_keys(inbox: Inbox) -> list[str]:
    return sorted(
        RawEmail.objects.filter(inbox=inbox).values_list("source_key", flat=True),
        key=lambda key: int(key.rsplit(":", 1)[1]),
    )


def test_first_sync_backfills_read_and_unread_mail_and_the_next_finds_nothing(
    factory: Factory, server: ImapServer, folder: str
) -> None:
    server.deliver([message(n) for n in range(1, 4)], folder, seen=True)
    server.deliver([message(n) for n in range(4, 9)], folder)
    inbox = email_inbox(factory, server, folder)

    first = imap.sync_folder(inbox)
    second = imap.sync_folder(inbox)

    assert first == imap.SyncResult(fetched=8, ingested=8, duplicates=0, errors=0)
    assert second == imap.SyncResult()
    state = ImapFolderState.objects.get(inbox=inbox, folder=folder)
    assert state.last_uid == 8
    assert state.last_error == ""
    assert stored_keys(inbox) == [f"imap:{folder}:{state.uidvalidity}:{uid}" for uid in range(1, 9)]
    assert all(SEEN in flags for flags in server.flags(folder).values())
    raw = RawEmail.objects.get(inbox=inbox, source_key__endswith=":4")
    assert pipeline.read_raw(raw) == message(4)


def test_mail_that_arrived_while_nothing_ran_is_backfilled_in_order(
    factory: Factory, server: ImapServer, folder: str
) -> None:
    inbox = email_inbox(factory, server, folder, batch=2)
    server.deliver([message(n) for n in range(10, 12)], folder)
    imap.sync_folder(inbox)

    server.deliver([message(n) for n in range(12, 17)], folder)
    resumed = imap.sync_folder(inbox)

    assert resumed == imap.SyncResult(fetched=5, ingested=5)
    assert ImapFolderState.objects.get(inbox=inbox).last_uid == 7
    assert len(stored_keys(inbox)) == 7


def test_a_new_uidvalidity_backfills_the_folder_and_creates_no_duplicate_message(
    factory: Factory, server: ImapServer, folder: str
) -> None:
    inbox = email_inbox(factory, server, folder)
    server.deliver([message(n) for n in range(20, 23)], folder)
    imap.sync_folder(inbox)
    old = ImapFolderState.objects.get(inbox=inbox).uidvalidity
    # The folder is recreated (a server migration, a restore): same mail, new UIDVALIDITY.
    client = server.client()
    client.delete_folder(folder)
    client.create_folder(folder)
    client.logout()
    server.deliver([message(n) for n in range(20, 24)], folder)

    backfill = imap.sync_folder(inbox)
    pipeline_runs = drain_mail()

    state = ImapFolderState.objects.get(inbox=inbox)
    assert state.uidvalidity != old
    assert state.last_uid == 4
    assert backfill == imap.SyncResult(fetched=4, ingested=4)
    assert pipeline_runs == 7
    statuses = sorted(RawEmail.objects.filter(inbox=inbox).values_list("status", flat=True))
    assert statuses == sorted([RawStatus.PROCESSED] * 4 + [RawStatus.DUPLICATE] * 3)
    external_ids = sorted(inbox_messages(inbox))
    assert external_ids == sorted(f"{n}.imap-test@customers.example" for n in range(20, 24))


def test_a_message_is_flagged_only_after_it_committed_and_a_failure_is_retried(
    factory: Factory, server: ImapServer, folder: str
) -> None:
    inbox = email_inbox(factory, server, folder)
    server.deliver([message(n) for n in range(30, 35)], folder)
    poison = message(32)

    def ingest_failing_on_one(inbox: Inbox, raw: bytes, **kwargs: str) -> RawEmail:
        if raw == poison:
            raise OSError("disk full")  # the raw bytes could not be made durable
        return pipeline.ingest(inbox, raw, **kwargs)

    failed = imap.sync_folder(inbox, ingest=ingest_failing_on_one)

    assert failed == imap.SyncResult(fetched=5, ingested=4, errors=1)
    flags = server.flags(folder)
    assert [uid for uid, f in sorted(flags.items()) if SEEN in f] == [1, 2, 4, 5]
    state = ImapFolderState.objects.get(inbox=inbox)
    assert state.last_uid == 2  # the stored UID never passes an uncommitted message
    assert "UID 3" in state.last_error
    assert "disk full" in state.last_error

    retried = imap.sync_folder(inbox)

    assert retried == imap.SyncResult(fetched=1, ingested=1, duplicates=2)
    assert all(SEEN in f for f in server.flags(folder).values())
    state.refresh_from_db()
    assert (state.last_uid, state.last_error) == (5, "")
    assert len(stored_keys(inbox)) == 5


def test_processed_mail_is_moved_to_the_processed_folder(
    factory: Factory, server: ImapServer, folder: str
) -> None:
    processed = f"{folder}-done"
    client = server.client()
    client.create_folder(processed)
    client.logout()
    inbox = email_inbox(factory, server, folder, processed_folder=processed, mark_seen=False)
    server.deliver([message(n) for n in range(40, 46)], folder)

    result = imap.sync_folder(inbox)

    assert result == imap.SyncResult(fetched=6, ingested=6)
    assert server.flags(folder) == {}
    assert len(server.flags(processed)) == 6
    assert len(stored_keys(inbox)) == 6
    # Moved messages do not come back, and new mail is still found above the last UID.
    server.deliver([message(46)], folder)
    assert imap.sync_folder(inbox) == imap.SyncResult(fetched=1, ingested=1)


def test_an_oversized_message_is_stored_and_quarantined_without_blocking_the_rest(
    factory: Factory, server: ImapServer, folder: str, settings: Any
) -> None:
    settings.ATIENDE_EMAIL_MAX_BYTES = 4000
    inbox = email_inbox(factory, server, folder)
    huge = message(51, body="A long complaint. " * 1000)
    server.deliver([message(50), huge, message(52)], folder)

    result = imap.sync_folder(inbox)

    assert result == imap.SyncResult(fetched=3, ingested=3)
    raw = RawEmail.objects.get(inbox=inbox, source_key__endswith=":2")
    assert raw.status == RawStatus.QUARANTINED
    assert pipeline.read_raw(raw) == huge
    assert all(SEEN in f for f in server.flags(folder).values())
    assert ImapFolderState.objects.get(inbox=inbox).last_uid == 3


def test_fetch_mail_once_syncs_every_imap_inbox(
    factory: Factory, server: ImapServer, folder: str
) -> None:
    inbox = email_inbox(factory, server, folder)
    factory.inbox(channel=ChannelKind.EMAIL, config={"address": "smtp-only@atiende.example"})
    server.deliver([message(n) for n in range(60, 63)], folder)
    out = StringIO()

    call_command("fetch_mail", "--once", stdout=out)

    assert f"inbox {inbox.pk} ({inbox.name}): fetched 3, ingested 3" in out.getvalue()
    assert len(stored_keys(inbox)) == 3


@pytest.mark.django_db(transaction=True)
def test_idle_wakes_up_on_new_mail(server: ImapServer, folder: str) -> None:
    inbox = email_inbox(Factory(), server, folder, poll_seconds=3600, idle_seconds=600)
    server.deliver([message(70)], folder)
    syncs: queue.Queue[imap.SyncResult] = queue.Queue()
    stop = threading.Event()
    follower = threading.Thread(target=imap.run, args=(inbox, stop), kwargs={"on_sync": syncs.put})
    follower.start()
    try:
        assert syncs.get(timeout=15) == imap.SyncResult(fetched=1, ingested=1)
        assert syncs.get(timeout=15) == imap.SyncResult()  # nothing more: now it idles
        # Polling would wait an hour: only IDLE's EXISTS can bring the next sync.
        server.deliver([message(71)], folder)
        assert syncs.get(timeout=15) == imap.SyncResult(fetched=1, ingested=1)
    finally:
        stop.set()
        follower.join(timeout=15)
    assert not follower.is_alive()
    assert len(stored_keys(inbox)) == 2


def test_a_fetcher_that_processes_leaves_the_worker_nothing_to_do(
    factory: Factory, server: ImapServer, folder: str
) -> None:
    server.deliver([message(n) for n in range(80, 84)], folder)
    inbox = email_inbox(factory, server, folder)

    result = imap.sync_folder(inbox, process=True)

    assert result == imap.SyncResult(fetched=4, ingested=4)
    assert set(RawEmail.objects.filter(inbox=inbox).values_list("status", flat=True)) == {
        RawStatus.PROCESSED
    }
    assert len(inbox_messages(inbox)) == 4
    assert all(SEEN in f for f in server.flags(folder).values())
    assert not Task.objects.filter(name=pipeline.TASK, status=TaskStatus.PENDING).exists()


def test_what_the_fetcher_could_not_process_its_waiting_task_does(
    factory: Factory, server: ImapServer, folder: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(raw_ids: list[int]) -> set[int]:
        raise RuntimeError("the fetcher fell over after its commit")

    server.deliver([message(n) for n in range(85, 88)], folder)
    inbox = email_inbox(factory, server, folder)
    monkeypatch.setattr(pipeline, "process_now", crash)

    assert imap.sync_folder(inbox, process=True) == imap.SyncResult(fetched=3, ingested=3)

    # Stored and acknowledged; the tasks wait out the fetcher's grace period, then do it.
    assert all(SEEN in f for f in server.flags(folder).values())
    assert drain_mail() == 0
    Task.objects.filter(name=pipeline.TASK).update(run_at=timezone.now())
    drain_mail()
    assert set(RawEmail.objects.filter(inbox=inbox).values_list("status", flat=True)) == {
        RawStatus.PROCESSED
    }
    assert len(inbox_messages(inbox)) == 3


def drain_mail() -> int:
    """Run the queued mail tasks here, as the worker would; returns how many ran."""
    return tasks.drain()


def inbox_messages(inbox: Inbox) -> list[str]:
    return list(Message.objects.filter(inbox=inbox).values_list("external_id", flat=True))
