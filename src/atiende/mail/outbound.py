"""The email adapter: one reply -> one RFC 5322 message handed to the inbox's SMTP server.

Headers are built with `email.headerregistry` (CR/LF in a name or subject cannot add a header);
the Message-ID carries the signed reply token and is derived from the reply's idempotency key,
so a retried delivery reuses it. SMTP 4xx and connection errors retry; 5xx fail the reply.
"""

from __future__ import annotations

import mimetypes
import re
import smtplib
import ssl
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from atiende.inboxes.contract import (
    Capabilities,
    DeliveryError,
    DeliveryResult,
    OutboundMessage,
    PermanentDeliveryError,
)
from atiende.inboxes.models import Inbox
from atiende.mail import config, tokens

# Message-IDs in In-Reply-To / References must never be folded into RFC 2047 encoded words
# (readers match them byte for byte), which Python's default 78-column folding does to any
# token longer than a line; 998 is RFC 5322's hard line limit.
POLICY = policy.default.clone(max_line_length=998)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv|rv|enc|tr)\s*:", re.IGNORECASE)


def one_line(value: str) -> str:
    """Control characters (CR, LF, NUL...) become one space: a value stays on its header line."""
    return _CONTROL.sub(" ", value).strip()


def mailbox(name: str, address: str) -> Address:
    local, at, domain = address.strip().rpartition("@")
    if not at or not local or not domain or _CONTROL.search(address):
        raise PermanentDeliveryError(_("Invalid email address: %s") % one_line(address)[:200])
    return Address(display_name=one_line(name)[:200], username=local, domain=domain)


def reply_subject(message: OutboundMessage) -> str:
    subject = one_line(message.subject)
    if not subject:
        return _("Your request #%(number)s") % {"number": message.conversation_id}
    if message.thread_external_ids and not _REPLY_PREFIX.match(subject):
        return _("Re: %(subject)s") % {"subject": subject}
    return subject


def build(inbox: Inbox, message: OutboundMessage, *, automatic: bool) -> EmailMessage:
    own = config.address(inbox)
    if not own:
        raise PermanentDeliveryError(_("This email inbox has no address configured."))
    recipient = message.recipient_email or (
        message.identity_value if message.identity_kind == "email" else ""
    )
    if not recipient:
        raise PermanentDeliveryError(_("The customer has no email address."))
    email = EmailMessage(policy=POLICY)
    email["From"] = mailbox(config.display_name(inbox), own)
    email["To"] = mailbox(message.recipient_name, recipient)
    if config.plus_addressing(inbox):
        email["Reply-To"] = mailbox(
            config.display_name(inbox), tokens.reply_address(inbox, message.conversation_id)
        )
    with translation.override(message.language or inbox.language or "en"):
        email["Subject"] = reply_subject(message)
    email["Date"] = format_datetime(timezone.now())
    email["Message-ID"] = (
        f"<{tokens.message_id(inbox, message.conversation_id, message.idempotency_key)}>"
    )
    thread = [f"<{one_line(item)}>" for item in message.thread_external_ids if one_line(item)]
    if thread:
        email["In-Reply-To"] = thread[-1]
        email["References"] = " ".join(thread[-20:])
    if automatic:
        email["Auto-Submitted"] = "auto-replied"
        email["X-Auto-Response-Suppress"] = "All"
    if message.language:
        email["Content-Language"] = one_line(message.language)
    email.set_content(message.text or "")
    if message.html:
        email.add_alternative(message.html, subtype="html")
    for attachment in message.attachments:
        content_type = attachment.content_type or (
            mimetypes.guess_type(attachment.filename)[0] or "application/octet-stream"
        )
        maintype, _slash, subtype = content_type.partition("/")
        email.add_attachment(
            Path(attachment.path).read_bytes(),
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=one_line(attachment.filename) or "attachment",
        )
    return email


def connect(settings: config.SmtpConfig) -> smtplib.SMTP:
    """An authenticated SMTP session with the configured transport security."""
    context = ssl.create_default_context()
    session: smtplib.SMTP
    if settings.security == "ssl":
        session = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=context
        )
    else:
        session = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    try:
        session.ehlo()
        if settings.security == "starttls":
            session.starttls(context=context)
            session.ehlo()
        if settings.username:
            session.login(settings.username, settings.password)
    except BaseException:
        session.close()
        raise
    return session


def _error_text(code: int, response: bytes | str) -> str:
    text = response.decode(errors="replace") if isinstance(response, bytes) else response
    return f"{code} {one_line(text)}"[:500]


class EmailAdapter:
    kind = "email"
    capabilities = Capabilities(attachments=True, html=True, max_length=None, typing=False)

    def verify_signature(self, inbox: Inbox, headers: dict[str, str], body: bytes) -> bool:
        # Mail arrives through IMAP, our SMTP server or the token-authenticated upload endpoint.
        return True

    def send(self, inbox: Inbox, message: OutboundMessage) -> DeliveryResult:
        settings = config.smtp(inbox)
        if settings is None:
            raise PermanentDeliveryError(_("This email inbox has no SMTP server configured."))
        email = build(inbox, message, automatic=message.automatic)
        message_id = str(email["Message-ID"]).strip("<>")
        try:
            session = connect(settings)
            try:
                refused = session.send_message(email, from_addr=config.address(inbox))
            finally:
                _quit(session)
        except smtplib.SMTPRecipientsRefused as exc:
            code, response = next(iter(exc.recipients.values()))
            raise self._classify(code, response) from exc
        except smtplib.SMTPResponseException as exc:
            raise self._classify(exc.smtp_code, exc.smtp_error) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(_("Could not reach the SMTP server: %s") % exc) from exc
        if refused:
            code, response = next(iter(refused.values()))
            raise self._classify(code, response)
        return DeliveryResult(external_id=message_id, status="sent")

    @staticmethod
    def _classify(code: int, response: bytes | str) -> DeliveryError:
        reason = _error_text(code, response)
        if 500 <= code < 600:
            return PermanentDeliveryError(_("The mail server refused the message: %s") % reason)
        return DeliveryError(_("The mail server deferred the message: %s") % reason)


def _quit(session: smtplib.SMTP) -> None:
    try:
        session.quit()
    except (OSError, smtplib.SMTPException):
        session.close()
