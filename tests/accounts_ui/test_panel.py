"""The account panel beside a conversation: the summary without a grant, the activity log and
settings only under one (and every read logged), previews with an idempotency key, the access
request form, and 404 for agents who cannot see the conversation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.formats import date_format

from atiende.accounts import actions
from atiende.accounts.models import (
    AccountAction,
    ApprovalRequest,
    Credit,
    Invoice,
    Plan,
    Refund,
    Subscription,
)
from atiende.api.tokens import create_token
from atiende.consent import grants
from atiende.consent.models import Grant, GrantStatus, GrantUse
from atiende.conversations.models import Direction
from atiende.people.models import Role
from tests.accounts.conftest import AccountWorld, key
from tests.accounts_ui.conftest import signed_in
from tests.factories import Factory


def panel_url(world: AccountWorld, suffix: str = "") -> str:
    return f"/inbox/c/{world.conversation.pk}/account/{suffix}"


def grant_activity(world: AccountWorld, scope: str = "activity") -> Grant:
    grant = grants.request_grant(
        world.agent,
        world.contact,
        scope=scope,
        duration=timedelta(hours=1),
        reason="Songs stop",
        conversation=world.conversation,
    )
    return grants.approve_grant(world.contact, grant.pk)


def test_without_a_grant_the_agent_sees_the_summary_only(world: AccountWorld) -> None:
    html = signed_in(world.agent).get(panel_url(world)).content.decode()

    assert "Individual" in html
    assert "Visa •••• 4242" in html
    assert "Request access" in html
    assert 'id="account-activity"' not in html
    assert "E_DRM_4012" not in html
    assert not GrantUse.objects.exists()


def test_under_a_grant_the_activity_log_shows_with_a_banner_and_each_read_is_logged(
    world: AccountWorld,
) -> None:
    grant = grant_activity(world)

    html = signed_in(world.agent).get(panel_url(world)).content.decode()

    assert 'id="account-activity"' in html
    assert "E_DRM_4012" in html
    assert f'data-grant-id="{grant.pk}"' in html
    assert re.search(r'data-seconds-left="3[0-9]{3}"', html)
    assert "Time left: 0:59:" in html
    assert GrantUse.objects.get().what == "activity.read"


def test_the_activity_filters_errors_and_devices(world: AccountWorld) -> None:
    grant_activity(world)
    client = signed_in(world.agent)

    errors = client.get(panel_url(world, "activity/"), {"only_errors": "on", "window": "24h"})
    ipad = client.get(panel_url(world, "activity/"), {"device": "iPad", "window": "24h"})

    assert "E_DRM_4012" in errors.content.decode()
    assert "device_sync" not in errors.content.decode()
    assert "device_sync" in ipad.content.decode()
    assert "E_DRM_4012" not in ipad.content.decode()
    assert sorted(GrantUse.objects.values_list("detail", flat=True)) == [
        "all events, Last 24 hours, iPad",
        "errors only, Last 24 hours",
    ]


def test_reloading_the_access_box_keeps_the_activity_filters(world: AccountWorld) -> None:
    # The page reloads the access box on every conversation event, sending the filters shown.
    grant_activity(world)

    html = (
        signed_in(world.agent)
        .get(panel_url(world, "access/"), {"device": "iPad", "window": "24h"})
        .content.decode()
    )

    assert "device_sync" in html
    assert "E_DRM_4012" not in html
    assert '<option value="iPad" selected>' in html
    assert re.search(r'<option value="24h" selected>', html)
    assert GrantUse.objects.get().detail == "all events, Last 24 hours, iPad"


def action_labels(world: AccountWorld) -> list[str]:
    html = signed_in(world.agent).get(panel_url(world)).content.decode()
    actions_list = html.split('<ul class="account-actions">', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'hx-swap="innerHTML"[^>]*>([^<]+)</button>', actions_list)


def test_the_panel_offers_only_the_actions_that_fit_the_subscriptions_state(
    world: AccountWorld,
) -> None:
    # "Resume" on a running subscription answered "The subscription is not paused."
    running = action_labels(world)
    actions.do_pause(world.agent, world.contact, idempotency_key=key(), months=1)
    paused = action_labels(world)

    assert "Pause" in running
    assert "Cancel the subscription" in running
    assert "Resume" not in running
    assert "Resume" in paused
    assert "Pause" not in paused


def test_family_member_actions_only_on_a_plan_for_several(world: AccountWorld) -> None:
    # An Individual or Student plan showed "Add a family member" (disabled) all the same.
    single = action_labels(world)
    Subscription.objects.filter(account=world.account).update(plan=Plan.objects.get(code="family"))
    family = action_labels(world)

    assert "Add a family member" not in single
    assert "Remove a family member" not in single
    assert "Add a family member" in family
    assert "Remove a family member" not in family  # nobody to remove yet


def test_the_refund_form_names_charges_in_money_not_cents(world: AccountWorld) -> None:
    # Was "ch_1 · Sonora Individual · 1099 USD" next to an amount field in cents.
    client = signed_in(world.agent)
    today = date_format(timezone.now(), "DATE_FORMAT")

    before = client.get(panel_url(world, "actions/refund/")).content.decode()
    actions.do_refund(
        world.agent, world.contact, idempotency_key=key(), charge_id="ch_1", amount=500
    )
    after = client.get(panel_url(world, "actions/refund/")).content.decode()
    spanish = client.get(
        panel_url(world, "actions/refund/"), HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()

    assert f"{today} · Sonora Individual · $10.99 · ch_1</option>" in before
    assert "1099 USD" not in before
    assert "Sonora Individual · $5.99 left of $10.99 · ch_1</option>" in after
    assert "Sonora Individual · quedan 5,99 $ de 10,99 $ · ch_1</option>" in spanish


def test_the_use_log_is_written_in_the_customers_language(world: AccountWorld) -> None:
    type(world.contact).objects.filter(pk=world.contact.pk).update(language="es")
    grant_activity(world)

    signed_in(world.agent).get(panel_url(world, "activity/"), {"only_errors": "on", "window": "1h"})

    assert GrantUse.objects.get().detail == "solo errores, Última hora"


def test_a_revoked_grant_shows_nothing_on_the_next_request(world: AccountWorld) -> None:
    grant = grant_activity(world)
    client = signed_in(world.agent)
    grants.revoke_grant(world.contact, grant.pk)

    activity = client.get(panel_url(world, "activity/"), {"window": "24h"})
    access = client.get(panel_url(world, "access/"))

    assert activity.status_code == 403
    assert "E_DRM_4012" not in activity.content.decode()
    assert 'id="account-activity"' not in access.content.decode()


def test_an_expired_grant_shows_nothing(world: AccountWorld) -> None:
    grant = grant_activity(world)
    Grant.objects.filter(pk=grant.pk).update(expires_at=timezone.now())

    html = signed_in(world.agent).get(panel_url(world)).content.decode()

    assert "E_DRM_4012" not in html
    assert "grant-banner" not in html


def test_a_colleagues_grant_gives_this_agent_nothing(factory: Factory, world: AccountWorld) -> None:
    grant_activity(world)
    colleague = factory.user(Role.AGENT)

    html = signed_in(colleague).get(panel_url(world)).content.decode()

    assert "E_DRM_4012" not in html


def test_settings_under_a_settings_grant(world: AccountWorld) -> None:
    grant_activity(world, scope="settings")

    html = signed_in(world.agent).get(panel_url(world)).content.decode()

    assert 'id="account-settings"' in html
    assert 'id="account-activity"' not in html
    assert GrantUse.objects.get().what == "settings.read"


def test_requesting_access_from_the_panel_sends_the_customer_a_link(
    world: AccountWorld,
) -> None:
    response = signed_in(world.agent).post(
        panel_url(world, "access/request/"),
        {"scope": "activity", "minutes": "60", "reason": "To see the playback errors"},
    )

    assert response.status_code == 200
    assert "waiting for the customer" in response.content.decode()
    grant = Grant.objects.get()
    assert (grant.scope, grant.duration, grant.agent) == (
        "activity",
        timedelta(hours=1),
        world.agent,
    )
    reply = world.conversation.messages.get(direction=Direction.OUTBOUND)
    assert "/portal/account/access/" in reply.body_text
    assert f"/portal/grants/{grant.pk}/" not in reply.body_text


def test_more_than_24_hours_cannot_be_requested(world: AccountWorld) -> None:
    response = signed_in(world.agent).post(
        panel_url(world, "access/request/"),
        {"scope": "activity", "minutes": str(25 * 60), "reason": "x"},
    )

    assert response.status_code == 400
    assert not Grant.objects.exists()


def test_the_agent_ends_their_grant_from_the_panel(world: AccountWorld) -> None:
    grant = grant_activity(world)

    response = signed_in(world.agent).post(panel_url(world, f"access/{grant.pk}/end/"))

    assert response.status_code == 200
    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.REVOKED


def test_a_preview_says_what_changes_and_carries_one_key_for_a_double_click(
    world: AccountWorld,
) -> None:
    client = signed_in(world.agent)

    preview = client.post(
        panel_url(world, "actions/refund/preview/"), {"charge_id": "ch_1", "amount": "5"}
    )
    html = preview.content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html)

    assert preview.status_code == 200
    assert "What the customer is told" in html
    assert key is not None
    assert not Refund.objects.exists()
    data = {"charge_id": "ch_1", "amount": "5.00", "reason": "", "idempotency_key": key.group(1)}
    first = client.post(panel_url(world, "actions/refund/confirm/"), data)
    second = client.post(panel_url(world, "actions/refund/confirm/"), data)
    assert first.status_code == second.status_code == 200
    assert "done" in first.content.decode()
    assert Refund.objects.count() == 1
    assert AccountAction.objects.count() == 1


def test_a_spanish_preview_writes_every_amount_the_spanish_way(world: AccountWorld) -> None:
    # "What it costs" said "Se devuelven $5.00 al cliente." under "Se devuelven 5,00 $ ...".
    html = (
        signed_in(world.agent)
        .post(
            panel_url(world, "actions/refund/preview/"),
            {"charge_id": "ch_1", "amount": "5,00"},
            HTTP_ACCEPT_LANGUAGE="es",
        )
        .content.decode()
    )

    assert "Se devuelven 5,00 $ al cliente." in html
    assert "Se devuelven $5.00" not in html
    assert "We refunded $5.00 to your card" in html  # the customer writes English


def test_the_cancel_action_is_not_named_like_the_close_button(world: AccountWorld) -> None:
    # The form read "Cancel ... Preview | Cancel" (in Spanish "Cancelar ... | Cancelar").
    html = signed_in(world.agent).get(panel_url(world, "actions/cancel/")).content.decode()

    assert "Cancel the subscription" in html
    assert html.count(">Cancel<") == 1  # the button that closes the form


def test_a_refund_above_the_agents_limit_goes_for_approval(world: AccountWorld) -> None:
    client = signed_in(world.agent)
    world.charge.amount = 9000
    world.charge.save(update_fields=["amount"])

    response = client.post(
        panel_url(world, "actions/refund/confirm/"),
        {"charge_id": "ch_1", "amount": "60", "idempotency_key": "panel-key-123456"},
    )

    assert "Sent for supervisor approval" in response.content.decode()
    assert ApprovalRequest.objects.count() == 1
    assert not Refund.objects.exists()


def test_family_members_need_a_settings_grant(world: AccountWorld) -> None:
    response = signed_in(world.agent).post(
        panel_url(world, "actions/add_family_member/preview/"), {"email": "kid@example.test"}
    )

    assert response.status_code == 403


def test_the_checklists_insert_steps_in_the_customers_language(world: AccountWorld) -> None:
    world.conversation.language = "es"
    world.conversation.save(update_fields=["language"])

    html = signed_in(world.agent).get(panel_url(world)).content.decode()

    assert 'data-insert-reply="' in html
    assert "Cierra la app por completo" in html
    assert "Playback errors" in html  # the agent reads the titles in their own language


def test_agents_who_cannot_see_the_conversation_get_404_everywhere(
    factory: Factory, world: AccountWorld
) -> None:
    team = factory.team()
    world.conversation.team = team
    world.conversation.save(update_fields=["team"])
    world.agent.teams.add(team)
    grant = grant_activity(world)
    outsider = signed_in(factory.user(Role.AGENT, teams=[factory.team()]))

    gets = ["", "access/", "activity/", "actions/refund/"]
    posts = [
        "access/request/",
        f"access/{grant.pk}/end/",
        "actions/refund/preview/",
        "actions/refund/confirm/",
    ]
    for suffix in gets:
        assert outsider.get(panel_url(world, suffix)).status_code == 404, suffix
    for suffix in posts:
        assert outsider.post(panel_url(world, suffix), {}).status_code == 404, suffix
    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.ACTIVE


def test_signed_out_visitors_are_sent_to_sign_in(world: AccountWorld) -> None:
    response = Client().get(panel_url(world))

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_an_api_token_reads_the_activity_only_while_the_grant_is_in_force(
    world: AccountWorld,
) -> None:
    grant = grant_activity(world)
    headers = {"Authorization": f"Bearer {create_token(world.agent)[1]}"}
    client = Client()

    during = client.get(
        f"/api/grants/{grant.pk}/activity", {"only_errors": "true"}, headers=headers
    )
    grants.revoke_grant(world.contact, grant.pk)
    after = client.get(f"/api/grants/{grant.pk}/activity", headers=headers)

    assert during.status_code == 200
    assert [entry["code"] for entry in during.json()] == ["E_DRM_4012"]
    assert after.status_code == 403
    assert GrantUse.objects.get().detail == "API"


def test_a_supervisor_cannot_read_under_an_agents_grant(
    factory: Factory, world: AccountWorld
) -> None:
    grant = grant_activity(world)
    headers = {"Authorization": f"Bearer {create_token(world.supervisor)[1]}"}

    response = Client().get(f"/api/grants/{grant.pk}/activity", headers=headers)

    assert response.status_code == 403
    assert not GrantUse.objects.exists()


@pytest.mark.parametrize(
    ("typed", "cents"), [("5", 500), ("5.5", 550), ("$5.50", 550), ("5,50", 550), ("5,5.5", None)]
)
def test_amounts_are_typed_in_the_currency_not_in_cents(
    world: AccountWorld, typed: str, cents: int | None
) -> None:
    # The field read "Amount in cents": "10" refunded $0.10.
    world.charge.amount = 9000
    world.charge.save(update_fields=["amount"])
    client = signed_in(world.supervisor)
    form = client.get(panel_url(world, "actions/refund/")).content.decode()
    assert "Amount in USD (empty: what is left)" in form
    assert "in cents" not in form

    response = client.post(
        panel_url(world, "actions/refund/confirm/"),
        {"charge_id": "ch_1", "amount": typed, "idempotency_key": f"panel-key-{len(typed)}-x1"},
    )

    if cents is None:
        assert "Write an amount such as 12.50." in response.content.decode()
        assert not Refund.objects.exists()
    else:
        assert Refund.objects.get().amount == cents


def test_an_ambiguous_amount_is_asked_about_not_guessed(world: AccountWorld) -> None:
    html = (
        signed_in(world.agent)
        .post(
            panel_url(world, "actions/grant_credit/preview/"),
            {"amount": "1,500", "reason": "Sorry"},
        )
        .content.decode()
    )

    assert "a thousand or a decimal amount" in html
    assert 'value="1,500"' in html  # what was typed stays in the field


def test_credits_and_invoices_under_a_settings_grant_are_written_as_money(
    world: AccountWorld,
) -> None:
    # They read "500 / 500 USD" and "INV-1 · 1799 USD · paid", in cents and codes.
    Credit.objects.create(
        account=world.account, amount=500, remaining=250, currency="USD", reason="Outage"
    )
    Invoice.objects.create(
        account=world.account, number="INV-9", amount=1799, currency="USD", description="Duo"
    )
    grant_activity(world, scope="settings")

    english = signed_in(world.agent).get(panel_url(world, "access/")).content.decode()
    spanish = (
        signed_in(world.agent)
        .get(panel_url(world, "access/"), HTTP_ACCEPT_LANGUAGE="es")
        .content.decode()
    )

    assert "$2.50 left of $5.00 · Outage" in english
    assert "INV-9 · $17.99 · Paid" in english
    assert "quedan 2,50 $ de 5,00 $" in spanish
    assert "INV-9 · 17,99 $ · Pagado" in spanish
