"""The answer bot's and triage's own tables, beside (never inside) the conversation core.

- `BotState`: per conversation, whether the bot still speaks there or handed it to people.
- `BotTurn`: one decision of the bot on one customer message (answered, handed off), the
  source of the bot page's counts and of the content gaps.
- `ReplyToken`: single-use links in email / Help form answers ("that solved it", "I need a
  person"); only a hash of the token is stored.
- `BotPolicy`: the calibrated answer threshold, recalibrated from the help center.
- `Category` and `Triage`: what triage decided for a conversation and what agents corrected.
- `Macro` and `MacroText`: canned replies per language, offered by agent assist.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BotStatus(models.TextChoices):
    ACTIVE = "active", _("Bot answering")
    HANDED_OFF = "handed_off", _("Handed off to people")
    RESOLVED = "resolved", _("Resolved by the bot")


class BotState(models.Model):
    conversation = models.OneToOneField(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="bot_state"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=BotStatus.choices, default=BotStatus.ACTIVE
    )
    reason = models.CharField(_("reason"), max_length=64, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("bot state")
        verbose_name_plural = _("bot states")

    def __str__(self) -> str:
        return f"{self.conversation_id}: {self.status}"


class Outcome(models.TextChoices):
    ANSWERED = "answered", _("Answered")
    HANDED_OFF = "handed_off", _("Handed off")


class BotTurn(models.Model):
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="bot_turns"
    )
    # The customer's message the bot decided on (unique: a repeated task decides once).
    message = models.OneToOneField(
        "conversations.Message", on_delete=models.CASCADE, related_name="bot_turn"
    )
    reply = models.ForeignKey(
        "conversations.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    reason = models.CharField(_("reason"), max_length=64, blank=True)
    question = models.TextField(_("question"))
    language = models.CharField(_("language"), max_length=10, blank=True)
    article_id = models.IntegerField(null=True, blank=True)
    article_language = models.CharField(max_length=10, blank=True)
    confidence = models.FloatField(default=0.0)
    generated = models.BooleanField(_("generated"), default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("bot turn")
        verbose_name_plural = _("bot turns")

    def __str__(self) -> str:
        return f"{self.outcome} #{self.conversation_id}"


class ReplyChoice(models.TextChoices):
    SOLVED = "solved", _("That solved it")
    PERSON = "person", _("I need a person")


class ReplyToken(models.Model):
    """A link in a bot answer sent by email: single use, stored as a SHA-256 hash."""

    token_hash = models.CharField(max_length=64, unique=True)
    turn = models.ForeignKey(BotTurn, on_delete=models.CASCADE, related_name="tokens")
    choice = models.CharField(max_length=16, choices=ReplyChoice.choices)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reply link")
        verbose_name_plural = _("reply links")

    def __str__(self) -> str:
        return f"{self.choice} ({self.turn_id})"


class BotPolicy(models.Model):
    """One calibration of the answer policy; the newest row is the live one."""

    policy = models.JSONField(default=dict)
    # The precision-coverage points measured on the held-out example questions.
    curve = models.JSONField(default=dict, blank=True)
    heldout = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("answer policy")
        verbose_name_plural = _("answer policies")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M}"


class Category(models.Model):
    """What a conversation is about; triage predicts one, agents correct it."""

    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    team = models.ForeignKey(
        "people.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("team"),
    )
    # The bot never answers a conversation of a sensitive category.
    sensitive = models.BooleanField(_("sensitive"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class Triage(models.Model):
    conversation = models.OneToOneField(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="triage"
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    language_confidence = models.FloatField(default=0.0)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    category_confidence = models.FloatField(default=0.0)
    suggested_team = models.ForeignKey(
        "people.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sentiment = models.FloatField(default=0.0)
    urgency = models.FloatField(default=0.0)
    spam = models.FloatField(default=0.0)
    angry = models.BooleanField(default=False)
    # Why, in words agents read: a list of (code, detail) pairs rendered translated.
    reasons = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The category an agent set or confirmed: the training label.
    label = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="labelled"
    )
    labelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    labelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("triage")
        verbose_name_plural = _("triage")

    def __str__(self) -> str:
        return f"triage #{self.conversation_id}"


class Macro(models.Model):
    title = models.CharField(_("title"), max_length=120)
    team = models.ForeignKey(
        "people.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("team"),
        help_text=_("Offered to this team only; empty for everyone."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]
        verbose_name = _("macro")
        verbose_name_plural = _("macros")

    def __str__(self) -> str:
        return self.title


class MacroText(models.Model):
    macro = models.ForeignKey(Macro, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=10)
    body = models.TextField(_("text"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["macro", "language"], name="macro_text_language")
        ]
        verbose_name = _("macro text")
        verbose_name_plural = _("macro texts")

    def __str__(self) -> str:
        return f"{self.macro_id} ({self.language})"
