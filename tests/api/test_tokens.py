"""API tokens: only a hash is stored, revoked or unknown tokens get 401, the management
commands print a working token once and revoke it."""

from __future__ import annotations

import hashlib
from io import StringIO

from django.core.management import call_command
from django.test import Client

from atiende.api.models import ApiToken
from atiende.api.tokens import create_token, revoke_token
from atiende.core.models import Event
from tests.api.conftest import bearer
from tests.factories import Factory


def test_only_the_hash_and_a_short_prefix_are_stored(factory: Factory) -> None:
    agent = factory.user()

    token, raw = create_token(agent, "zapier")

    assert raw.startswith("atk_")
    assert len(raw) - len("atk_") >= 43  # 32 bytes from `secrets`, base64url: 256 bits
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.prefix == raw[:12]
    stored = ApiToken.objects.values_list("name", "prefix", "token_hash").get()
    assert all(raw not in str(value) for value in stored)
    assert Event.objects.filter(kind="api_token.created", actor_user=agent).count() == 1


def test_a_token_acts_as_its_agent_and_records_its_use(factory: Factory) -> None:
    agent = factory.user()
    token, raw = create_token(agent)

    response = Client(headers=bearer(raw)).get("/api/conversations")

    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_a_revoked_token_stops_working(factory: Factory) -> None:
    agent = factory.user()
    token, raw = create_token(agent)
    client = Client(headers=bearer(raw))
    assert client.get("/api/conversations").status_code == 200

    revoke_token(token, actor=agent)

    response = client.get("/api/conversations")
    assert response.status_code == 401
    assert response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_deactivated_agents_token_stops_working(factory: Factory) -> None:
    agent = factory.user()
    _token, raw = create_token(agent)
    agent.is_active = False
    agent.save()

    assert Client(headers=bearer(raw)).get("/api/conversations").status_code == 401


def test_wrong_and_malformed_credentials_are_401(factory: Factory) -> None:
    _token, raw = create_token(factory.user())
    tampered = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    headers = [
        {"Authorization": f"Bearer {tampered}"},
        {"Authorization": f"Bearer {raw[:12]}"},
        {"Authorization": "Bearer "},
        {"Authorization": f"Basic {raw}"},
        {"Authorization": "Bearer " + "atk_" + "x" * 5000},
    ]

    statuses = [Client(headers=h).get("/api/conversations").status_code for h in headers]

    assert statuses == [401] * len(headers)


def test_commands_print_a_working_token_once_and_revoke_it(factory: Factory) -> None:
    agent = factory.user(username="integration-bot")
    out = StringIO()

    call_command(
        "create_api_token", "integration-bot", "--name", "crm", stdout=out, stderr=StringIO()
    )

    raw = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert (token.user, token.name) == (agent, "crm")
    assert Client(headers=bearer(raw)).get("/api/conversations").status_code == 200

    call_command("revoke_api_token", token.prefix, stdout=StringIO())

    assert Client(headers=bearer(raw)).get("/api/conversations").status_code == 401
    assert Event.objects.filter(kind="api_token.revoked").count() == 1
