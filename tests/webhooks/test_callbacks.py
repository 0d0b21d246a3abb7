"""The shared signed-call code (`core.callbacks`): the signature, the address check, and the
API channel's reply callback that uses them too."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from atiende.conversations.actions import send_reply
from atiende.conversations.models import DeliveryStatus
from atiende.core import callbacks, tasks
from atiende.inboxes.models import ChannelKind, Inbox
from atiende.people.models import Role
from tests.factories import Factory
from tests.webhooks.conftest import Receiver


def test_the_signature_matches_the_documented_vector() -> None:
    # SECURITY.md's Stripe vector: our header has the same shape and the same HMAC.
    header = callbacks.sign("whsec_test", 1700000000, b'{"object":"page","entry":[]}')

    assert header == (
        "t=1700000000,v1=f4eb94a70ef35b3cc3a0098055b99380a717f0eae7966f0dd29335156cb19cc8"
    )


def test_verify_accepts_any_matching_v1_and_refuses_old_or_altered() -> None:
    now = int(time.time())
    body = b'{"id":1}'
    new, old = callbacks.sign("new", now, body), callbacks.sign("old", now, body)
    both = f"{new},{old.split(',', 1)[1]}"

    assert callbacks.verify(["old"], both, body)
    assert callbacks.verify(["new"], both, body)
    assert not callbacks.verify(["other"], both, body)
    assert not callbacks.verify(["new"], both, body + b" ")
    stale = callbacks.sign("new", now - 301, body)
    assert not callbacks.verify(["new"], stale, body)
    assert not callbacks.verify(["new"], "v1=abc", body)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),  # noqa: S104 - an address under test, not a bind
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("224.0.0.1", False),
    ],
)
def test_only_global_unicast_addresses_are_public(address: str, public: bool) -> None:
    assert callbacks.is_public(address) is public


def test_the_client_refuses_loopback_at_connect_time(receiver: Receiver) -> None:
    with pytest.raises(callbacks.DestinationRefused):
        callbacks.post(receiver.url, b"{}", {}, timeout=2)
    assert receiver.requests == []

    allowed = callbacks.post(receiver.url, b"{}", {}, timeout=2, allow_private=True)
    assert allowed.status_code == 200
    assert len(receiver.requests) == 1


def test_only_http_urls_are_called() -> None:
    for url in ("file:///etc/passwd", "gopher://example.com/", "http:///nohost", "ftp://x.org/"):
        with pytest.raises(callbacks.DestinationRefused):
            callbacks.check_url(url)


def test_a_name_that_does_not_resolve_is_a_network_error() -> None:
    with pytest.raises(httpx.ConnectError):
        callbacks.post("http://no-such-host.invalid/x", b"{}", {}, timeout=2)


def api_reply(receiver: Receiver, settings: Any, *, allow: bool) -> str:
    settings.ATIENDE_ALLOW_PRIVATE_CALLBACKS = allow
    factory = Factory()
    inbox = factory.inbox(channel=ChannelKind.API, config={"callback_url": receiver.url})
    conversation = factory.conversation(inbox=inbox)
    reply = send_reply(factory.user(role=Role.ADMIN), conversation, text="Here you go")
    tasks.drain()
    reply.refresh_from_db()
    return reply.delivery_status


def test_the_api_channel_callback_is_signed_with_the_inbox_secret(
    transactional_db: None, receiver: Receiver, settings: Any
) -> None:
    status = api_reply(receiver, settings, allow=True)

    assert status == DeliveryStatus.SENT
    [request] = receiver.requests
    assert json.loads(request.body)["text"] == "Here you go"
    inbox = Inbox.objects.get(channel=ChannelKind.API)
    assert callbacks.verify([inbox.secret], request.headers["x-atiende-signature"], request.body)


def test_the_api_channel_refuses_a_loopback_callback(
    transactional_db: None, receiver: Receiver, settings: Any
) -> None:
    status = api_reply(receiver, settings, allow=False)

    assert status == DeliveryStatus.FAILED
    assert receiver.requests == []
