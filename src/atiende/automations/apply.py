"""Carrying out a rule: each action through the conversation actions, as the automation user.

The actions of `conversations/actions/` (priority, status, team, assignee, tags, notes) run with
the system user `atiende-automations` as the actor, so each change is audited and evented like
an agent's; the firing is recorded as `automation.applied` (the rule, what was done, what was
skipped and why) in the same transaction. A public reply is written the way the answer bot
writes one: no author, so the outbox marks it automatic (`Auto-Submitted` on mail), and on mail
only where the mail channel's loop protection allows an automatic answer (SECURITY.md I4).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from atiende.automations.models import Action, ActionKind, Firing, Rule
from atiende.conversations import actions
from atiende.conversations.actions import protect
from atiende.conversations.actions.common import lock, queue_message
from atiende.conversations.models import Conversation, Direction, Message, Status
from atiende.core import events
from atiende.core.errors import ActionError, Conflict
from atiende.inboxes.models import ChannelKind
from atiende.people.models import Role, User

logger = logging.getLogger(__name__)

AUTOMATION_USERNAME = "atiende-automations"


def automation_actor() -> User:
    """The system user rules act as (never signs in: no usable password)."""
    user, created = User.objects.get_or_create(
        username=AUTOMATION_USERNAME,
        defaults={"role": Role.ADMIN, "display_name": "Automations", "is_staff": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def is_automation_actor(user_id: int | None) -> bool:
    return user_id is not None and (
        User.objects.filter(pk=user_id, username=AUTOMATION_USERNAME).exists()
    )


def render(template: str, conversation: Conversation) -> str:
    """The reply's text: `{contact_name}` replaced (plain replacement, no format language)."""
    contact = conversation.contact
    return template.replace("{contact_name}", contact.name or contact.email).strip()


def apply(rule: Rule, conversation: Conversation, *, key: str, event_id: int | None) -> bool:
    """Apply `rule` once per `key`; returns False when it had already been applied."""
    actor = automation_actor()
    with transaction.atomic():
        conversation = lock(conversation)
        _firing, created = Firing.objects.get_or_create(
            rule=rule, key=key, defaults={"conversation": conversation}
        )
        if not created:
            return False
        done: list[dict[str, Any]] = []
        skipped: list[dict[str, Any]] = []
        for action in rule.actions.select_related("team", "agent"):
            summary = {"kind": action.kind, "value": _value(action)}
            try:
                with transaction.atomic():
                    _run(actor, rule, conversation, action)
            except ActionError as error:
                skipped.append({**summary, "error": error.detail})
            else:
                done.append(summary)
        events.record(
            "automation.applied",
            conversation=conversation,
            actor_user=actor,
            data={
                "rule_id": rule.pk,
                "rule": rule.name,
                "trigger": rule.trigger,
                "event_id": event_id,
                "actions": done,
                "skipped": skipped,
            },
        )
    return True


def _value(action: Action) -> str:
    if action.kind == ActionKind.ASSIGN_TEAM:
        return str(action.team) if action.team else ""
    if action.kind == ActionKind.ASSIGN_AGENT:
        return str(action.agent) if action.agent else ""
    if action.kind in {ActionKind.ADD_NOTE, ActionKind.SEND_REPLY}:
        return action.text[:80]
    return action.value


def _run(actor: User, rule: Rule, conversation: Conversation, action: Action) -> None:
    kind = action.kind
    if kind == ActionKind.SET_PRIORITY:
        actions.change_priority(actor, conversation, action.value)
    elif kind == ActionKind.SET_STATUS:
        actions.change_status(actor, conversation, action.value)
    elif kind == ActionKind.ASSIGN_TEAM:
        actions.change_team(actor, conversation, action.team)
    elif kind == ActionKind.ASSIGN_AGENT:
        if action.agent is None or not action.agent.is_active:
            raise ActionError(_("That agent is not active."))
        actions.assign(actor, conversation, action.agent)
    elif kind == ActionKind.ADD_TAG:
        actions.tag(actor, conversation, add=[action.value])
    elif kind == ActionKind.REMOVE_TAG:
        actions.tag(actor, conversation, remove=[action.value])
    elif kind == ActionKind.ADD_NOTE:
        actions.add_note(actor, conversation, text=render(action.text, conversation))
    elif kind == ActionKind.SEND_REPLY:
        _reply(rule, conversation, render(action.text, conversation))
    else:
        raise ActionError(_("Unknown action."))


def _reply(rule: Rule, conversation: Conversation, text: str) -> None:
    if not text:
        raise ActionError(_("Write something before sending."))
    protect.refuse_secret_requests(text)
    if conversation.status == Status.CLOSED:
        raise Conflict(_("This conversation is closed; start a new one instead."))
    mail = conversation.inbox.channel == ChannelKind.EMAIL
    if mail and not _mail_may_be_answered(conversation):
        raise ActionError(_("Mail loop protection: no automatic reply to this sender."))
    queue_message(
        conversation,
        direction=Direction.OUTBOUND,
        text=text,
        event_data={"automatic": True, "automation_rule_id": rule.pk},
    )
    if mail:
        from atiende.mail.models import AutoReply

        # Counted by the per-sender circuit breaker, like the acknowledgement.
        AutoReply.objects.create(inbox=conversation.inbox, address=conversation.contact.email)


def _mail_may_be_answered(conversation: Conversation) -> bool:
    """The mail channel's own rule, applied to the customer's latest stored mail: nothing
    automatic to automatic, bulk or robot mail, blocked senders, ourselves, or past the daily
    per-sender limit."""
    from atiende.mail.loops import may_autoreply
    from atiende.mail.models import RawEmail
    from atiende.mail.parse import parse_email
    from atiende.mail.pipeline import read_raw

    message = (
        Message.objects.filter(conversation=conversation, direction=Direction.INBOUND)
        .order_by("-seq")
        .first()
    )
    raw_email = RawEmail.objects.filter(message=message).first() if message else None
    if raw_email is None:
        return False  # not from the mail pipeline: nothing says it is safe to answer
    return may_autoreply(conversation.inbox, parse_email(read_raw(raw_email)))
