"""IMAP ingestion: backfill and follow one folder of an email inbox, acknowledging after commit.

An email inbox with an `imap` block in its configuration (`host`, `port`, `username`,
`password`, `security`: ssl | starttls | none, `folder`, `processed_folder`, `mark_seen`) is read
by `sync_folder()`: it selects the folder, compares its UIDVALIDITY with the stored
`ImapFolderState` (a new one means every UID changed meaning: start again from UID 1; the
(inbox, source_key) key `imap:<folder>:<uidvalidity>:<uid>` makes the redelivery harmless), and
fetches every UID above the last committed one in ascending batches, read or unread, with
`BODY.PEEK[]` so that reading never sets \\Seen by itself. Each message is stored by
`pipeline.ingest()` (a committed transaction) and only then acknowledged on the server, by
\\Seen or by a move to `processed_folder` (SECURITY.md I1); the folder's last UID advances only
over a run of committed messages, so a message that failed is fetched again next time without
holding the others back (I3).

`run()` keeps one folder followed: IDLE when the server offers it (re-issued before the
29-minute limit of RFC 2177), polling otherwise, reconnecting with a capped backoff.
`python -m atiende fetch_mail` runs it for every active email inbox.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import close_old_connections, connections
from django.utils import timezone
from imapclient import IMAPClient  # type: ignore[import-untyped]  # ships no py.typed

from atiende.inboxes.models import ChannelKind, Inbox
from atiende.mail import config, pipeline
from atiende.mail.models import ImapFolderState, RawEmail

logger = logging.getLogger(__name__)

SEEN = b"\\Seen"
DELETED = b"\\Deleted"
BATCH = 50
# RFC 2177: a server may drop an idle client after 30 minutes; stop IDLE before that.
MAX_IDLE_SECONDS = 29 * 60
MAX_BACKOFF_SECONDS = 300.0
RESCAN_SECONDS = 30.0  # how often follow_all() looks for new or re-activated inboxes

Ingest = Callable[..., RawEmail]


@dataclass(frozen=True)
class FolderSettings:
    """Where and how one inbox's mail is read; from `Inbox.config["imap"]`."""

    server: config.ImapConfig
    folder: str
    processed_folder: str
    mark_seen: bool
    batch: int
    poll_seconds: float
    idle_seconds: float
    timeout: float


def folder_settings(inbox: Inbox) -> FolderSettings | None:
    """The IMAP settings of an email inbox, or None when it is not read over IMAP."""
    server = config.imap(inbox)
    if server is None or inbox.channel != ChannelKind.EMAIL:
        return None
    raw: dict[str, Any] = inbox.config["imap"]
    return FolderSettings(
        server=server,
        folder=str(raw.get("folder") or "INBOX"),
        processed_folder=str(raw.get("processed_folder") or ""),
        mark_seen=bool(raw.get("mark_seen", True)),
        batch=max(1, int(raw.get("batch", BATCH))),
        poll_seconds=max(1.0, float(raw.get("poll_seconds", 60))),
        idle_seconds=min(MAX_IDLE_SECONDS, max(1.0, float(raw.get("idle_seconds", 25 * 60)))),
        timeout=float(raw.get("timeout", 60)),
    )


@dataclass
class SyncResult:
    fetched: int = 0  # message bodies read from the server
    ingested: int = 0  # new raw emails stored
    duplicates: int = 0  # UIDs stored before (a retry after a crash or a failure)
    errors: int = 0  # messages that failed: fetched again next time

    def add(self, other: SyncResult) -> None:
        self.fetched += other.fetched
        self.ingested += other.ingested
        self.duplicates += other.duplicates
        self.errors += other.errors


class ImapError(Exception):
    """The server refused something the sync needs (login, the folder)."""


def connect(server: config.ImapConfig, timeout: float = 60.0) -> IMAPClient:
    """A logged-in client; TLS with certificate checks unless `security` is "none"."""
    context = ssl.create_default_context()
    client = IMAPClient(
        server.host,
        port=server.port,
        ssl=server.security == "ssl",
        ssl_context=context if server.security == "ssl" else None,
        timeout=timeout,
    )
    try:
        if server.security == "starttls":
            client.starttls(context)
        client.login(server.username, server.password)
    except BaseException:
        with contextlib.suppress(Exception):
            client.shutdown()
        raise
    return client


