"""Rules (a trigger, conditions that must all hold, actions in order), their actions, what
fired (one row per rule and triggering event: the idempotency record) and which conversations
a time-based rule currently holds for."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from atiende.conversations.models import Priority, Status
from atiende.inboxes.models import ChannelKind


class Trigger(models.TextChoices):
    CREATED = "created", _("Conversation created")
    MESSAGE = "message", _("Customer message received")
    UPDATED = "updated", _("Conversation updated (status, priority or assignee changed)")
    TIME = "time", _("Time-based (checked every hour)")


class TimeCondition(models.TextChoices):
    PENDING = "pending", _("Pending for at least N hours")
    UNASSIGNED = "unassigned", _("Unassigned (and not solved or closed) for at least N hours")
    SOLVED = "solved", _("Solved for at least N hours")


class ActionKind(models.TextChoices):
    SET_PRIORITY = "set_priority", _("Set priority")
    SET_STATUS = "set_status", _("Set status")
    ASSIGN_TEAM = "assign_team", _("Assign team")
    ASSIGN_AGENT = "assign_agent", _("Assign agent")
    ADD_TAG = "add_tag", _("Add tag")
    REMOVE_TAG = "remove_tag", _("Remove tag")
    ADD_NOTE = "add_note", _("Add internal note")
    SEND_REPLY = "send_reply", _("Send public reply")


class Rule(models.Model):
    """Conditions left empty do not restrict: a rule with none applies to every conversation
    its trigger sees."""

    name = models.CharField(_("name"), max_length=200)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(
        _("position"), default=0, help_text=_("Rules run in this order, lowest first.")
    )
    trigger = models.CharField(_("trigger"), max_length=16, choices=Trigger.choices)
    time_condition = models.CharField(
        _("time condition"),
        max_length=16,
        choices=TimeCondition.choices,
        blank=True,
        help_text=_("Time-based rules only."),
    )
    hours = models.PositiveIntegerField(
        _("hours"), null=True, blank=True, help_text=_("Time-based rules only.")
    )
    # Conditions: all that are set must hold.
    channel = models.CharField(_("channel"), max_length=16, choices=ChannelKind.choices, blank=True)
    inbox = models.ForeignKey(
        "inboxes.Inbox",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("inbox"),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, blank=True)
    priority = models.CharField(_("priority"), max_length=16, choices=Priority.choices, blank=True)
    language = models.CharField(
        _("language"), max_length=10, blank=True, help_text=_("A language code, e.g. es.")
    )
    category = models.ForeignKey(
        "assistant.Category",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("category"),
        help_text=_("The category triage gave the conversation."),
    )
    team = models.ForeignKey(
        "people.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("team"),
    )
    has_tag = models.CharField(_("has tag"), max_length=50, blank=True)
    lacks_tag = models.CharField(_("lacks tag"), max_length=50, blank=True)
    words = models.TextField(
        _("message contains any of"),
        blank=True,
        help_text=_(
            "Words or phrases, one per line or separated by commas; upper case and accents "
            "do not matter. Read in the customer's latest message."
        ),
    )
    email_domains = models.CharField(
        _("contact email domain"),
        max_length=500,
        blank=True,
        help_text=_("One or more domains separated by commas, e.g. example.com."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("automation rule")
        verbose_name_plural = _("automation rules")
        indexes = [models.Index(fields=["trigger", "active"], name="automation_rule_trigger")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.trigger == Trigger.TIME:
            if not self.time_condition or not self.hours:
                raise ValidationError(
                    _("A time-based rule needs a time condition and a number of hours.")
                )
        elif self.time_condition or self.hours:
            raise ValidationError(_("Only time-based rules take a time condition and hours."))


class Action(models.Model):
    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="actions")
    position = models.PositiveIntegerField(_("position"), default=0)
    kind = models.CharField(_("action"), max_length=16, choices=ActionKind.choices)
    value = models.CharField(
        _("value"),
        max_length=50,
        blank=True,
        help_text=_("The priority, status or tag."),
    )
    team = models.ForeignKey(
        "people.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("team"),
    )
    agent = models.ForeignKey(
        "people.User",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("agent"),
    )
    text = models.TextField(
        _("text"),
        blank=True,
        help_text=_("Note or reply; {contact_name} is replaced by the customer's name."),
    )

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")

    def __str__(self) -> str:
        return str(ActionKind(self.kind).label) if self.kind in ActionKind.values else self.kind

    def clean(self) -> None:
        kind = self.kind
        if kind == ActionKind.SET_PRIORITY and self.value not in Priority.values:
            raise ValidationError({"value": _("Choose one of: %s.") % ", ".join(Priority.values)})
        if kind == ActionKind.SET_STATUS and self.value not in Status.values:
            raise ValidationError({"value": _("Choose one of: %s.") % ", ".join(Status.values)})
        if kind in {ActionKind.ADD_TAG, ActionKind.REMOVE_TAG} and not self.value.strip():
            raise ValidationError({"value": _("Name the tag.")})
        if kind == ActionKind.ASSIGN_TEAM and self.team_id is None:
            raise ValidationError({"team": _("Choose the team.")})
        if kind == ActionKind.ASSIGN_AGENT and self.agent_id is None:
            raise ValidationError({"agent": _("Choose the agent.")})
        if kind in {ActionKind.ADD_NOTE, ActionKind.SEND_REPLY} and not self.text.strip():
            raise ValidationError({"text": _("Write the text.")})


class Firing(models.Model):
    """A rule applied to a conversation: `key` is unique, so a repeated task applies nothing
    (`event:<event id>` for event triggers, `time:<conversation>:<hold id>` for time ones)."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="firings")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "key"], name="automation_firing_once")
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}:{self.key}"


class Hold(models.Model):
    """A time-based rule's condition holds for this conversation and the rule has fired: it
    fires again only after the row is gone (the condition stopped holding at a check)."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="holds")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "conversation"], name="automation_hold_once")
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}:{self.conversation_id}"
