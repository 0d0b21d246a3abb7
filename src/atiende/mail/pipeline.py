"""Raw-first ingestion and processing of incoming mail.

`ingest()` is all a source (IMAP, our SMTP server, the upload endpoint) calls: one short
transaction stores the bytes and a `RawEmail` row under a unique (inbox, source_key) and queues
`mail_process`; the source acknowledges only after it returned (SECURITY.md I1). The task then
parses, applies the block list, records bounces, threads, and hands the message to
`receive_message`. Anything unexpected retries; the third failure quarantines the raw email
(I3): the queue moves on and an admin can retry it.

Processing goes in batches: the task of one raw email takes every raw email of its inbox that
waits (up to `BATCH_SIZE`, oldest first), parses them outside any transaction, then handles them
in one transaction with a savepoint each, so a message that fails is rolled back alone and the
others commit. What a batch needs (contacts, referenced messages, the block list, duplicates)
is read once per batch; the tasks of the raw emails it handled are marked done in the same
transaction. Before a batch starts, its raw emails' `attempts` are counted in a committed
transaction: if the worker dies during the batch, nothing of it is kept, and each of those raw
emails is then processed on its own (a message that kills the worker cannot take a batch down
twice).
"""

from __future__ import annotations

import copy
import hashlib
import logging
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.conversations import attachments as attachment_store
from atiende.conversations.actions import receive_message
from atiende.conversations.models import DeliveryStatus, Direction, Message
from atiende.core import events, masking, rawsql, tasks
from atiende.core.errors import ActionError
from atiende.core.models import Event, Task, TaskStatus
from atiende.inboxes.contract import InboundAttachment, InboundMessage
from atiende.inboxes.models import Inbox
from atiende.mail import config, loops, threads
from atiende.mail.models import BlockedSender, EmailReference, RawEmail, RawStatus
from atiende.mail.parse import MalformedEmail, parse_email
from atiende.mail.types import ParsedEmail
from atiende.people.models import Contact
from atiende.search import index
from atiende.search.models import SearchDocument

logger = logging.getLogger(__name__)

TASK = "mail_process"
BATCH_SIZE = 100  # raw emails per transaction
# A batch stops taking messages after this long and commits: agents see a message only once its
# batch committed.
BATCH_SECONDS = 0.5
# One task goes on with the next batch while mail waits, for at most this long (and a third of
# its lease).
TASK_SECONDS = 10.0
# The IMAP fetcher processes the messages it has just stored itself (`process_now`); their tasks
# become runnable only this much later, for a worker to take should the fetcher die first or a
# message fail there.
FETCHER_GRACE_SECONDS = 30.0


def ingest(inbox: Inbox, raw: bytes, *, source: str, source_key: str) -> RawEmail:
    """Store `raw` durably and queue its processing; a redelivery returns the first row."""
    existing = RawEmail.objects.filter(inbox=inbox, source_key=source_key[:255]).first()
    if existing is not None:
        return existing
    name = _write(raw)
    try:
        with transaction.atomic():
            raw_email = _create(inbox, raw, source, source_key, name)
    except IntegrityError:
        _remove(name)
        existing = RawEmail.objects.filter(inbox=inbox, source_key=source_key[:255]).first()
        if existing is None:
            raise
        return existing
    except BaseException:
        _remove(name)
        raise
    return raw_email


