"""The workflow's part of the Sonora demo: every demo agent's chat capacity and languages, and
business hours for the chat inbox (kept switched off, so the demo chat answers at any hour;
switch them on in the admin to see the "we're away" form)."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from django.utils.translation import gettext as _

from atiende.demo import data
from atiende.inboxes.models import ChannelKind, Inbox
from atiende.workflow.models import AgentProfile, Holiday, InboxSchedule, OpeningInterval

DEMO_TIME_ZONE = "America/Mexico_City"


def load(builder: Any) -> None:
    for agent in data.AGENTS:
        user = builder.people.get(agent.username)
        if user is None:
            continue
        AgentProfile.objects.update_or_create(
            user=user, defaults={"capacity": 3, "languages": list(agent.languages[1:])}
        )
    for inbox in Inbox.objects.filter(channel=ChannelKind.CHAT):
        schedule, created = InboxSchedule.objects.get_or_create(
            inbox=inbox,
            defaults={
                "time_zone": DEMO_TIME_ZONE,
                "use_hours": False,
                "reroute_after_seconds": 120,
            },
        )
        if not created:
            continue
        for weekday in range(5):
            OpeningInterval.objects.create(
                schedule=schedule, weekday=weekday, opens=time(8), closes=time(20)
            )
        OpeningInterval.objects.create(schedule=schedule, weekday=5, opens=time(9), closes=time(14))
        year = builder.now.year
        christmas = date(year, 12, 25)
        Holiday.objects.create(
            schedule=schedule, name="Navidad", starts_on=christmas, ends_on=christmas
        )
        new_year = date(year + 1, 1, 1)
        Holiday.objects.create(
            schedule=schedule,
            name="Año Nuevo",
            starts_on=new_year,
            ends_on=new_year,
        )


def sign_in() -> list[str]:
    return [
        _(
            'Live chats are routed to agents who are online: choose "Online" under My status '
            "in the inbox."
        )
    ]


def register() -> None:
    from atiende.demo import extensions

    extensions.register("workflow", load=load, sign_in=sign_in, order=30)