@contextlib.contextmanager
def session(settings: FolderSettings) -> Iterator[IMAPClient]:
    client = connect(settings.server, settings.timeout)
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):
            client.logout()


def source_key(folder: str, uidvalidity: int, uid: int) -> str:
    return f"imap:{folder}:{uidvalidity}:{uid}"


def sync_folder(
    inbox: Inbox,
    client: IMAPClient | None = None,
    *,
    ingest: Ingest | None = None,
    process: bool = False,
) -> SyncResult:
    """Backfill everything above the last committed UID; see the module docstring.

    `client` reuses a connection (the IDLE loop); `ingest` defaults to `pipeline.ingest`.
    `process`: each fetch's messages are processed here once acknowledged
    (`pipeline.process_now`), their tasks left as the fallback; otherwise a worker does it.
    """
    settings = folder_settings(inbox)
    if settings is None:
        raise ImapError(f"inbox {inbox.pk} has no IMAP configuration")
    if client is None:
        with session(settings) as own:
            return _sync(inbox, settings, own, ingest or pipeline.ingest, process)
    return _sync(inbox, settings, client, ingest or pipeline.ingest, process)


def _sync(
    inbox: Inbox, settings: FolderSettings, client: IMAPClient, ingest: Ingest, process: bool
) -> SyncResult:
    state, _ = ImapFolderState.objects.get_or_create(inbox=inbox, folder=settings.folder)
    selected = client.select_folder(settings.folder)
    uidvalidity = int(selected[b"UIDVALIDITY"])
    if uidvalidity != state.uidvalidity:
        if state.uidvalidity:
            logger.warning(
                "inbox %s folder %s: UIDVALIDITY %s -> %s, backfilling the folder again",
                inbox.pk,
                settings.folder,
                state.uidvalidity,
                uidvalidity,
            )
        state.uidvalidity = uidvalidity
        state.last_uid = 0
        state.save(update_fields=["uidvalidity", "last_uid"])
    # "n:*" always matches the newest message, even below n: filter.
    uids = sorted(
        uid for uid in client.search(["UID", f"{state.last_uid + 1}:*"]) if uid > state.last_uid
    )
    result = SyncResult()
    errors: list[str] = []
    # The stored last UID moves over done UIDs only, and stops for good at the first failure.
    blocked = False
    for start in range(0, len(uids), settings.batch):
        batch = uids[start : start + settings.batch]
        done, batch_result, batch_errors = _sync_batch(
            inbox, settings, client, uidvalidity, batch, ingest, process
        )
        result.add(batch_result)
        errors.extend(batch_errors)
        for uid in batch:
            if blocked or uid not in done:
                blocked = True
                continue
            state.last_uid = uid
        state.last_sync_at = timezone.now()
        state.save(update_fields=["last_uid", "last_sync_at"])
    state.last_sync_at = timezone.now()
    state.last_error = "\n".join(errors)[:5000]
    state.save(update_fields=["last_sync_at", "last_error"])
    return result


def _sync_batch(
    inbox: Inbox,
    settings: FolderSettings,
    client: IMAPClient,
    uidvalidity: int,
    batch: list[int],
    ingest: Ingest,
    process: bool = False,
) -> tuple[set[int], SyncResult, list[str]]:
    """Store and acknowledge one batch; returns the UIDs that are done (stored or gone)."""
    fresh: list[int] = []  # raw emails stored by this batch, to process here (`process`)
    try:
        return _store_batch(inbox, settings, client, uidvalidity, batch, ingest, process, fresh)
    finally:
        if fresh:
            _process_fresh(inbox, fresh)


def _process_fresh(inbox: Inbox, raw_ids: list[int]) -> None:
    """Process what this fetch stored and acknowledged; what fails here is left to the tasks
    (they wait `pipeline.FETCHER_GRACE_SECONDS`, then a worker takes them)."""
    try:
        pipeline.process_now(raw_ids)
    except Exception:
        logger.exception("inbox %s: processing %d fetched messages failed", inbox.pk, len(raw_ids))


