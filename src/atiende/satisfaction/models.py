"""Satisfaction surveys: one per solve of a conversation, and the per-inbox switch."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Rating(models.TextChoices):
    """Two answers, as Zendesk asks: one click in a mail, and "% good" is the score."""

    GOOD = "good", _("Good")
    BAD = "bad", _("Bad")


class SurveySettings(models.Model):
    """Whether an inbox's customers get the survey (an inbox without a row does)."""

    inbox = models.OneToOneField(
        "inboxes.Inbox",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="survey_settings",
        verbose_name=_("inbox"),
    )
    enabled = models.BooleanField(
        _("send satisfaction surveys"),
        default=True,
        help_text=_(
            "Ask the customer to rate the help they got each time a conversation is solved."
        ),
    )

    class Meta:
        ordering = ["inbox__name"]
        verbose_name = _("satisfaction survey setting")
        verbose_name_plural = _("satisfaction survey settings")

    def __str__(self) -> str:
        return str(self.inbox)


class Survey(models.Model):
    """The question sent after one solve, and the customer's answer once they give it."""

    conversation = models.ForeignKey(
        "conversations.Conversation",
        on_delete=models.CASCADE,
        related_name="surveys",
        verbose_name=_("conversation"),
    )
    # The `conversation.status_changed` event of the solve: one survey per solve, even when
    # the task that sends it runs twice.
    solve_event = models.OneToOneField(
        "core.Event",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("solve"),
    )
    # Who and which team solved it, as they were at the solve: the reports credit them.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("agent"),
    )
    team = models.ForeignKey(
        "people.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("team"),
    )
    message = models.ForeignKey(
        "conversations.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("message"),
    )
    language = models.CharField(_("language"), max_length=10)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    rating = models.CharField(_("rating"), max_length=8, choices=Rating.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["conversation", "-id"], name="survey_conversation_latest"),
            models.Index(fields=["sent_at"], name="survey_sent"),
        ]
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")

    def __str__(self) -> str:
        return f"#{self.conversation_id} {self.rating or '—'}"

    @property
    def answered(self) -> bool:
        return bool(self.rating)
