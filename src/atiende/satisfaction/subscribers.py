"""How the survey hears about solves: a subscriber to `conversation.status_changed` (quick,
after commit) that enqueues the durable `satisfaction.send` task, keyed by the solve's event so
a repeat is harmless."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from atiende.conversations.models import Status
from atiende.core import tasks
from atiende.satisfaction import actions

if TYPE_CHECKING:
    from atiende.core.models import Event


def on_status_changed(event: Event) -> None:
    if event.conversation_id is None or event.data.get("to") != Status.SOLVED:
        return
    tasks.enqueue(
        "satisfaction.send",
        {"conversation_id": event.conversation_id, "event_id": event.pk},
        key=f"survey:{event.pk}",
    )


@tasks.task("satisfaction.send")
def send_task(payload: dict[str, Any]) -> None:
    actions.send_survey(int(payload["conversation_id"]), int(payload["event_id"]))
