"""The bot page: counts and rates, content gaps, the live precision-coverage curve, and the
per-inbox settings that only admins change."""

from __future__ import annotations

from django.test import Client

from atiende.assistant.config import bot_config
from atiende.assistant.knowledge import calibrate
from atiende.assistant.models import BotPolicy
from atiende.inboxes.models import Inbox
from atiende.people.models import Role
from tests.assistant.conftest import HelpCenter, Live
from tests.factories import Factory


def test_supervisors_see_counts_gaps_and_the_curve(
    live: Live, factory: Factory, inbox: Inbox, help_center: HelpCenter, client: Client
) -> None:
    with live():
        factory.inbound(inbox, text="How do I cancel my subscription?")
        factory.inbound(inbox, text="Do you sponsor music festivals in Lisbon next summer?")
        factory.inbound(inbox, text="Do you sponsor music festivals in Lisbon?")
    assert calibrate() is not None
    client.force_login(factory.user(Role.SUPERVISOR))
    page = client.get("/inbox/assistant/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<td class="stat-conversations">3</td>' in html
    assert '<td class="stat-answered">1 (33%)</td>' in html
    assert '<td class="stat-handed-off">2 (67%)</td>' in html
    # The two festival questions are one gap, asked twice.
    assert "Do you sponsor music festivals in Lisbon" in html
    assert "<td>2</td>" in html
    curve = client.get("/inbox/assistant/curve.png")
    assert curve.status_code == 200
    assert curve["Content-Type"] == "image/png"
    assert curve.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_agents_do_not_see_the_bot_page(factory: Factory, client: Client) -> None:
    client.force_login(factory.user(Role.AGENT))
    assert client.get("/inbox/assistant/").status_code == 404
    assert client.get("/inbox/assistant/curve.png").status_code == 404
    assert client.post("/inbox/assistant/calibrate/").status_code == 404


def test_recalibrating_stores_a_new_policy(
    factory: Factory, help_center: HelpCenter, client: Client
) -> None:
    client.force_login(factory.user(Role.SUPERVISOR))
    response = client.post("/inbox/assistant/calibrate/")
    assert response.status_code == 303
    row = BotPolicy.objects.get()
    assert row.heldout > 0
    assert row.policy


def test_only_admins_change_an_inbox_bot_setting(factory: Factory, client: Client) -> None:
    inbox = factory.inbox()
    client.force_login(factory.user(Role.SUPERVISOR))
    url = f"/inbox/assistant/inboxes/{inbox.pk}/"
    assert client.post(url, {"enabled": "1"}).status_code == 404
    client.force_login(factory.user(Role.ADMIN))
    response = client.post(url, {"enabled": "1", "sensitive_intents": ["refunds", "fraud"]})
    assert response.status_code == 303
    inbox.refresh_from_db()
    config = bot_config(inbox)
    assert config.enabled
    assert config.sensitive_intents == ("refunds", "fraud")
