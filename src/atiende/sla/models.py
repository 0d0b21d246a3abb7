"""SLA policies, their targets per priority, and each conversation's SLA state.

A policy applies to the conversations of some inboxes (none chosen: every inbox) with some
priorities (none chosen: every priority); the first active policy by position wins. Its targets
say, per priority, how long the first reply, each next reply and the resolution may take, in
calendar time or in the inbox's business hours. The state of a conversation (one row, its own
table: no column is added to conversations) is recomputed from the event log after each change.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from atiende.conversations.models import Priority


class Metric(models.TextChoices):
    FIRST_REPLY = "first_reply", _("First reply")
    NEXT_REPLY = "next_reply", _("Next reply")
    RESOLUTION = "resolution", _("Resolution")


class Outcome(models.TextChoices):
    NONE = "", _("Not decided yet")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")


class Policy(models.Model):
    """Which conversations get which targets, and what happens on a breach."""

    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(
        _("position"), default=0, help_text=_("Policies are tried in this order; the first wins.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    inboxes = models.ManyToManyField(
        "inboxes.Inbox",
        blank=True,
        related_name="+",
        verbose_name=_("inboxes"),
        help_text=_("None chosen: every inbox."),
    )
    priorities = models.JSONField(
        _("priorities"), default=list, blank=True, help_text=_("None chosen: every priority.")
    )
    business_hours = models.BooleanField(
        _("count business hours only"),
        default=False,
        help_text=_(
            "Count only the inbox's opening hours, without its holidays. An inbox without "
            "business hours counts every hour."
        ),
    )
    escalate_to_team = models.ForeignKey(
        "people.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("on a breach, transfer to team"),
    )
    notify_assignee = models.BooleanField(_("on a breach, notify the assignee"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name

    def matches(self, inbox_id: int, priority: str, inbox_ids: set[int]) -> bool:
        """Whether this policy applies (`inbox_ids`: its inboxes, read by the caller)."""
        if inbox_ids and inbox_id not in inbox_ids:
            return False
        return not self.priorities or priority in self.priorities


class Target(models.Model):
    """A policy's targets for one priority, in minutes (empty: no target for that metric)."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(_("priority"), max_length=16, choices=Priority.choices)
    first_reply_minutes = models.PositiveIntegerField(
        _("first reply (minutes)"), null=True, blank=True
    )
    next_reply_minutes = models.PositiveIntegerField(
        _("next reply (minutes)"), null=True, blank=True
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution (minutes)"), null=True, blank=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["policy", "priority"], name="sla_target_unique")
        ]
        verbose_name = _("target")
        verbose_name_plural = _("targets")

    def __str__(self) -> str:
        return f"{self.policy}: {self.get_priority_display()}"

    def seconds(self) -> dict[str, int]:
        """The targets set, in seconds, by metric."""
        minutes = {
            Metric.FIRST_REPLY: self.first_reply_minutes,
            Metric.NEXT_REPLY: self.next_reply_minutes,
            Metric.RESOLUTION: self.resolution_minutes,
        }
        return {str(metric): value * 60 for metric, value in minutes.items() if value}


class ConversationSLA(models.Model):
    """Where a conversation's SLA clocks stand, as last computed from its events.

    `next_due_at`: the earliest due time of a clock that runs (past: breached), what the inbox
    list's badge and filters read. `alert_at`: the earliest due time whose breach is not recorded
    yet, what the breach task looks for.
    """

    conversation = models.OneToOneField(
        "conversations.Conversation",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="sla",
    )
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="+")
    priority = models.CharField(max_length=16, choices=Priority.choices)
    next_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    alert_at = models.DateTimeField(null=True, blank=True, db_index=True)
    first_reply = models.CharField(
        _("first reply"), max_length=16, choices=Outcome.choices, blank=True
    )
    resolution = models.CharField(
        _("resolution"), max_length=16, choices=Outcome.choices, blank=True
    )
    next_reply_breaches = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("conversation SLA")
        verbose_name_plural = _("conversation SLAs")

    def __str__(self) -> str:
        return f"{self.conversation_id}: {self.policy_id}"
