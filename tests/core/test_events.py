"""The event log is append-only, and events reach the channel layer only after commit."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from atiende.core import events
from atiende.core.models import AppendOnlyError, Event
from tests.factories import Factory


def test_events_cannot_be_changed_or_deleted(factory: Factory) -> None:
    factory.conversation()
    event = Event.objects.first()
    assert event is not None

    event.kind = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.update(kind="x")


@pytest.mark.django_db(transaction=True)
def test_event_is_published_after_commit_and_not_on_rollback() -> None:
    layer = get_channel_layer()
    assert layer is not None
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(events.INBOX_GROUP, channel)

    try:
        with transaction.atomic():
            events.record("test.rolled_back")
            raise RuntimeError("abort")
    except RuntimeError:
        pass
    with transaction.atomic():
        events.record("test.committed")

    received = async_to_sync(layer.receive)(channel)
    assert received["kind"] == "test.committed"
    async_to_sync(layer.group_discard)(events.INBOX_GROUP, channel)
