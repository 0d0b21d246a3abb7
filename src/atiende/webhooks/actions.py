"""Every change to webhook endpoints goes through these, from the admin and the REST API
alike; each is an event on the log (`webhook.*`, not published to browsers nor sent out)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.core import callbacks, events
from atiende.core.errors import ActionError
from atiende.inboxes.models import Inbox
from atiende.people.models import User
from atiende.webhooks import conf, delivery, payloads
from atiende.webhooks.kinds import KINDS, PING
from atiende.webhooks.models import WILDCARD, Delivery, Endpoint, new_secret

EDITABLE = ("url", "description", "kinds", "inbox", "include_notes", "is_active")


def clean_kinds(kinds: list[str]) -> list[str]:
    """Known kinds only, each once, in the catalogue's order; the wildcard alone if given."""
    unknown = sorted(set(kinds) - set(KINDS) - {WILDCARD})
    if unknown:
        raise ActionError(_("Unknown event kinds: %(kinds)s.") % {"kinds": ", ".join(unknown)})
    if not kinds:
        raise ActionError(_("Choose at least one event kind (or * for all)."))
    if WILDCARD in kinds:
        return [WILDCARD]
    return [kind for kind in KINDS if kind in kinds]


def clean_url(url: str) -> str:
    url = url.strip()
    try:
        callbacks.check_url(url)
    except callbacks.DestinationRefused as exc:
        raise ActionError(_("The URL must start with https:// or http://.")) from exc
    return url


def _record(kind: str, actor: User | None, endpoint: Endpoint, **data: Any) -> None:
    events.record(kind, actor_user=actor, data={"endpoint_id": endpoint.pk, **data}, publish=False)


def create_endpoint(
    actor: User | None,
    *,
    url: str,
    kinds: list[str],
    description: str = "",
    inbox: Inbox | None = None,
    include_notes: bool = False,
    is_active: bool = True,
) -> Endpoint:
    """A new endpoint with a fresh signing secret (shown to the admin once, by the caller)."""
    with transaction.atomic():
        endpoint = Endpoint.objects.create(
            url=clean_url(url),
            kinds=clean_kinds(kinds),
            description=description,
            inbox=inbox,
            include_notes=include_notes,
            is_active=is_active,
            created_by=actor,
        )
        _record("webhook.endpoint_created", actor, endpoint, url=endpoint.url)
    return endpoint


def update_endpoint(actor: User | None, endpoint: Endpoint, **changes: Any) -> Endpoint:
    """Change editable fields; turning an endpoint back on clears why it was disabled."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ActionError(_("These fields cannot be changed: %(f)s.") % {"f": ", ".join(unknown)})
    if "url" in changes:
        changes["url"] = clean_url(changes["url"])
    if "kinds" in changes:
        changes["kinds"] = clean_kinds(changes["kinds"])
    with transaction.atomic():
        endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
        enabling = changes.get("is_active") is True and not endpoint.is_active
        for field, value in changes.items():
            setattr(endpoint, field, value)
        fields = list(changes)
        if enabling:
            endpoint.consecutive_failures = 0
            endpoint.disabled_at = None
            endpoint.disabled_reason = ""
            fields += ["consecutive_failures", "disabled_at", "disabled_reason"]
        endpoint.save(update_fields=fields)
        _record("webhook.endpoint_changed", actor, endpoint, fields=sorted(changes))
    return endpoint


def rotate_secret(actor: User | None, endpoint: Endpoint) -> Endpoint:
    """A new secret signs from now on; the old one also signs each request for the grace
    period (`ATIENDE_WEBHOOKS_ROTATION_GRACE_SECONDS`), so receivers can switch unhurried."""
    with transaction.atomic():
        endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = timezone.now() + timedelta(
            seconds=conf.rotation_grace()
        )
        endpoint.secret = new_secret()
        endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
        _record("webhook.secret_rotated", actor, endpoint)
    return endpoint


def delete_endpoint(actor: User | None, endpoint: Endpoint) -> None:
    with transaction.atomic():
        _record("webhook.endpoint_deleted", actor, endpoint, url=endpoint.url)
        endpoint.delete()


def redeliver(actor: User | None, original: Delivery) -> Delivery:
    """Send a delivery's body again (same event id: receivers recognise it), once."""
    with transaction.atomic():
        copy = delivery.queue_manual(
            original.endpoint, kind=original.kind, body=original.body, event=original.event
        )
        _record("webhook.redelivered", actor, original.endpoint, delivery=str(original.uuid))
    return copy


def send_ping(actor: User | None, endpoint: Endpoint) -> Delivery:
    """Queue a `webhook.ping` to the endpoint (even a disabled one: check before enabling)."""
    with transaction.atomic():
        ping = delivery.queue_manual(
            endpoint, kind=PING, body=payloads.ping_body(endpoint.pk), event=None
        )
        _record("webhook.ping_sent", actor, endpoint, delivery=str(ping.uuid))
    return ping
