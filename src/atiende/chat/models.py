"""The chat channel's own tables: a widget per chat inbox, visitors, their sessions, and the
per-conversation chat state (read position, page, what was already emailed).

Tokens handed to browsers (visitor and session tokens) are stored only as SHA-256 hashes: a
copy of the database does not let anyone speak as a visitor.
"""

from __future__ import annotations

import hashlib
import secrets

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

COLOR = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("A colour like #1f6feb."))


def new_widget_key() -> str:
    # 144 bits from `secrets`: public (it is in the host page), but not guessable.
    return secrets.token_urlsafe(18)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class FieldMode(models.TextChoices):
    OFF = "off", _("Not asked")
    OPTIONAL = "optional", _("Optional")
    REQUIRED = "required", _("Required")


class ChatWidget(models.Model):
    """How a chat inbox looks and behaves on the host site."""

    inbox = models.OneToOneField(
        "inboxes.Inbox",
        on_delete=models.CASCADE,
        related_name="chat_widget",
        verbose_name=_("inbox"),
    )
    key = models.CharField(_("widget key"), max_length=64, unique=True, default=new_widget_key)
    title = models.CharField(
        _("title"), max_length=100, blank=True, help_text=_("Empty: the inbox's name.")
    )
    greeting = models.TextField(
        _("greeting"),
        blank=True,
        help_text=_("Empty: a standard greeting in the visitor's language."),
    )
    color = models.CharField(_("colour"), max_length=7, default="#1f6feb", validators=[COLOR])
    text_color = models.CharField(
        _("text colour on the colour"), max_length=7, default="#ffffff", validators=[COLOR]
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        help_text=_("Empty: the visitor's browser language (English or Spanish)."),
    )
    ask_name = models.CharField(
        _("pre-chat form: name"), max_length=10, choices=FieldMode.choices, default=FieldMode.OFF
    )
    ask_email = models.CharField(
        _("pre-chat form: email"),
        max_length=10,
        choices=FieldMode.choices,
        default=FieldMode.OPTIONAL,
    )
    allowed_origins = models.TextField(
        _("allowed origins"),
        blank=True,
        help_text=_(
            "Sites that may embed the widget, one per line (https://www.example.com). "
            "Empty: any site."
        ),
    )
    require_verified_identity = models.BooleanField(
        _("require identity verification"),
        default=False,
        help_text=_(
            "Only visitors whose user id is signed by your back end (HMAC-SHA256 with the "
            "inbox's signing secret) may chat."
        ),
    )
    suggest_articles = models.BooleanField(
        _("suggest help articles"),
        default=True,
        help_text=_("While the visitor types the first message, show matching articles."),
    )

    class Meta:
        verbose_name = _("chat widget")
        verbose_name_plural = _("chat widgets")

    def __str__(self) -> str:
        return self.title or str(self.inbox)

    def origins(self) -> list[str]:
        return [
            line.strip().rstrip("/") for line in self.allowed_origins.splitlines() if line.strip()
        ]

    def allows_origin(self, origin: str) -> bool:
        allowed = self.origins()
        return not allowed or origin.rstrip("/") in allowed


class Visitor(models.Model):
    """A browser or app install that chats through a widget; becomes a contact when it writes."""

    widget = models.ForeignKey(ChatWidget, on_delete=models.CASCADE, related_name="visitors")
    token_hash = models.CharField(max_length=64, unique=True)
    # The chat identity's value (a random id) for anonymous visitors.
    visitor_id = models.CharField(max_length=64, unique=True)
    # Set when the business's back end signed the user id (identity verification).
    user_id = models.CharField(max_length=255, blank=True)
    contact = models.ForeignKey(
        "people.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    language = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("chat visitor")
        verbose_name_plural = _("chat visitors")

    def __str__(self) -> str:
        return self.name or self.email or self.visitor_id[:8]

    @property
    def verified(self) -> bool:
        return bool(self.user_id)


class ChatSession(models.Model):
    """A short-lived credential for the websocket and the REST calls of one visitor."""

    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="sessions")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("chat session")
        verbose_name_plural = _("chat sessions")

    def __str__(self) -> str:
        return f"{self.visitor} ({self.created_at:%Y-%m-%d %H:%M})"


class ChatState(models.Model):
    """What the chat channel knows about one conversation beyond the core's fields."""

    conversation = models.OneToOneField(
        "conversations.Conversation",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="chat_state",
    )
    # The visitor has seen every public message up to this sequence number.
    visitor_read_seq = models.PositiveIntegerField(default=0)
    # Replies up to this sequence number were already emailed to a visitor who had gone.
    emailed_seq = models.PositiveIntegerField(default=0)
    page_url = models.CharField(max_length=1000, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("chat state")
        verbose_name_plural = _("chat states")

    def __str__(self) -> str:
        return f"chat #{self.conversation_id}"
