"""`load_demo` builds the Sonora demo through the actions, once, with every reply delivered."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from atiende.conversations.models import Conversation, DeliveryStatus, Direction, Message, Status
from atiende.core.models import Event, Task, TaskStatus
from atiende.demo import data
from atiende.demo.loader import DemoBuilder
from atiende.inboxes.models import ChannelKind, Inbox
from atiende.people.models import Contact, IdentityKind, Role, Team, User


def _load() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "teams": Team.objects.count(),
        "inboxes": Inbox.objects.count(),
        "contacts": Contact.objects.count(),
        "conversations": Conversation.objects.count(),
        "messages": Message.objects.count(),
        "events": Event.objects.count(),
        "tasks": Task.objects.count(),
    }


@pytest.mark.xdist_group("demo")
@pytest.mark.django_db
def test_load_demo_builds_a_bilingual_support_desk_once(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    output = _load()

    assert set(Team.objects.values_list("name", flat=True)) == {"Billing", "Technical", "Accounts"}
    roles = dict(User.objects.values_list("username", "role"))
    assert roles["demo-admin"] == Role.ADMIN
    assert roles["demo-supervisor"] == Role.SUPERVISOR
    assert roles["demo-agent"] == Role.AGENT
    assert sum(role == Role.AGENT for role in roles.values()) >= 6
    agent = User.objects.get(username="demo-agent")
    assert agent.check_password(data.DEMO_PASSWORD)
    assert agent.teams.exists()
    assert User.objects.get(username="demo-admin").is_superuser
    inboxes = {inbox.name: inbox for inbox in Inbox.objects.all()}
    assert (inboxes["Help form"].channel, inboxes["Help form"].language) == ("webform", "en")
    formulario = inboxes["Formulario de ayuda"]
    assert (formulario.channel, formulario.language) == ("webform", "es")
    assert inboxes["Partner API"].channel == ChannelKind.API

    assert Conversation.objects.count() >= 150
    assert set(Conversation.objects.values_list("language", flat=True)) == {"en", "es"}
    assert set(Conversation.objects.values_list("status", flat=True)) == set(Status.values)
    assert Contact.objects.filter(merged_into__isnull=True).count() >= 100
    repeat = Contact.objects.annotate(n=Count("conversations")).filter(n__gt=1)
    assert repeat.count() >= 5
    both = Contact.objects.filter(identities__kind=IdentityKind.API).filter(
        identities__kind=IdentityKind.EMAIL
    )
    assert both.exists()
    assert Message.objects.filter(direction=Direction.NOTE).exists()
    assert Message.objects.filter(body_text__contains="ñ").exists()
    assert Conversation.objects.filter(tags__isnull=False).distinct().count() >= 100
    assert Conversation.objects.filter(assignee__isnull=False).count() >= 150

    # The two portal customers' account stories (charged twice; card expired) each have an open
    # conversation about them (they wrote about random topics, e.g. a Family plan manager asking
    # about the student discount, and a student saying she was charged for the Family plan).
    family, student = DemoBuilder().customers()[:2]
    for customer, tag, text in [
        (family, "double-charge", "$17.99"),
        (student, "payment-method", "Estudiantes"),
    ]:
        story = Conversation.objects.filter(
            contact__identities__value=customer.email, status=Status.OPEN, tags__name=tag
        )
        assert story.exists(), customer.email
        assert Message.objects.filter(conversation__in=story, body_text__contains=text).exists()

    # Every reply was delivered; nothing is left in the queue.
    outbound = Message.objects.filter(direction=Direction.OUTBOUND)
    assert outbound.count() >= 150
    assert not outbound.exclude(delivery_status=DeliveryStatus.SENT).exists()
    assert not Task.objects.exclude(status=TaskStatus.DONE).exists()

    # Demo timestamps spread over the last month, none in the future.
    now = timezone.now()
    assert Conversation.objects.filter(created_at__lt=now - timedelta(days=20)).exists()
    assert Conversation.objects.filter(last_message_at__gt=now - timedelta(days=2)).exists()
    assert not Message.objects.filter(created_at__gt=now).exists()
    for conversation in Conversation.objects.all()[:50]:
        times = list(conversation.messages.values_list("created_at", flat=True))
        assert times == sorted(times)
        assert conversation.last_message_at == times[-1]

    assert "conversations 200/200" in output
    assert "demo-agent" in output
    assert data.DEMO_PASSWORD in output
    assert "/login/" in output
    assert "/help/" in output
    assert "/portal/signin/" in output

    before = _counts()
    again = _load()
    assert _counts() == before
    assert "already loaded" in again
    assert "/portal/signin/" in again
