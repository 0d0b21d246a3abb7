"""The Sonora demo comes with two automation rules; a customer's new refund message after the
load gets high priority and the billing tag, and the pending conversations are solved once
they have waited 72 hours."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.translation import gettext

from atiende.automations import demo, timed
from atiende.automations.models import Rule, Trigger
from atiende.conversations.actions.receive import receive_message
from atiende.conversations.models import Conversation, Direction, Message, Status
from atiende.core import tasks
from atiende.inboxes.contract import InboundMessage
from atiende.inboxes.models import Inbox
from tests.automations.conftest import applied


def load_demo(settings: Any) -> str:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    output = StringIO()
    call_command("load_demo", stdout=output)
    return output.getvalue()


def customer_writes(inbox: Inbox, text: str) -> Conversation:
    result = receive_message(
        InboundMessage(
            inbox_id=inbox.pk,
            identity_kind="email",
            identity_value="marta.gil@example.test",
            email="marta.gil@example.test",
            name="Marta Gil",
            text=text,
            subject="Cobro duplicado",
            new_conversation=True,
        )
    )
    tasks.drain()
    return Conversation.objects.get(pk=result.message.conversation_id)


@pytest.mark.xdist_group("demo")
@pytest.mark.django_db(transaction=True)
def test_the_demo_rules_are_loaded_and_act_on_what_comes_after(settings: Any) -> None:
    output = load_demo(settings)

    rules = {rule.trigger: rule for rule in Rule.objects.prefetch_related("actions")}
    assert set(rules) == {Trigger.MESSAGE, Trigger.TIME}
    billing = rules[Trigger.MESSAGE]
    assert billing.name == "Refund or double charge: high priority, billing tag"
    assert [(a.kind, a.value) for a in billing.actions.all()] == [
        ("set_priority", "high"),
        ("add_tag", "billing"),
    ]
    assert "Automation rules" in output
    # The load itself triggered nothing (its events are suspended).
    assert not Message.objects.filter(author_user__username="atiende-automations").exists()

    spanish = Inbox.objects.get(name="Formulario de ayuda")
    charged = customer_writes(
        spanish, "Hola, este mes me habéis COBRADO DOS VECES la cuota. Quiero un reembolso."
    )
    playback = customer_writes(spanish, "La app se cierra al abrir una lista de reproducción.")

    assert charged.priority == "high"
    assert "billing" in charged.tags.values_list("name", flat=True)
    assert [event.data["rule"] for event in applied(charged.pk)] == [billing.name]
    assert playback.priority == "normal"
    assert "billing" not in playback.tags.values_list("name", flat=True)
    assert not applied(playback.pk)

    pending = set(Conversation.objects.filter(status=Status.PENDING).values_list("pk", flat=True))
    assert pending
    fired = timed.check_all(timezone.now() + timedelta(hours=73))
    tasks.drain()

    assert fired == len(pending)
    assert not Conversation.objects.filter(pk__in=pending).exclude(status=Status.SOLVED).exists()
    notes = Message.objects.filter(
        conversation_id__in=pending,
        author_user__username="atiende-automations",
        direction=Direction.NOTE,
    )
    assert notes.count() == len(pending)
    assert "No answer from the customer in 3 days" in notes[0].body_text


def test_the_demo_rules_read_in_spanish() -> None:
    with translation.override("es"):
        (line,) = demo.sign_in()
        name = gettext("Pending for 3 days: solve")

    assert line.startswith("Reglas de automatización")
    assert name == "Pendiente 3 días: resolver"
