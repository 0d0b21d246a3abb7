"""What the email channel keeps: every raw message first, IMAP progress, blocks, auto-replies."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from atiende.inboxes.models import Inbox


class RawStatus(models.TextChoices):
    RECEIVED = "received", _("Received")  # durable, not processed yet
    PROCESSED = "processed", _("Processed")  # a message in a conversation
    DUPLICATE = "duplicate", _("Duplicate")  # the same message arrived before
    BLOCKED = "blocked", _("Blocked")  # sender or domain on the inbox's block list
    IGNORED = "ignored", _("Ignored")  # e.g. a bounce recorded on the original reply
    QUARANTINED = "quarantined", _("Quarantined")  # could not be parsed or processed


class RawEmail(models.Model):
    """The bytes as they arrived, stored before anything else (SECURITY.md I1).

    `source_key` identifies the delivery at its source: `imap:<folder>:<uidvalidity>:<uid>`,
    `smtp:<sha256>`, `upload:<sha256>`; unique per inbox, so a redelivery stores nothing new.
    """

    inbox = models.ForeignKey(
        "inboxes.Inbox",
        on_delete=models.PROTECT,
        related_name="raw_emails",
        verbose_name=_("inbox"),
    )
    source = models.CharField(_("source"), max_length=16)  # imap, smtp, upload
    source_key = models.CharField(_("source key"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    raw = models.FileField(_("raw message"), upload_to="mail/raw/%Y/%m/", max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    status = models.CharField(
        _("status"), max_length=16, choices=RawStatus.choices, default=RawStatus.RECEIVED
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    message_id_header = models.CharField(_("Message-ID"), max_length=255, blank=True, db_index=True)
    message = models.ForeignKey(
        "conversations.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("message"),
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["inbox", "source_key"], name="raw_email_source_unique")
        ]
        indexes = [models.Index(fields=["status", "received_at"])]
        verbose_name = _("raw email")
        verbose_name_plural = _("raw emails")

    def __str__(self) -> str:
        return f"{self.source_key} [{self.status}]"


class ImapFolderState(models.Model):
    """How far an IMAP folder was committed: resume from (UIDVALIDITY, last UID) after downtime."""

    inbox = models.ForeignKey(
        "inboxes.Inbox", on_delete=models.CASCADE, related_name="+", verbose_name=_("inbox")
    )
    folder = models.CharField(_("folder"), max_length=255)
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"), default=0)
    last_uid = models.BigIntegerField(_("last committed UID"), default=0)
    last_sync_at = models.DateTimeField(_("last sync"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["inbox", "folder"], name="imap_folder_unique")
        ]
        verbose_name = _("IMAP folder state")
        verbose_name_plural = _("IMAP folder states")

    def __str__(self) -> str:
        return f"{self.folder} {self.uidvalidity}:{self.last_uid}"


class BlockedSender(models.Model):
    """An address (`someone@example.com`) or a whole domain (`example.com`) an inbox refuses."""

    inbox = models.ForeignKey(
        "inboxes.Inbox",
        on_delete=models.CASCADE,
        related_name="blocked_senders",
        verbose_name=_("inbox"),
    )
    pattern = models.CharField(_("address or domain"), max_length=255)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["inbox", "pattern"], name="blocked_sender_unique")
        ]
        verbose_name = _("blocked sender")
        verbose_name_plural = _("blocked senders")

    def __str__(self) -> str:
        return self.pattern


class AutoReply(models.Model):
    """One automatic mail sent to an address: the per-sender circuit breaker counts these."""

    inbox = models.ForeignKey(
        "inboxes.Inbox", on_delete=models.CASCADE, related_name="+", verbose_name=_("inbox")
    )
    address = models.CharField(_("address"), max_length=255)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["inbox", "address", "sent_at"])]
        verbose_name = _("automatic reply")
        verbose_name_plural = _("automatic replies")

    def __str__(self) -> str:
        return f"{self.address} {self.sent_at:%Y-%m-%d %H:%M}"


class EmailInboxManager(models.Manager["EmailInbox"]):
    def get_queryset(self) -> models.QuerySet[EmailInbox]:
        return super().get_queryset().filter(channel="email")


class EmailInbox(Inbox):
    """The email inboxes, as their own admin page (block list, connection test)."""

    objects: ClassVar[EmailInboxManager] = EmailInboxManager()

    class Meta:
        proxy = True
        verbose_name = _("email inbox")
        verbose_name_plural = _("email inboxes")


class EmailReference(models.Model):
    """A Message-ID that a stored mail named (In-Reply-To, References) and that no message of the
    inbox had yet: a reply that arrived before its original. When the original arrives, it joins
    the reply's conversation (same contact only)."""

    inbox = models.ForeignKey(
        "inboxes.Inbox", on_delete=models.CASCADE, related_name="+", verbose_name=_("inbox")
    )
    referenced = models.CharField(_("referenced Message-ID"), max_length=255)
    message = models.ForeignKey(
        "conversations.Message",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("message"),
    )

    class Meta:
        indexes = [models.Index(fields=["inbox", "referenced"], name="mail_reference_lookup")]
        verbose_name = _("email reference")
        verbose_name_plural = _("email references")

    def __str__(self) -> str:
        return self.referenced