def _store_batch(
    inbox: Inbox,
    settings: FolderSettings,
    client: IMAPClient,
    uidvalidity: int,
    batch: list[int],
    ingest: Ingest,
    process: bool,
    fresh: list[int],
) -> tuple[set[int], SyncResult, list[str]]:
    result = SyncResult()
    errors: list[str] = []
    keys = {uid: source_key(settings.folder, uidvalidity, uid) for uid in batch}
    stored = set(
        RawEmail.objects.filter(inbox=inbox, source_key__in=keys.values()).values_list(
            "source_key", flat=True
        )
    )
    committed = [uid for uid in batch if keys[uid] in stored]
    result.duplicates += len(committed)
    wanted = [uid for uid in batch if keys[uid] not in stored]
    sizes = {
        uid: int(data.get(b"RFC822.SIZE", 0))
        for uid, data in _fetch(client, wanted, [b"RFC822.SIZE"]).items()
    }
    gone = set(wanted) - set(sizes)  # expunged by someone else since the search
    limit = config.max_message_bytes()
    small = [uid for uid in wanted if uid in sizes and sizes[uid] <= limit]
    # Huge messages one at a time, so a batch never holds several of them in memory; the
    # pipeline stores them and quarantines them unread.
    groups = deque([small] if small else [])
    groups.extend([uid] for uid in wanted if uid in sizes and sizes[uid] > limit)
    while groups:
        group = groups.popleft()
        try:
            bodies = _fetch(client, group, [b"BODY.PEEK[]"])
        except IMAPClient.AbortError:
            raise  # the connection is gone: the caller reconnects
        except (IMAPClient.Error, ValueError) as exc:
            if len(group) == 1:
                errors.append(f"UID {group[0]}: fetch failed: {exc}")
                result.errors += 1
                continue
            # One bad message must not fail its neighbours: fetch them one by one.
            groups.extend([uid] for uid in group)
            continue
        ready: list[tuple[int, bytes]] = []
        for uid in group:
            data = bodies.get(uid)
            raw = data.get(b"BODY[]") if data else None
            if raw is None:
                gone.add(uid)
                continue
            result.fetched += 1
            ready.append((uid, bytes(raw)))
        outcomes = _ingest_all(inbox, ready, keys, ingest, process)
        for (uid, _raw), outcome in zip(ready, outcomes, strict=True):
            if process and isinstance(outcome, RawEmail) and outcome.attempts == 0:
                fresh.append(outcome.pk)
            if isinstance(outcome, Exception):
                logger.warning("inbox %s UID %s: ingestion failed: %s", inbox.pk, uid, outcome)
                errors.append(f"UID {uid}: ingestion failed: {type(outcome).__name__}: {outcome}")
                result.errors += 1
                continue
            result.ingested += 1
            committed.append(uid)
    if committed:
        try:
            _acknowledge(settings, client, sorted(committed))
        except Exception as exc:
            # Stored but not acknowledged: the next sync finds them stored and acknowledges.
            errors.append(f"acknowledging {len(committed)} messages failed: {exc}")
            result.errors += 1
            return gone, result, errors
    return set(committed) | gone, result, errors


def _ingest_all(
    inbox: Inbox,
    ready: list[tuple[int, bytes]],
    keys: dict[int, str],
    ingest: Ingest,
    process: bool = False,
) -> list[RawEmail | Exception]:
    """Store the fetched messages (none of them stored before): with the pipeline's
    `ingest_many`, one commit for all of them (their tasks delayed when this process goes on
    to process them); with another `ingest`, one by one."""
    if ingest is pipeline.ingest:
        return pipeline.ingest_many(
            inbox,
            [(raw, keys[uid]) for uid, raw in ready],
            source="imap",
            delay=pipeline.FETCHER_GRACE_SECONDS if process else 0,
        )
    outcomes: list[RawEmail | Exception] = []
    for uid, raw in ready:
        try:
            outcomes.append(ingest(inbox, raw, source="imap", source_key=keys[uid]))
        except Exception as exc:
            outcomes.append(exc)
    return outcomes


def _fetch(client: IMAPClient, uids: list[int], items: list[bytes]) -> dict[int, dict[bytes, Any]]:
    if not uids:
        return {}
    fetched: dict[int, dict[bytes, Any]] = client.fetch(uids, items)
    return fetched


def _acknowledge(settings: FolderSettings, client: IMAPClient, uids: list[int]) -> None:
    """Tell the server these messages are ours now: only ever called after they committed."""
    if settings.processed_folder:
        if client.has_capability("MOVE"):
            client.move(uids, settings.processed_folder)
            return
        client.copy(uids, settings.processed_folder)
        client.add_flags(uids, [DELETED], silent=True)
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(uids)
        else:
            client.expunge()
        return
    if settings.mark_seen:
        client.add_flags(uids, [SEEN], silent=True)