def ingest_many(
    inbox: Inbox, mails: list[tuple[bytes, str]], *, source: str, delay: float = 0
) -> list[RawEmail | Exception]:
    """`ingest` for several new messages (bytes, source key) of one fetch: each file written
    and fsync'd, then one transaction for all their rows and tasks, one commit instead of one
    per message. The source acknowledges them after it returned, as after `ingest`. Should
    that transaction fail (e.g. one of them was stored meanwhile by another path), each is
    ingested on its own. Returns, per message, its row or the error that kept it out.

    `delay`: the tasks of the rows stored together wait this long (the caller processes them
    itself with `process_now`; the tasks are the fallback)."""
    results: list[RawEmail | Exception | None] = [None] * len(mails)
    written: list[tuple[int, str]] = []
    for position, (raw, _key) in enumerate(mails):
        try:
            written.append((position, _write(raw, sync=False)))
        except Exception as exc:
            results[position] = exc
    # Made durable together: the file system commits concurrent fsyncs in fewer journal
    # flushes (100 files here: 3.0 -> 0.9 ms each). Every one returned before the rows exist.
    synced = list(_syncer().map(_fsync, [name for _position, name in written]))
    for (position, name), error in zip(list(written), synced, strict=True):
        if error is not None:
            _remove(name)
            written.remove((position, name))
            results[position] = error
    try:
        with transaction.atomic():
            rows = _create_all(
                inbox,
                [(mails[position][0], mails[position][1], name) for position, name in written],
                source,
                delay=delay,
            )
            for (position, _name), row in zip(written, rows, strict=True):
                results[position] = row
    except Exception:
        for position, name in written:
            _remove(name)
            raw, key = mails[position]
            try:
                results[position] = ingest(inbox, raw, source=source, source_key=key)
            except Exception as exc:
                results[position] = exc
    except BaseException:
        for _position, name in written:
            _remove(name)
        raise
    return [item if item is not None else RuntimeError("not ingested") for item in results]


def _create(
    inbox: Inbox, raw: bytes, source: str, source_key: str, name: str, *, delay: float = 0
) -> RawEmail:
    """The row of bytes stored under `name`, and its task (inside the caller's transaction)."""
    too_large = len(raw) > config.max_message_bytes()
    raw_email = rawsql.insert(_row(inbox, raw, source, source_key, name))
    assert raw_email is not None  # without ignore_conflicts a row or an IntegrityError
    if not too_large:
        tasks.enqueue(TASK, {"raw_id": raw_email.pk}, key=f"mail:{raw_email.pk}", delay=delay)
    return raw_email


def _create_all(
    inbox: Inbox, mails: list[tuple[bytes, str, str]], source: str, *, delay: float = 0
) -> list[RawEmail]:
    """`_create` for several (bytes, source key, storage name): one INSERT for the rows (their
    ids read back), one for their tasks, the rows `tasks.enqueue` writes (a task already
    queued under its unique key is left as it is). One statement each instead of one per
    message: the ORM's compiler per row was most of the IMAP fetcher's CPU."""
    rows = RawEmail.objects.bulk_create(
        [_row(inbox, raw, source, key, name) for raw, key, name in mails]
    )
    run_at = timezone.now() + timedelta(seconds=delay)
    queued = [
        Task(name=TASK, key=f"mail:{row.pk}", payload={"raw_id": row.pk}, run_at=run_at)
        for row in rows
        if row.status == RawStatus.RECEIVED
    ]
    if queued:
        Task.objects.bulk_create(queued, ignore_conflicts=True)
        transaction.on_commit(tasks.wake)
    return rows


def _row(inbox: Inbox, raw: bytes, source: str, source_key: str, name: str) -> RawEmail:
    """The unsaved row of bytes stored under `name` (quarantined at once when too large)."""
    too_large = len(raw) > config.max_message_bytes()
    return RawEmail(
        inbox=inbox,
        source=source[:16],
        source_key=source_key[:255],
        sha256=hashlib.sha256(raw).hexdigest(),
        raw=name,
        size=len(raw),
        status=RawStatus.QUARANTINED if too_large else RawStatus.RECEIVED,
        error=(
            _("The message is %(size)s bytes, over the %(limit)s-byte limit.")
            % {"size": len(raw), "limit": config.max_message_bytes()}
            if too_large
            else ""
        ),
    )


