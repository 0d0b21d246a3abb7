"""What the account-panel browser tests put in the server's database before it starts.

These functions run inside the server's `shell` (the test cannot reach the server's database
through its own connection): `seed("name")` is the snippet that calls `name()` there and prints
what it returns as JSON, which the server keeps as `server.seeded`.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from typing import Any

from django.utils import timezone

from tests.e2e.live import PASSWORD


def seed(name: str) -> str:
    """The `shell` snippet that runs `name()` of this module and prints its JSON."""
    return f"from tests.e2e import seeding\nseeding.emit(seeding.{name}())\n"


def emit(result: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(result) + "\n")


def customer_request(
    *,
    team: tuple[str, str],
    agents: list[tuple[str, str, str]],
    customer: tuple[str, str],
    subject: str,
    text: str,
) -> Any:
    """A help-form request from a customer whose email is verified, and the team's agents.

    `team` is (slug, name), `agents` (username, display name, role), `customer` (email, name).
    Returns the conversation.
    """
    from atiende.conversations import actions
    from atiende.inboxes.contract import InboundMessage
    from atiende.inboxes.models import Inbox
    from atiende.people.models import ContactIdentity, Team, User

    slug, team_name = team
    support = Team.objects.create(name=team_name, slug=slug)
    inbox = Inbox.objects.create(name="Help form", channel="webform", default_team=support)
    for username, display_name, role in agents:
        user = User.objects.create_user(
            username=username,
            password=PASSWORD,
            display_name=display_name,
            email=f"{username}@example.test",
            role=role,
        )
        user.teams.add(support)
    email, name = customer
    conversation = actions.receive_message(
        InboundMessage(
            inbox_id=inbox.pk,
            identity_kind="email",
            identity_value=email,
            email=email,
            name=name,
            subject=subject,
            text=text,
            new_conversation=True,
        )
    ).conversation
    ContactIdentity.objects.filter(contact=conversation.contact, kind="email").update(verified=True)
    return conversation


def streaming_account(
    *,
    external_id: str,
    email: str,
    name: str,
    plan: tuple[str, str, int],
    days_into_period: int,
    max_members: int = 1,
    card: bool = True,
) -> Any:
    """A subscriber of the music service: plan (code, name, price in cents), a Visa 4242."""
    from atiende.accounts.models import Account, PaymentMethod, Plan, Subscription

    code, plan_name, price = plan
    subscribed = Plan.objects.create(
        code=code, name=plan_name, price=price, currency="USD", max_members=max_members
    )
    now = timezone.now()
    account = Account.objects.create(
        external_id=external_id, email=email, name=name, currency="USD"
    )
    Subscription.objects.create(
        account=account,
        plan=subscribed,
        current_period_start=now - timedelta(days=days_into_period),
        current_period_end=now + timedelta(days=30 - days_into_period),
    )
    if card:
        PaymentMethod.objects.create(
            account=account, brand="Visa", last4="4242", exp_month=12, exp_year=now.year + 2
        )
    return account


def charge(account: Any, *, external_id: str, amount: int, description: str) -> None:
    from atiende.accounts.models import Charge

    Charge.objects.create(
        account=account,
        external_id=external_id,
        amount=amount,
        currency="USD",
        description=description,
        card="Visa 4242",
    )


def signin_link(email: str) -> str:
    from atiende.portal.links import make_token

    return f"/portal/signin/{make_token(email)}/"


def playback_errors() -> dict[str, Any]:
    """Rosa, an Individual subscriber whose songs stop, with errors in her activity log."""
    from atiende.accounts.models import ActivityEvent

    conversation = customer_request(
        team=("support", "Support"),
        agents=[("ana", "Ana García", "agent")],
        customer=("rosa@example.test", "Rosa Martínez"),
        subject="Songs stop playing",
        text="Every song stops after ten seconds on my phone.",
    )
    account = streaming_account(
        external_id="rosa-1",
        email="rosa@example.test",
        name="Rosa",
        plan=("individual", "Individual", 1099),
        days_into_period=10,
    )
    charge(account, external_id="ch_rosa", amount=1099, description="Sonora Individual")
    now = timezone.now()
    for number, (kind, error, device, code) in enumerate(
        [("playback", True, "Pixel 8", "E_DRM_4012"), ("device_sync", False, "iPad", "")]
    ):
        ActivityEvent.objects.create(
            account=account,
            event_id=f"ev-{number}",
            kind=kind,
            occurred_at=now - timedelta(hours=number + 1),
            is_error=error,
            device=device,
            app_version="8.9.1",
            country="MX",
            code=code,
            message="Playback stopped" if error else "",
        )
    return {"conversation": conversation.pk, "customer_link": signin_link("rosa@example.test")}


def settings_granted() -> dict[str, Any]:
    """Rosa again, without payments, with an hour's grant in force on her account settings."""
    from atiende.consent import grants
    from atiende.people.models import User

    conversation = customer_request(
        team=("support", "Support"),
        agents=[("ana", "Ana", "agent")],
        customer=("rosa@example.test", "Rosa"),
        subject="Songs stop playing",
        text="Every song stops after ten seconds.",
    )
    streaming_account(
        external_id="rosa-1",
        email="rosa@example.test",
        name="Rosa",
        plan=("individual", "Individual", 1099),
        days_into_period=10,
        card=False,
    )
    grant = grants.request_grant(
        User.objects.get(username="ana"),
        conversation.contact,
        scope="settings",
        duration=timedelta(hours=1),
        reason="Family members",
        conversation=conversation,
    )
    grants.approve_grant(conversation.contact, grant.pk)
    return {"conversation": conversation.pk, "customer_link": signin_link("rosa@example.test")}


def charged_for_a_year() -> dict[str, Any]:
    """Leo, on the Family plan, charged for twelve months by mistake; an agent and a supervisor."""
    conversation = customer_request(
        team=("billing", "Billing"),
        agents=[("ana", "Ana García", "agent"), ("sol", "Sol Reyes", "supervisor")],
        customer=("leo@example.test", "Leo Campos"),
        subject="Charged for a year by mistake",
        text="I wanted the monthly plan but you charged me for a whole year.",
    )
    account = streaming_account(
        external_id="leo-1",
        email="leo@example.test",
        name="Leo",
        plan=("family", "Family", 1799),
        days_into_period=3,
        max_members=6,
    )
    charge(account, external_id="ch_year", amount=17990, description="Sonora Family, 12 months")
    return {"conversation": conversation.pk}
