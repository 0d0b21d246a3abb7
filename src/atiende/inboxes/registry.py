"""Which adapter serves which channel kind."""

from __future__ import annotations

from typing import TYPE_CHECKING

from atiende.inboxes.contract import ChannelAdapter

if TYPE_CHECKING:
    from atiende.inboxes.models import Inbox

_adapters: dict[str, ChannelAdapter] = {}


def register(adapter: ChannelAdapter) -> None:
    _adapters[adapter.kind] = adapter


def adapter_for(inbox: Inbox) -> ChannelAdapter:
    try:
        return _adapters[inbox.channel]
    except KeyError:
        raise LookupError(f"no adapter for channel {inbox.channel!r}") from None


def load_builtin_adapters() -> None:
    from atiende.inboxes.api_channel import ApiChannelAdapter
    from atiende.inboxes.webform import WebFormAdapter

    register(WebFormAdapter())
    register(ApiChannelAdapter())