def _write(raw: bytes, *, sync: bool = True) -> str:
    """Write the bytes under a random name and fsync them (`sync=False`: the caller does, with
    `_fsync`); returns the storage name."""
    now = timezone.now()
    name = f"mail/raw/{now:%Y}/{now:%m}/{secrets.token_hex(16)}.eml"
    path = Path(settings.MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        view = memoryview(raw)
        while view:
            view = view[os.write(descriptor, view) :]
        if sync:
            os.fsync(descriptor)
    except BaseException:
        os.close(descriptor)
        path.unlink(missing_ok=True)
        raise
    os.close(descriptor)
    return name


def _fsync(name: str) -> Exception | None:
    """fsync a file `_write` wrote; the error, if any."""
    try:
        descriptor = os.open(Path(settings.MEDIA_ROOT) / name, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    except OSError as exc:
        return exc
    return None


_syncers: list[ThreadPoolExecutor] = []


def _syncer() -> ThreadPoolExecutor:
    if not _syncers:
        _syncers.append(ThreadPoolExecutor(max_workers=16, thread_name_prefix="mail-fsync"))
    return _syncers[0]


def _remove(name: str) -> None:
    (Path(settings.MEDIA_ROOT) / name).unlink(missing_ok=True)


def read_raw(raw_email: RawEmail) -> bytes:
    return (Path(settings.MEDIA_ROOT) / str(raw_email.raw.name)).read_bytes()


class Quarantine(Exception):
    """This raw email cannot become a message as it is; retrying would not help."""


def _give_up(payload: dict[str, Any], error: str) -> None:
    RawEmail.objects.filter(pk=payload["raw_id"], status=RawStatus.RECEIVED).update(
        status=RawStatus.QUARANTINED, error=error[:5000], processed_at=timezone.now()
    )


@tasks.task(TASK, on_give_up=_give_up)
def process_task(payload: dict[str, Any]) -> None:
    """Process this raw email, and with it the others of its inbox that wait (batches)."""
    raw_id = int(payload["raw_id"])
    row = RawEmail.objects.filter(pk=raw_id).values_list("status", "attempts", "inbox_id").first()
    if row is None or row[0] != RawStatus.RECEIVED:
        return
    _status, attempts, inbox_id = row
    # Tried before (its batch failed, or a worker died in it): on its own from now on.
    alone = attempts > 0
    deadline = time.monotonic() + _task_seconds()
    own_done = False
    own_failure: Exception | None = None
    while True:
        size = _Pace.batch_size()
        claimed = _claim(inbox_id, None if own_done else raw_id, alone=alone, size=size)
        if not claimed:
            break
        handled, failures = process_batch(claimed)
        if raw_id in handled or raw_id in failures:
            own_done = True
            own_failure = failures.get(raw_id)
        if alone or len(claimed) < size or time.monotonic() > deadline:
            break
    if own_failure is not None:
        raise own_failure  # the queue retries it with backoff
    if not own_done and RawEmail.objects.filter(pk=raw_id, status=RawStatus.RECEIVED).exists():
        # Another worker holds it right now: look again once that worker is done.
        key = f"mail:{raw_id}:again:{secrets.token_hex(8)}"
        tasks.enqueue(TASK, {"raw_id": raw_id}, key=key, delay=2)


class _Pace:
    """How long one message takes to process here, measured: a batch claims about what it can
    handle in `BATCH_SECONDS`, so no raw email is read and parsed for nothing."""

    seconds_per_message = 0.01

    @classmethod
    def batch_size(cls) -> int:
        return max(1, min(BATCH_SIZE, int(BATCH_SECONDS / cls.seconds_per_message)))

    @classmethod
    def observe(cls, seconds: float, messages: int) -> None:
        if messages:
            cls.seconds_per_message = 0.7 * cls.seconds_per_message + 0.3 * (seconds / messages)


def _task_seconds() -> float:
    lease = settings.ATIENDE_TASK_LEASE_SECONDS or 120
    return min(TASK_SECONDS, lease / 3)


def _unlocked_ids(queryset: QuerySet[RawEmail]) -> list[int]:
    """The ids of these rows, locked for this transaction; rows another worker holds are
    skipped (PostgreSQL; SQLite has one writer at a time anyway)."""
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True)
    return list(queryset.values_list("pk", flat=True))


def _claim(inbox_id: int, own: int | None, *, alone: bool, size: int) -> list[int]:
    """Count an attempt for the raw emails of the next batch (committed before it starts)."""
    with transaction.atomic():
        if alone:
            if own is None:
                return []
            ids = _unlocked_ids(RawEmail.objects.filter(pk=own, status=RawStatus.RECEIVED))
        else:
            ids = _unlocked_ids(
                RawEmail.objects.filter(
                    inbox_id=inbox_id, status=RawStatus.RECEIVED, attempts=0
                ).order_by("pk")[:size]
            )
            if own is not None and own not in ids:
                mine = _unlocked_ids(
                    RawEmail.objects.filter(pk=own, status=RawStatus.RECEIVED, attempts=0)
                )
                ids = sorted(mine + ids[: size - len(mine)])
        if ids:
            RawEmail.objects.filter(pk__in=ids).update(attempts=F("attempts") + 1)
    return ids


def process_now(raw_ids: list[int]) -> set[int]:
    """Process raw emails this process has just stored (the IMAP fetcher, right after its
    commit), in batches as a worker would; returns the ids handled.

    Only the ones no one has tried yet are taken (attempts 0, counted before each batch as in
    `_claim`): should this process die, or a message fail here, its task does the rest
    (`ingest_many(delay=...)`), on its own as after a worker's crash. A worker that took some
    of them first keeps them."""
    handled: set[int] = set()
    waiting = sorted(raw_ids)
    while waiting:
        size = _Pace.batch_size()
        with transaction.atomic():
            ids = _unlocked_ids(
                RawEmail.objects.filter(
                    pk__in=waiting[:size], status=RawStatus.RECEIVED, attempts=0
                ).order_by("pk")
            )
            if ids:
                RawEmail.objects.filter(pk__in=ids).update(attempts=F("attempts") + 1)
        if not ids:
            waiting = waiting[size:]
            continue
        done, failures = process_batch(ids)
        handled |= done
        if not done and not failures:
            break  # nothing of it could be processed here: left to the tasks
        # The ones its time budget did not reach are claimed again with the next batch.
        waiting = [pk for pk in waiting if pk not in done and pk not in failures]
    return handled


def retry_quarantined(raw_email: RawEmail) -> bool:
    """Put a quarantined raw email back in the queue (an admin pressed "retry")."""
    with transaction.atomic():
        updated = RawEmail.objects.filter(pk=raw_email.pk, status=RawStatus.QUARANTINED).update(
            status=RawStatus.RECEIVED, attempts=0, error="", processed_at=None
        )
        if updated:
            key = f"mail:{raw_email.pk}:retry:{secrets.token_hex(8)}"
            tasks.enqueue(TASK, {"raw_id": raw_email.pk}, key=key)
    return bool(updated)


REDACTED_BODY = (
    b"atiende removed the body of this message after reading it: it contained a secret "
    b"(a recovery phrase, a private key or a card number). The conversation keeps the text "
    b"with the secret masked.\r\n"
)


def redact_raw(raw_email: RawEmail) -> None:
    """Keep only the headers of a raw email whose text held a secret (SECURITY.md I8).

    The message itself is stored, masked, in its conversation; the raw copy would otherwise
    keep the secret on disk. Header values are masked too.
    """
    path = Path(settings.MEDIA_ROOT) / str(raw_email.raw.name)
    raw = path.read_bytes()
    end = min((i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0), default=-1)
    head = raw[:end] if end >= 0 else raw
    masked_head = masking.mask_secrets(head.decode("latin-1")).text
    head = masked_head.encode("latin-1", errors="replace")
    # The body has gone: the headers must not describe it any more.
    kept = [
        line
        for line in re.split(rb"\r?\n(?![ \t])", head)
        if not line.lower().startswith((b"content-type:", b"content-transfer-encoding:"))
    ]
    kept.append(b"Content-Type: text/plain; charset=us-ascii")
    tmp = path.with_suffix(".redacted")
    tmp.write_bytes(b"\r\n".join(kept) + b"\r\n\r\n" + REDACTED_BODY)
    tmp.replace(path)
    RawEmail.objects.filter(pk=raw_email.pk).update(size=path.stat().st_size)


@dataclass
class _Item:
    """One raw email of a batch: what parsing gave, then what became of it."""

    raw_email: RawEmail
    parsed: ParsedEmail | None = None
    failure: Exception | None = None  # reading or parsing failed
    status: str = ""
    error: str = ""
    message: Message | None = None
    # Applied when the message's savepoint committed: later mails of the batch see it.
    learn: Callable[[], None] | None = None
    # Its search documents, written by the batch once its savepoint committed.
    documents: list[SearchDocument] = field(default_factory=list)

    @property
    def external_id(self) -> str:
        message_id = self.parsed.message_id if self.parsed is not None else ""
        return (message_id or f"sha256:{self.raw_email.sha256}")[:255]

    def finish(self, status: str, error: str = "", message: Message | None = None) -> None:
        self.status, self.error, self.message = status, error, message


def _read(raw_email: RawEmail) -> _Item:
    item = _Item(raw_email)
    try:
        item.parsed = parse_email(read_raw(raw_email))
    except MalformedEmail as exc:
        item.failure = Quarantine(_("Unreadable email: %s") % exc)
    except Exception as exc:  # e.g. the file vanished: retried like any processing error
        item.failure = exc
    return item


class _Batch:
    """What the messages of one batch share: the inbox settings, the block-list entries and
    duplicates among their senders and ids, the threading index, and the references to keep."""

    def __init__(self, inbox: Inbox, items: Iterable[_Item]) -> None:
        readable = [item for item in items if item.parsed is not None]
        self.inbox = inbox
        self.address = config.address(inbox)
        self.reopen_closed = config.closed_reply(inbox) == "reopen"
        self.auto_acknowledge = config.auto_acknowledge(inbox)
        patterns: set[str] = set()
        for item in readable:
            assert item.parsed is not None
            patterns |= loops.block_patterns(item.parsed.from_address)
        self.blocked = (
            set(
                BlockedSender.objects.filter(inbox=inbox, pattern__in=patterns).values_list(
                    "pattern", flat=True
                )
            )
            if patterns
            else set()
        )
        ids = [item.external_id for item in readable]
        self.known_ids = set(
            Message.objects.by_external_id(inbox.pk, ids).values_list("external_id", flat=True)
        )
        self.threads = threads.ThreadIndex(
            inbox, [item.parsed for item in readable if item.parsed is not None]
        )
        # The senders' contacts (the index found them by identity, merges followed): handed to
        # receive_message, which then does not look each one up again.
        self.contacts: dict[int, Contact] = Contact.objects.in_bulk(
            [pk for pk in self.threads.contacts.values() if pk is not None]
        )
        self.last_event = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        self.references: list[EmailReference] = []

    def is_blocked(self, sender: str) -> bool:
        return bool(self.blocked & loops.block_patterns(sender))


def process_batch(raw_ids: list[int]) -> tuple[set[int], dict[int, Exception]]:
    """Process these claimed raw emails of one inbox: the ids handled (a message, a duplicate,
    a block, a quarantine...) and the errors of those to retry."""
    raw_emails = list(
        RawEmail.objects.select_related("inbox")
        .filter(pk__in=raw_ids, status=RawStatus.RECEIVED)
        .order_by("pk")
    )
    if not raw_emails:
        return set(), {}
    items = [_read(raw_email) for raw_email in raw_emails]  # CPU only: before the transaction
    # The batch's broadcasts and the subscribers of its events go out together once it
    # committed (one hand-over to the channel layer, one transaction for the tasks they queue).
    with events.published_together():
        return _process_items(items)


def _process_items(items: list[_Item]) -> tuple[set[int], dict[int, Exception]]:
    failures: dict[int, Exception] = {}
    done: list[_Item] = []
    unreached: list[int] = []
    started = time.monotonic()
    with transaction.atomic():
        # Another worker may have taken some of them meanwhile (PostgreSQL).
        mine = set(
            _unlocked_ids(
                RawEmail.objects.filter(
                    pk__in=[item.raw_email.pk for item in items], status=RawStatus.RECEIVED
                )
            )
        )
        items = [item for item in items if item.raw_email.pk in mine]
        if not items:
            return set(), {}
        batch = _Batch(items[0].raw_email.inbox, items)
        documents: list[SearchDocument] = []
        for item in items:
            if done and time.monotonic() - started > BATCH_SECONDS:
                unreached.append(item.raw_email.pk)
                continue
            try:
                with transaction.atomic():
                    _process(batch, item)
            except Quarantine as exc:
                item.finish(RawStatus.QUARANTINED, str(exc))
            except Exception as exc:
                attempts = item.raw_email.attempts
                if attempts < config.max_attempts():
                    logger.warning(
                        "raw email %s failed (attempt %d): %r", item.raw_email.pk, attempts, exc
                    )
                    failures[item.raw_email.pk] = exc
                    continue
                logger.exception(
                    "raw email %s quarantined after %d attempts", item.raw_email.pk, attempts
                )
                item.finish(RawStatus.QUARANTINED, f"{type(exc).__name__}: {exc}")
            else:
                if item.learn is not None:
                    item.learn()
                documents += item.documents
            done.append(item)
        index.write(documents)
        _complete(batch, done)
        _Pace.observe(time.monotonic() - started, len(done))
        if unreached:
            # Not tried at all: their attempt does not count.
            RawEmail.objects.filter(pk__in=unreached).update(attempts=F("attempts") - 1)
    return {item.raw_email.pk for item in done}, failures


def _complete(batch: _Batch, done: list[_Item]) -> None:
    """Record the batch's outcome: raw email rows, redactions, references, finished tasks."""
    if not done:
        return
    masked = {
        data.get("message_id")
        for data in Event.objects.filter(
            kind="message.secret_masked", pk__gt=batch.last_event
        ).values_list("data", flat=True)
        if isinstance(data, dict)
    }
    now = timezone.now()
    for item in done:
        raw_email = item.raw_email
        raw_email.status = item.status
        raw_email.error = item.error[:5000]
        raw_email.processed_at = now
        if item.message is not None:
            raw_email.message = item.message
        if item.parsed is not None and item.parsed.message_id:
            raw_email.message_id_header = item.parsed.message_id[:255]
    _update_rows([item.raw_email for item in done])
    for item in done:
        if item.message is not None and item.message.pk in masked:
            redact_raw(item.raw_email)
    if batch.references:
        EmailReference.objects.bulk_create(batch.references)
    # Their tasks have nothing left to do (the running ones see the status and return).
    Task.objects.filter(
        key__in=[f"mail:{item.raw_email.pk}" for item in done], status=TaskStatus.PENDING
    ).update(status=TaskStatus.DONE, finished_at=now, locked_until=None)


_UPDATED = ("status", "error", "processed_at", "message", "message_id_header")


def _update_rows(raw_emails: list[RawEmail]) -> None:
    """Write these rows' outcome fields: one prepared UPDATE run for each row (`executemany`;
    `bulk_update`'s CASE expression cost a fifth of a batch's CPU to build)."""
    fields = [field for field in RawEmail._meta.concrete_fields if field.name in _UPDATED]
    q = connection.ops.quote_name
    assignments = ", ".join(f"{q(str(field.column))} = %s" for field in fields)
    sql = f"UPDATE {q(RawEmail._meta.db_table)} SET {assignments} WHERE {q('id')} = %s"  # noqa: S608
    rows = [
        [field.get_db_prep_save(getattr(raw_email, field.attname), connection) for field in fields]
        + [raw_email.pk]
        for raw_email in raw_emails
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _process(batch: _Batch, item: _Item) -> None:
    """Turn one raw email into a message (or a bounce, a block, a duplicate)."""
    if item.failure is not None:
        raise item.failure
    parsed = item.parsed
    assert parsed is not None
    inbox = batch.inbox
    sender = parsed.from_address.strip().lower()
    if not sender or "@" not in sender:
        raise Quarantine(_("The email has no sender address."))
    if batch.is_blocked(sender):
        item.finish(RawStatus.BLOCKED, _("Sender on the block list."))
        return
    if parsed.is_report:
        item.finish(RawStatus.IGNORED, record_bounce(inbox, parsed))
        return
    if sender == batch.address:
        item.finish(RawStatus.IGNORED, _("Sent from this inbox's own address."))
        return
    external_id = item.external_id
    if external_id in batch.known_ids:
        item.finish(RawStatus.DUPLICATE, _("This Message-ID arrived before."))
        return
    thread = batch.threads.find(parsed)
    contact_id = batch.threads.contact(sender)
    known = batch.contacts.get(contact_id) if contact_id is not None else None
    attachments, refused = _attachments(parsed)
    text = parsed.text
    if refused:
        text = "\n\n".join([text, *refused]).strip()
    if not (text.strip() or parsed.html.strip() or attachments):
        text = parsed.subject or _("(empty message)")
    try:
        with index.deferred() as documents:
            result = receive_message(
                InboundMessage(
                    inbox_id=inbox.pk,
                    identity_kind="email",
                    identity_value=sender,
                    email=sender,
                    name=parsed.from_name,
                    text=text,
                    html=parsed.html,
                    external_id=external_id,
                    subject=parsed.subject,
                    language=parsed.language,
                    sent_at=parsed.date,
                    attachments=attachments,
                    conversation_id=thread,
                    new_conversation=thread is None,
                    reopen_closed=batch.reopen_closed,
                    metadata={"full_text": parsed.full_text, "raw_email_id": item.raw_email.pk},
                ),
                # Looked up with the batch (`known_ids`, same transaction): a concurrent duplicate
                # still meets the unique constraint and is returned as such.
                checked_new=True,
                # A copy: what receive_message changes (a name learnt) is kept only if this
                # message's savepoint commits (see `learn`).
                contact=copy.copy(known) if known is not None else None,
                # The index read the sender's identity with the batch (and learns the contacts
                # the batch creates): unknown there, no contact has it.
                no_contact=batch.threads.has_no_contact(sender),
                inbox=inbox,
            )
    except ActionError as exc:
        raise Quarantine(exc.detail) from exc
    # Written with the batch's outcome, for the messages whose savepoint committed.
    item.documents = documents
    if not result.created:
        item.finish(RawStatus.DUPLICATE, _("This Message-ID arrived before."))
        return
    item.finish(RawStatus.PROCESSED, message=result.message)
    if result.new_conversation and batch.auto_acknowledge and loops.may_autoreply(inbox, parsed):
        loops.acknowledge(result.conversation, sender)

    def learn() -> None:
        batch.known_ids.add(external_id)
        author = result.message.author_contact
        if author is not None:
            batch.contacts[author.pk] = author
        unknown = batch.threads.learn(
            parsed,
            contact_id=result.conversation.contact_id,
            conversation=result.conversation,
            external_id=external_id,
        )
        batch.references += [
            EmailReference(inbox=inbox, referenced=referenced[:255], message=result.message)
            for referenced in unknown
        ]

    item.learn = learn


def _attachments(parsed: ParsedEmail) -> tuple[tuple[InboundAttachment, ...], list[str]]:
    """The attachments the core accepts, and a line for each one it refuses (kept in the raw)."""
    accepted: list[InboundAttachment] = []
    refused: list[str] = []
    for item in parsed.attachments:
        if len(accepted) >= settings.ATIENDE_MAX_ATTACHMENTS_PER_MESSAGE:
            refused.append(
                _("[Attachment %(name)s not imported: too many files.]") % {"name": item.filename}
            )
            continue
        try:
            attachment_store.validate(item.filename or "attachment", item.content)
        except ActionError as exc:
            refused.append(
                _("[Attachment %(name)s not imported: %(reason)s]")
                % {"name": item.filename, "reason": exc.detail}
            )
            continue
        accepted.append(
            InboundAttachment(
                filename=item.filename or "attachment",
                content=item.content,
                declared_type=item.declared_type,
                content_id=item.content_id,
            )
        )
    return tuple(accepted), refused


def record_bounce(inbox: Inbox, parsed: ParsedEmail) -> str:
    """A delivery report for one of our replies marks that reply failed; returns a note."""
    original = parsed.bounce_original_id
    message = (
        Message.objects.by_external_id(inbox.pk, original)
        .filter(direction=Direction.OUTBOUND)
        .select_related("conversation")
        .first()
        if original
        else None
    )
    if message is None:
        return _("Delivery report for a message we did not send.")
    if parsed.bounce_action.lower() not in {"", "failed"}:
        return _("Delivery report (%(action)s) for message %(id)s; not a failure.") % {
            "action": parsed.bounce_action,
            "id": message.pk,
        }
    reason = " ".join(
        part for part in (parsed.bounce_status, ", ".join(parsed.bounce_recipients)) if part
    ) or _("The recipient's mail server returned the message.")
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(
            delivery_status=DeliveryStatus.FAILED, delivery_error=reason[:2000]
        )
        events.record(
            "message.delivery",
            conversation=message.conversation,
            data={
                "message_id": message.pk,
                "status": DeliveryStatus.FAILED,
                "error": reason[:500],
                "bounce": True,
            },
        )
    return _("Bounce recorded on message %(id)s: %(reason)s") % {"id": message.pk, "reason": reason}
