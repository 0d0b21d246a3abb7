"""What the SLA browser test puts in the server's database before it starts (run inside the
server's `shell`, as tests/e2e/seeding.py explains): a policy, an agent, one conversation whose
first reply is overdue and one due within the hour."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from tests.e2e.live import PASSWORD


def seed(name: str) -> str:
    return (
        "from tests.e2e import seeding as e2e\n"
        "from tests.sla import seeding\n"
        f"e2e.emit(seeding.{name}())\n"
    )


def overdue_and_due_soon() -> dict[str, Any]:
    from atiende.conversations import actions
    from atiende.conversations.models import Message
    from atiende.inboxes.contract import InboundMessage
    from atiende.inboxes.models import Inbox
    from atiende.people.models import Team, User
    from atiende.sla import breaches, state
    from atiende.sla.models import Policy, Target

    support = Team.objects.create(name="Support", slug="support")
    inbox = Inbox.objects.create(name="Help form", channel="webform", default_team=support)
    agent = User.objects.create_user(
        username="ana", password=PASSWORD, display_name="Ana", email="ana@example.test"
    )
    agent.teams.add(support)
    policy = Policy.objects.create(name="Gold", position=0)
    Target.objects.create(
        policy=policy,
        priority="normal",
        first_reply_minutes=60,
        next_reply_minutes=30,
        resolution_minutes=480,
    )
    conversations = {}
    for key, subject, minutes_ago in (
        ("overdue", "Charged twice", 95),
        ("soon", "Cannot log in", 40),
    ):
        conversation = actions.receive_message(
            InboundMessage(
                inbox_id=inbox.pk,
                identity_kind="email",
                identity_value=f"{key}@example.test",
                email=f"{key}@example.test",
                name=key.title(),
                subject=subject,
                text="Please help",
                new_conversation=True,
            )
        ).conversation
        Message.objects.filter(conversation=conversation).update(
            created_at=timezone.now() - timedelta(minutes=minutes_ago)
        )
        state.refresh(conversation.pk)
        conversations[key] = conversation.pk
    breaches.check_breaches()
    return conversations
