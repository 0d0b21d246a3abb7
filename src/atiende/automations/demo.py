"""The automations part of the Sonora demo: two rules a streaming service's supervisor would
write, so a newcomer sees rules at work (and in the admin, to copy).

- A customer's message that talks about a refund or a double charge, in English or Spanish,
  raises a normal-priority conversation to high and tags it `billing` (a condition on the
  normal priority: an urgent conversation is never lowered to high).
- A conversation pending for 72 hours is solved, with an internal note saying why (the
  customer's reply reopens it as usual).

Names and the note are written in the language the demo is loaded in (`LANGUAGE_CODE`):
English or Spanish. Events recorded while the demo loads trigger nothing; the rules act on
what comes after (a new message, the hourly check).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from atiende.automations.models import Action, ActionKind, Rule, TimeCondition, Trigger
from atiende.conversations.models import Priority, Status

BILLING_WORDS = (
    "refund, reembolso, charged twice, charged me twice, double charge, cobro duplicado, "
    "cobrado dos veces, cobrasteis dos veces"
)
PENDING_HOURS = 72


def _rule(fields: dict[str, Any], actions: list[dict[str, Any]]) -> Rule:
    rule = Rule(**fields)
    rule.full_clean()
    rule.save()
    for position, action_fields in enumerate(actions):
        action = Action(rule=rule, position=position, **action_fields)
        action.full_clean()
        action.save()
    return rule


def load(builder: Any) -> None:
    if Rule.objects.exists():
        return
    _rule(
        {
            "name": _("Refund or double charge: high priority, billing tag"),
            "position": 10,
            "trigger": Trigger.MESSAGE,
            "priority": Priority.NORMAL,
            "words": BILLING_WORDS,
        },
        [
            {"kind": ActionKind.SET_PRIORITY, "value": Priority.HIGH},
            {"kind": ActionKind.ADD_TAG, "value": "billing"},
        ],
    )
    _rule(
        {
            "name": _("Pending for 3 days: solve"),
            "position": 20,
            "trigger": Trigger.TIME,
            "time_condition": TimeCondition.PENDING,
            "hours": PENDING_HOURS,
        },
        [
            {
                "kind": ActionKind.ADD_NOTE,
                "text": _(
                    "No answer from the customer in 3 days: solved automatically. Their reply "
                    "reopens the conversation."
                ),
            },
            {"kind": ActionKind.SET_STATUS, "value": Status.SOLVED},
        ],
    )


def sign_in() -> list[str]:
    return [
        _(
            "Automation rules (Admin, Automations): refund or double-charge messages get high "
            "priority and the billing tag; conversations pending for 3 days are solved."
        )
    ]


def register() -> None:
    from atiende.demo import extensions

    extensions.register("automations", load=load, sign_in=sign_in, order=50)