def _wait_for_mail(
    client: IMAPClient, settings: FolderSettings, stop: threading.Event, idle: bool
) -> None:
    """Return when the folder may have new mail, the IDLE period ended, or on `stop`."""
    if not idle:
        stop.wait(settings.poll_seconds)
        return
    client.idle()
    try:
        deadline = time.monotonic() + settings.idle_seconds
        while not stop.is_set() and time.monotonic() < deadline:
            # Short checks, so that `stop` is noticed within a second.
            responses = client.idle_check(timeout=1.0)
            if any(len(item) > 1 and item[1] in (b"EXISTS", b"RECENT") for item in responses):
                return
    finally:
        client.idle_done()


def run(
    inbox: Inbox,
    stop: threading.Event,
    *,
    on_sync: Callable[[SyncResult], None] | None = None,
    process: bool = False,
) -> None:
    """Follow the inbox's folder until `stop` is set: sync, wait for mail, sync again.

    Runs in a thread of its own: its database connections are closed when it returns.
    `process`: see `sync_folder`.
    """
    try:
        _run(inbox, stop, on_sync, process)
    finally:
        connections.close_all()


def _run(
    inbox: Inbox,
    stop: threading.Event,
    on_sync: Callable[[SyncResult], None] | None,
    process: bool,
) -> None:
    backoff = 1.0
    while not stop.is_set():
        try:
            inbox.refresh_from_db()
            settings = folder_settings(inbox)
            if settings is None or not inbox.is_active:
                return
            with session(settings) as client:
                idle = bool(client.has_capability("IDLE"))
                while not stop.is_set():
                    result = sync_folder(inbox, client, process=process)
                    backoff = 1.0
                    if on_sync is not None:
                        on_sync(result)
                    close_old_connections()
                    if result.errors:
                        # Failed messages are retried at the polling pace, never in a loop.
                        stop.wait(min(settings.poll_seconds, 30.0))
                    elif not (result.fetched or result.duplicates):
                        _wait_for_mail(client, settings, stop, idle)
                    # Otherwise sync again at once: mail announced (EXISTS) while the sync
                    # fetched and flagged was consumed by those commands, so IDLE would not
                    # report it; only a sync whose SEARCH found nothing may be followed by IDLE.
        except Exception as exc:
            logger.warning("inbox %s: IMAP failed (%s); retrying in %.0fs", inbox.pk, exc, backoff)
            with contextlib.suppress(Exception):
                ImapFolderState.objects.filter(inbox=inbox).update(
                    last_error=f"{type(exc).__name__}: {exc}"[:5000]
                )
            close_old_connections()
            stop.wait(backoff)
            backoff = min(MAX_BACKOFF_SECONDS, backoff * 2)


def imap_inboxes(inbox_id: int | None = None) -> list[Inbox]:
    """Active email inboxes that have an IMAP configuration."""
    inboxes = Inbox.objects.filter(channel=ChannelKind.EMAIL, is_active=True).order_by("pk")
    if inbox_id is not None:
        inboxes = inboxes.filter(pk=inbox_id)
    return [inbox for inbox in inboxes if folder_settings(inbox) is not None]


def follow_all(
    stop: threading.Event, inbox_id: int | None = None, *, process: bool = False
) -> None:
    """Follow every IMAP inbox in a thread of its own until `stop`, picking up new ones.

    `fetch_mail` runs this in its own process, processing what it fetched (`process`: no
    worker then competes with it for SQLite's single writer while the mail flows; the
    events' broadcasts go out from its process, as from a standalone worker's); an embedded
    mode runs it in a thread of the server, the embedded worker processing.
    """
    threads: dict[int, threading.Thread] = {}
    while not stop.is_set():
        close_old_connections()
        for inbox in imap_inboxes(inbox_id):
            running = threads.get(inbox.pk)
            if running is not None and running.is_alive():
                continue
            thread = threading.Thread(
                target=run,
                args=(inbox, stop),
                kwargs={"process": process},
                name=f"imap-{inbox.pk}",
                daemon=True,
            )
            threads[inbox.pk] = thread
            thread.start()
        close_old_connections()
        stop.wait(RESCAN_SECONDS)
    for thread in threads.values():
        thread.join(timeout=10)
