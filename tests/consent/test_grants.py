"""Access grants: scope and duration limits, owner-only approval, single-use links, revoking by
either side, expiry, and the log of every use."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.mail import EmailMessage
from django.utils import timezone

from atiende.consent import grants
from atiende.consent.models import Grant, GrantStatus, GrantUse
from atiende.conversations.models import Conversation, Direction
from atiende.core.errors import ActionError, Conflict, NotAllowed, NotFound
from atiende.core.models import Event
from atiende.people.models import Role, User
from tests.factories import Factory

HOUR = timedelta(hours=1)


def ask(agent: User, conversation: Conversation, scope: str = "activity") -> Grant:
    return grants.request_grant(
        agent,
        conversation.contact,
        scope=scope,
        duration=HOUR,
        reason="Your songs stop after ten seconds",
        conversation=conversation,
    )


def test_a_request_reaches_the_customer_as_a_public_reply_with_a_single_use_link(
    agent: User,
    conversation: Conversation,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        grant = ask(agent, conversation)

    reply = conversation.messages.filter(direction=Direction.OUTBOUND).get()
    # The agent reads the conversation: the single-use link must not be there, or the agent
    # could approve their own request. It goes to the customer's address alone.
    assert grant.approval_token not in reply.body_text
    assert "/portal/account/access/" in reply.body_text
    assert "Your songs stop after ten seconds" in reply.body_text
    (email,) = mailoutbox
    assert email.to == [conversation.contact.email]
    assert f"/portal/grants/{grant.pk}/{grant.approval_token}/" in str(email.body)
    assert len(grant.approval_token) >= 43  # 256 bits in base64
    assert grant.approval_token not in Grant.objects.get(pk=grant.pk).token_hash
    assert grant.status == GrantStatus.PENDING
    assert Event.objects.filter(kind="consent.requested", conversation=conversation).exists()
    assert grants.active_grant(agent, conversation.contact, "activity") is None


def test_the_request_is_written_in_the_customers_language(
    agent: User, conversation: Conversation
) -> None:
    conversation.language = "es"
    conversation.save(update_fields=["language"])

    ask(agent, conversation)

    reply = conversation.messages.filter(direction=Direction.OUTBOUND).get()
    assert "acceso" in reply.body_text


@pytest.mark.parametrize(
    ("scope", "duration", "reason"),
    [
        ("payments", HOUR, "why"),
        ("activity", timedelta(hours=24, seconds=1), "why"),
        ("activity", timedelta(seconds=10), "why"),
        ("activity", HOUR, "   "),
    ],
)
def test_bad_requests_are_refused(
    agent: User, conversation: Conversation, scope: str, duration: timedelta, reason: str
) -> None:
    with pytest.raises(ActionError):
        grants.request_grant(
            agent, conversation.contact, scope=scope, duration=duration, reason=reason
        )
    assert not Grant.objects.exists()


def test_twenty_four_hours_is_the_longest_grant(agent: User, conversation: Conversation) -> None:
    grant = grants.request_grant(
        agent, conversation.contact, scope="settings", duration=timedelta(hours=24), reason="x"
    )
    assert grant.duration == timedelta(hours=24)


def test_an_agent_cannot_ask_about_a_customer_they_cannot_see(
    factory: Factory, conversation: Conversation
) -> None:
    team = factory.team()
    conversation.team = team
    conversation.save(update_fields=["team"])
    outsider = factory.user(teams=[factory.team()])

    with pytest.raises(NotFound):
        grants.request_grant(
            outsider, conversation.contact, scope="activity", duration=HOUR, reason="x"
        )


def test_the_owner_approves_with_the_link_and_the_agent_gets_access_for_the_duration(
    agent: User, conversation: Conversation
) -> None:
    grant = ask(agent, conversation)

    approved = grants.approve_grant(None, grant.pk, grant.approval_token)

    assert approved.status == GrantStatus.ACTIVE
    assert approved.expires_at is not None
    assert abs((approved.expires_at - timezone.now()) - HOUR) < timedelta(seconds=5)
    assert grants.require_grant(agent, conversation.contact, "activity").pk == grant.pk
    # Only within its scope, and only for the agent who asked.
    assert grants.active_grant(agent, conversation.contact, "settings") is None
    assert Event.objects.filter(
        kind="consent.approved", actor_contact=conversation.contact
    ).exists()


def test_someone_else_signed_in_cannot_approve(
    factory: Factory, agent: User, conversation: Conversation
) -> None:
    grant = ask(agent, conversation)
    stranger = factory.contact(email="mallory@example.test")

    with pytest.raises(NotAllowed):
        grants.approve_grant(stranger, grant.pk, grant.approval_token)
    with pytest.raises(NotAllowed):
        grants.approve_grant(stranger, grant.pk)
    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.PENDING


def test_a_wrong_token_or_no_proof_at_all_is_refused(
    agent: User, conversation: Conversation
) -> None:
    grant = ask(agent, conversation)

    with pytest.raises(NotFound):
        grants.approve_grant(None, grant.pk, "x" * 43)
    with pytest.raises(NotAllowed):
        grants.approve_grant(None, grant.pk, None)


def test_a_replayed_link_is_refused(agent: User, conversation: Conversation) -> None:
    grant = ask(agent, conversation)
    grants.deny_grant(None, grant.pk, grant.approval_token)

    with pytest.raises(Conflict):
        grants.approve_grant(None, grant.pk, grant.approval_token)
    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.DENIED
    assert grants.active_grant(agent, conversation.contact, "activity") is None


def test_an_expired_link_is_refused(agent: User, conversation: Conversation) -> None:
    grant = ask(agent, conversation)
    Grant.objects.filter(pk=grant.pk).update(request_expires_at=timezone.now())

    with pytest.raises(Conflict):
        grants.approve_grant(conversation.contact, grant.pk, grant.approval_token)
    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.EXPIRED


def test_the_signed_in_owner_approves_without_the_link(
    agent: User, conversation: Conversation
) -> None:
    grant = ask(agent, conversation)

    grants.approve_grant(conversation.contact, grant.pk)

    assert grants.active_grant(agent, conversation.contact, "activity") is not None


def test_the_customer_revokes_and_access_stops_at_once(
    agent: User, conversation: Conversation
) -> None:
    grant = ask(agent, conversation)
    grants.approve_grant(conversation.contact, grant.pk)

    grants.revoke_grant(conversation.contact, grant.pk)

    assert grants.active_grant(agent, conversation.contact, "activity") is None
    with pytest.raises(NotAllowed):
        grants.require_grant(agent, conversation.contact, "activity")
    with pytest.raises(NotAllowed):
        grants.record_use(grant, "activity.read")
    event = Event.objects.get(kind="consent.revoked")
    assert event.conversation_id == conversation.pk
    assert event.actor_contact_id == conversation.contact_id


def test_the_agent_revokes_their_own_grant_but_not_a_colleagues(
    factory: Factory, agent: User, conversation: Conversation
) -> None:
    grant = ask(agent, conversation)
    grants.approve_grant(conversation.contact, grant.pk)
    colleague = factory.user()

    with pytest.raises(NotFound):
        grants.revoke_grant(colleague, grant.pk)
    grants.revoke_grant(agent, grant.pk)

    assert Grant.objects.get(pk=grant.pk).status == GrantStatus.REVOKED
    with pytest.raises(Conflict):
        grants.revoke_grant(agent, grant.pk)


def test_a_supervisor_may_end_any_grant(
    factory: Factory, agent: User, conversation: Conversation
) -> None:
    grant = ask(agent, conversation)
    grants.approve_grant(conversation.contact, grant.pk)

    grants.revoke_grant(factory.user(role=Role.SUPERVISOR), grant.pk)

    assert grants.active_grant(agent, conversation.contact, "activity") is None


def test_another_customer_cannot_revoke(
    factory: Factory, agent: User, conversation: Conversation
) -> None:
    grant = ask(agent, conversation)
    grants.approve_grant(conversation.contact, grant.pk)

    with pytest.raises(NotFound):
        grants.revoke_grant(factory.contact(email="eve@example.test"), grant.pk)


def test_expiry_stops_access_by_itself_and_the_task_records_it(
    agent: User, conversation: Conversation
) -> None:
    grant = ask(agent, conversation)
    grants.approve_grant(conversation.contact, grant.pk)
    Grant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert grants.active_grant(agent, conversation.contact, "activity") is None
    assert Grant.objects.get(pk=grant.pk).effective_status() == GrantStatus.EXPIRED
    assert grants.expire_grant(grant.pk) is True
    assert grants.expire_grant(grant.pk) is False
    assert Event.objects.filter(kind="consent.expired", conversation=conversation).count() == 1


def test_every_use_is_logged_for_the_customer_without_refreshing_the_agents_page(
    agent: User, conversation: Conversation
) -> None:
    grant = ask(agent, conversation)
    grants.approve_grant(conversation.contact, grant.pk)

    grants.record_use(grant, "activity.read", "errors, last 7 days")

    use = GrantUse.objects.get()
    assert (use.what, use.detail) == ("activity.read", "errors, last 7 days")
    assert [g.pk for g in grants.grants_for_contact(conversation.contact)] == [grant.pk]
    event = Event.objects.get(kind="consent.used")
    assert event.contact_id == conversation.contact_id
    assert event.conversation_id is None


def test_repeated_reads_share_a_row_while_every_action_gets_its_own(
    agent: User, conversation: Conversation
) -> None:
    grant = ask(agent, conversation, scope="settings")
    grants.approve_grant(conversation.contact, grant.pk)

    for _reload in range(5):
        grants.record_use(grant, "settings.read")
    grants.record_use(grant, "activity.read", "errors only")  # another thing read
    grants.record_use(grant, "settings.change", "add_family_member")
    grants.record_use(grant, "settings.change", "add_family_member")

    rows = sorted(GrantUse.objects.values_list("what", "detail", "count"))
    assert rows == [
        ("activity.read", "errors only", 1),
        ("settings.change", "add_family_member", 1),
        ("settings.change", "add_family_member", 1),
        ("settings.read", "", 5),
    ]
    read = GrantUse.objects.get(what="settings.read")
    assert read.last_at >= read.created_at
    # Audit: one event per action, one per distinct read row.
    assert Event.objects.filter(kind="consent.used").count() == 4


def test_a_read_after_the_window_starts_a_new_row(
    agent: User, conversation: Conversation, settings: Any
) -> None:
    settings.ATIENDE_GRANT_READ_DEDUP_SECONDS = 60
    grant = ask(agent, conversation)
    grants.approve_grant(conversation.contact, grant.pk)
    grants.record_use(grant, "activity.read", "errors only")
    GrantUse.objects.update(created_at=timezone.now() - timedelta(seconds=61))

    grants.record_use(grant, "activity.read", "errors only")

    assert list(GrantUse.objects.order_by("pk").values_list("count", flat=True)) == [1, 1]


def test_with_no_window_every_read_is_its_own_row(
    agent: User, conversation: Conversation, settings: Any
) -> None:
    settings.ATIENDE_GRANT_READ_DEDUP_SECONDS = 0
    grant = ask(agent, conversation)
    grants.approve_grant(conversation.contact, grant.pk)

    grants.record_use(grant, "activity.read")
    grants.record_use(grant, "activity.read")

    assert GrantUse.objects.count() == 2


def test_a_read_under_an_ended_grant_is_refused_not_counted(
    agent: User, conversation: Conversation
) -> None:
    grant = ask(agent, conversation)
    grants.approve_grant(conversation.contact, grant.pk)
    grants.record_use(grant, "activity.read")
    grants.revoke_grant(conversation.contact, grant.pk)

    with pytest.raises(NotAllowed):
        grants.record_use(grant, "activity.read")
    assert GrantUse.objects.get().count == 1


@pytest.mark.parametrize(
    "setting", ["email", "password", "2FA", "two-factor", "payout_address", "api_keys"]
)
def test_protected_settings_can_never_be_changed_under_a_grant(setting: str) -> None:
    with pytest.raises(NotAllowed):
        grants.check_setting_changeable(setting)


def test_ordinary_settings_may_be_changed() -> None:
    grants.check_setting_changeable("audio_quality")
