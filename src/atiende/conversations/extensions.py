"""How other apps add to the conversation page without editing it.

- **Sidebar panels**: `register_panel("accounts", "accounts:panel", order=10)`. The conversation
  page renders one placeholder per panel that htmx fills from that URL (reversed with the
  conversation id) when the page loads and whenever the conversation changes. The view behind the
  URL checks access itself (`access_conversation_by_id`) and returns an HTML fragment:
  `<section class="panel-section">...`. A panel that fails to load never breaks the page.
- **Timeline events**: `register_event("bot.answered", describe)` shows events of that kind on
  the timeline, described by `describe(event) -> str` (translated text, no HTML).

Apps register in `AppConfig.ready()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import reverse

if TYPE_CHECKING:
    from atiende.core.models import Event


@dataclass(frozen=True)
class Panel:
    name: str
    url_name: str
    order: int

    def url(self, conversation_id: int) -> str:
        return reverse(self.url_name, args=[conversation_id])


Describe = Callable[["Event"], str]

_panels: dict[str, Panel] = {}
_events: dict[str, Describe] = {}


def register_panel(name: str, url_name: str, *, order: int = 100) -> None:
    _panels[name] = Panel(name, url_name, order)


def panels() -> list[Panel]:
    return sorted(_panels.values(), key=lambda panel: (panel.order, panel.name))


def register_event(kind: str, describe: Describe) -> None:
    _events[kind] = describe


def event_kinds() -> tuple[str, ...]:
    return tuple(_events)


def describe_event(event: Event) -> str:
    return _events[event.kind](event)
