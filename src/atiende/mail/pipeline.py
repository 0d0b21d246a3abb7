"""Raw-first ingestion and processing of incoming mail.

`ingest()` is all a source (IMAP, our SMTP server, the upload endpoint) calls: one short
transaction stores the bytes and a `RawEmail` row under a unique (inbox, source_key) and queues
`mail_process`; the source acknowledges only after it returned (SECURITY.md I1). The task then
parses, applies the block list, records bounces, threads, and hands the message to
`receive_message`. Anything unexpected retries; the third failure quarantines the raw email
(I3): the queue moves on and an admin can retry it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.conversations import attachments as attachment_store
from atiende.conversations.actions import receive_message
from atiende.conversations.models import DeliveryStatus, Direction, Message
from atiende.core import events, masking, tasks
from atiende.core.errors import ActionError
from atiende.core.models import Event
from atiende.inboxes.contract import InboundAttachment, InboundMessage
from atiende.inboxes.models import Inbox
from atiende.mail import config, loops, threads
from atiende.mail.models import RawEmail, RawStatus
from atiende.mail.types import ParsedEmail

logger = logging.getLogger(__name__)

TASK = "mail_process"


def ingest(inbox: Inbox, raw: bytes, *, source: str, source_key: str) -> RawEmail:
    """Store `raw` durably and queue its processing; a redelivery returns the first row."""
    existing = RawEmail.objects.filter(inbox=inbox, source_key=source_key[:255]).first()
    if existing is not None:
        return existing
    digest = hashlib.sha256(raw).hexdigest()
    name = _write(raw)
    too_large = len(raw) > config.max_message_bytes()
    try:
        with transaction.atomic():
            raw_email = RawEmail.objects.create(
                inbox=inbox,
                source=source[:16],
                source_key=source_key[:255],
                sha256=digest,
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
            if not too_large:
                tasks.enqueue(TASK, {"raw_id": raw_email.pk}, key=f"mail:{raw_email.pk}")
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


def _write(raw: bytes) -> str:
    """Write the bytes under a random name and fsync them; returns the storage name."""
    now = timezone.now()
    name = f"mail/raw/{now:%Y}/{now:%m}/{secrets.token_hex(16)}.eml"
    path = Path(settings.MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        view = memoryview(raw)
        while view:
            view = view[os.write(descriptor, view) :]
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    return name


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
    raw_email = RawEmail.objects.select_related("inbox").filter(pk=payload["raw_id"]).first()
    if raw_email is None or raw_email.status != RawStatus.RECEIVED:
        return
    RawEmail.objects.filter(pk=raw_email.pk).update(attempts=F("attempts") + 1)
    raw_email.refresh_from_db(fields=["attempts"])
    try:
        process(raw_email)
    except Quarantine as exc:
        _finish(raw_email, RawStatus.QUARANTINED, error=str(exc))
    except Exception as exc:
        if raw_email.attempts < config.max_attempts():
            raise
        logger.exception(
            "raw email %s quarantined after %d attempts", raw_email.pk, raw_email.attempts
        )
        _finish(raw_email, RawStatus.QUARANTINED, error=f"{type(exc).__name__}: {exc}")


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


def _finish(
    raw_email: RawEmail, status: str, *, error: str = "", message: Message | None = None
) -> None:
    fields: dict[str, Any] = {
        "status": status,
        "error": error[:5000],
        "processed_at": timezone.now(),
    }
    if message is not None:
        fields["message"] = message
    RawEmail.objects.filter(pk=raw_email.pk).update(**fields)
    raw_email.refresh_from_db()


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


def parse(raw_email: RawEmail) -> ParsedEmail:
    from atiende.mail.parse import MalformedEmail, parse_email

    try:
        return parse_email(read_raw(raw_email))
    except MalformedEmail as exc:
        raise Quarantine(_("Unreadable email: %s") % exc) from exc


def process(raw_email: RawEmail) -> None:
    """Turn one stored raw email into a message (or a bounce, a block, a duplicate)."""
    inbox = raw_email.inbox
    parsed = parse(raw_email)
    if parsed.message_id:
        RawEmail.objects.filter(pk=raw_email.pk).update(message_id_header=parsed.message_id[:255])
    sender = parsed.from_address.strip().lower()
    if not sender or "@" not in sender:
        raise Quarantine(_("The email has no sender address."))
    if loops.is_blocked(inbox, sender):
        _finish(raw_email, RawStatus.BLOCKED, error=_("Sender on the block list."))
        return
    if parsed.is_report:
        _finish(raw_email, RawStatus.IGNORED, error=record_bounce(inbox, parsed))
        return
    if sender == config.address(inbox):
        _finish(raw_email, RawStatus.IGNORED, error=_("Sent from this inbox's own address."))
        return
    external_id = parsed.message_id or f"sha256:{raw_email.sha256}"
    if Message.objects.filter(inbox=inbox, external_id=external_id[:255]).exists():
        _finish(raw_email, RawStatus.DUPLICATE, error=_("This Message-ID arrived before."))
        return
    with transaction.atomic():
        thread = threads.find_conversation(inbox, parsed)
        attachments, refused = _attachments(parsed)
        text = parsed.text
        if refused:
            text = "\n\n".join([text, *refused]).strip()
        if not (text.strip() or parsed.html.strip() or attachments):
            text = parsed.subject or _("(empty message)")
        try:
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
                    conversation_id=thread.pk if thread else None,
                    new_conversation=thread is None,
                    reopen_closed=config.closed_reply(inbox) == "reopen",
                    metadata={"full_text": parsed.full_text, "raw_email_id": raw_email.pk},
                )
            )
        except ActionError as exc:
            raise Quarantine(exc.detail) from exc
        if not result.created:
            _finish(raw_email, RawStatus.DUPLICATE, error=_("This Message-ID arrived before."))
            return
        _finish(raw_email, RawStatus.PROCESSED, message=result.message)
        if Event.objects.filter(
            kind="message.secret_masked", data__message_id=result.message.pk
        ).exists():
            redact_raw(raw_email)
        if (
            result.new_conversation
            and config.auto_acknowledge(inbox)
            and loops.may_autoreply(inbox, parsed)
        ):
            loops.acknowledge(result.conversation, sender)


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
        Message.objects.select_related("conversation")
        .filter(inbox=inbox, external_id=original, direction=Direction.OUTBOUND)
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
