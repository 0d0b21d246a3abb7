"""Business hours, holidays, agents' presence and capacity, and the live-chat routing state.

Every table here belongs to the workflow app and points at other apps' rows (an inbox, an agent,
a conversation) instead of adding columns to them.
"""

from __future__ import annotations

import zoneinfo
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

DEFAULT_CAPACITY = 3
DEFAULT_REROUTE_SECONDS = 120


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(_("Unknown time zone.")) from error


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class InboxSchedule(models.Model):
    """An inbox's opening hours, time zone and routing settings (one row per inbox, optional).

    An inbox without a schedule, or with `use_hours` off, is open around the clock.
    """

    inbox = models.OneToOneField(
        "inboxes.Inbox", on_delete=models.CASCADE, related_name="schedule", verbose_name=_("inbox")
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    use_hours = models.BooleanField(
        _("use business hours"),
        default=True,
        help_text=_("When off, the inbox is open at any time."),
    )
    reroute_after_seconds = models.PositiveIntegerField(
        _("re-route unanswered chats after (seconds)"),
        default=DEFAULT_REROUTE_SECONDS,
        help_text=_("0 turns re-routing off."),
    )

    class Meta:
        verbose_name = _("business hours")
        verbose_name_plural = _("business hours")

    def __str__(self) -> str:
        return str(self.inbox)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class OpeningInterval(models.Model):
    """Open from `opens` to `closes` on a weekday, in the schedule's time zone.

    `closes` at 00:00 means midnight at the end of the day.
    """

    schedule = models.ForeignKey(InboxSchedule, on_delete=models.CASCADE, related_name="intervals")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    def clean(self) -> None:
        if self.closes != time(0) and self.closes <= self.opens:
            raise ValidationError(_("An interval must close after it opens."))


class Holiday(models.Model):
    """The inbox is closed all day from `starts_on` to `ends_on` (inclusive), local dates."""

    schedule = models.ForeignKey(InboxSchedule, on_delete=models.CASCADE, related_name="holidays")
    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))

    class Meta:
        ordering = ["starts_on"]
        verbose_name = _("holiday or closure")
        verbose_name_plural = _("holidays and closures")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError(_("A closure must end on or after the day it starts."))


class PresenceStatus(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")


class AgentProfile(models.Model):
    """An agent's chosen status, chat capacity, extra languages and routing bookkeeping."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="agent_profile",
        verbose_name=_("agent"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=PresenceStatus.choices, default=PresenceStatus.OFFLINE
    )
    # Set when the server (not the agent) moved them to away: they come back online on reconnect.
    auto_away = models.BooleanField(default=False)
    capacity = models.PositiveSmallIntegerField(
        _("maximum concurrent chats"), default=DEFAULT_CAPACITY
    )
    languages = models.JSONField(
        _("other languages"),
        default=list,
        blank=True,
        help_text=_("Language codes this agent also answers in, besides their own language."),
    )
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    last_assigned_at = models.DateTimeField(_("last chat assigned"), null=True, blank=True)
    status_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("agent availability")
        verbose_name_plural = _("agent availability")

    def __str__(self) -> str:
        return str(self.user)

    def speaks(self, language: str) -> bool:
        if not language:
            return True
        wanted = language.split("-")[0].lower()
        spoken = {str(self.user.language).split("-")[0].lower()}
        spoken |= {str(code).split("-")[0].lower() for code in self.languages}
        return wanted in spoken


class AgentConnection(models.Model):
    """One open agent websocket, kept in the database so every server process sees it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_connections"
    )
    channel_name = models.CharField(max_length=200, unique=True)
    connected_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("agent connection")
        verbose_name_plural = _("agent connections")

    def __str__(self) -> str:
        return f"{self.user_id}:{self.channel_name}"


class RouteState(models.TextChoices):
    BOT = "bot", _("With the answer bot")
    QUEUED = "queued", _("Waiting in the queue")
    ASSIGNED = "assigned", _("Assigned")
    ANSWERED = "answered", pgettext_lazy("chat route", "Answered")
    DONE = "done", pgettext_lazy("chat route", "Done")


class ChatRoute(models.Model):
    """Where a live chat stands in routing: with the bot, queued, assigned or answered."""

    conversation = models.OneToOneField(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="chat_route"
    )
    inbox = models.ForeignKey("inboxes.Inbox", on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(
        "people.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    language = models.CharField(max_length=10, blank=True)
    state = models.CharField(max_length=16, choices=RouteState.choices)
    queued_at = models.DateTimeField(default=timezone.now, db_index=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every assignment: a re-route timer only acts on the assignment it was set for.
    attempt = models.PositiveIntegerField(default=0)
    # Agents who let this chat time out: tried last when it is routed again.
    skipped_agent_ids = models.JSONField(default=list, blank=True)
    last_position = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["state", "team", "queued_at"])]
        verbose_name = _("chat route")
        verbose_name_plural = _("chat routes")

    def __str__(self) -> str:
        return f"{self.conversation_id}:{self.state}"


class ChatRead(models.Model):
    """How far agents have read a chat: the unread count and the visitor's read receipts."""

    conversation = models.OneToOneField(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="chat_read"
    )
    seq = models.PositiveIntegerField(default=0)
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("chat read marker")
        verbose_name_plural = _("chat read markers")

    def __str__(self) -> str:
        return f"{self.conversation_id}@{self.seq}"
