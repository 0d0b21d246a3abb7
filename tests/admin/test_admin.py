"""The Django admin: every page opens, the event log cannot be changed, secrets rotate."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from atiende.conversations.actions import add_note, send_reply, tag
from atiende.core import tasks
from atiende.core.models import Event, Task, TaskStatus
from atiende.inboxes.models import Inbox
from atiende.mail.models import BlockedSender, ImapFolderState
from atiende.mail.pipeline import ingest
from atiende.people.models import Role, User
from tests.factories import Factory


@pytest.fixture
def admin_user(factory: Factory) -> User:
    return factory.user(role=Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(admin_user: User) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def populated(factory: Factory, admin_user: User) -> None:
    """At least one object of every model the admin shows."""
    team = factory.team("Billing")
    admin_user.teams.add(team)
    conversation = factory.conversation(email="ana.pena@example.test")
    send_reply(admin_user, conversation, text="Hola, Ana: ya está resuelto.")
    add_note(admin_user, conversation, text="Checked with the payment provider.")
    tag(admin_user, conversation, add=["billing"])
    tasks.drain()


@pytest.fixture
def email_objects(factory: Factory) -> None:
    """One object of each email-channel model."""
    mailbox = factory.inbox(channel="email", config={"address": "support@sonora.test"})
    raw = b"From: ana@example.test\r\nSubject: Hola\r\n\r\nHola"
    ingest(mailbox, raw, source="upload", source_key="upload:1")
    BlockedSender.objects.create(inbox=mailbox, pattern="spam.example")
    ImapFolderState.objects.create(inbox=mailbox, folder="INBOX", uidvalidity=1, last_uid=1)
    tasks.drain()


@pytest.fixture
def domain_objects(factory: Factory, admin_user: User) -> None:
    """One object of each model the chat, workflow, help-center and assistant admins show."""
    from atiende.assistant.models import BotPolicy, Category, Macro
    from atiende.automations.models import Rule
    from atiende.chat.models import ChatWidget, Visitor
    from atiende.helpcenter import actions as helpcenter
    from atiende.helpcenter.models import ArticleFeedback
    from atiende.sla.models import Policy, Target
    from atiende.social.models import WebhookEvent
    from atiende.webhooks import actions as webhooks
    from atiende.workflow.models import AgentProfile, InboxSchedule

    chat_inbox = factory.inbox(channel="chat")
    widget = ChatWidget.objects.create(inbox=chat_inbox)
    Visitor.objects.create(widget=widget, token_hash="0" * 64, visitor_id="ana-visitor")
    InboxSchedule.objects.create(inbox=chat_inbox)
    AgentProfile.objects.create(user=admin_user)
    category = helpcenter.create_category(None, language="en", name="Plans")
    section = helpcenter.create_section(None, category, language="en", name="Your plan")
    article = helpcenter.create_article(
        None, section, language="en", title="Change your plan", body="Anytime."
    )
    ArticleFeedback.objects.create(translation=article, helpful=True)
    Category.objects.create(slug="billing", name="Billing")
    Macro.objects.create(title="Refund policy")
    BotPolicy.objects.create()
    endpoint = webhooks.create_endpoint(None, url="https://crm.example.test/hooks", kinds=["*"])
    webhooks.send_ping(None, endpoint)  # a delivery in the log (queued, not sent)
    telegram = factory.inbox(channel="telegram")  # a social inbox, and a delivery it stored
    WebhookEvent.objects.create(inbox=telegram, key="update:1", body='{"update_id": 1}')
    Rule.objects.create(name="Urgent words", trigger="created", words="urgent")
    policy = Policy.objects.create(name="Standard")  # no inboxes: every conversation
    Target.objects.create(
        policy=policy,
        priority="normal",
        first_reply_minutes=60,
        next_reply_minutes=120,
        resolution_minutes=1440,
    )
    factory.conversation(email="leo@example.test")  # gets its clocks from the policy
    tasks.drain()


def _url(model: type[Model], view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.django_db
@pytest.mark.usefixtures("populated", "email_objects", "domain_objects")
def test_every_changelist_and_change_page_opens(admin_client: Client) -> None:
    models = [model for model in admin.site._registry if model._meta.app_label != "auth"]
    labels = {model._meta.label for model in models}
    assert {
        "people.User",
        "people.Team",
        "people.Contact",
        "inboxes.Inbox",
        "conversations.Conversation",
        "conversations.Tag",
        "core.Event",
        "core.Task",
        "search.SearchDocument",
    } <= labels
    for model in models:
        changelist = admin_client.get(_url(model, "changelist"))
        assert changelist.status_code == 200, model
        searched = admin_client.get(_url(model, "changelist"), {"q": "ana"})
        assert searched.status_code == 200, model
        first = model._default_manager.order_by("pk").first()
        assert first is not None, model
        change = admin_client.get(_url(model, "change", first.pk))
        assert change.status_code == 200, model


@pytest.mark.django_db
def test_configuration_can_be_added(admin_client: Client) -> None:
    for label in ("people_user", "people_team", "inboxes_inbox", "conversations_tag"):
        assert admin_client.get(reverse(f"admin:{label}_add")).status_code == 200


@pytest.mark.django_db
@pytest.mark.usefixtures("populated")
def test_events_cannot_be_added_changed_or_deleted(admin_client: Client) -> None:
    event = Event.objects.order_by("pk").first()
    assert event is not None
    count = Event.objects.count()
    kind = event.kind

    assert admin_client.get(_url(Event, "add")).status_code == 403
    assert admin_client.post(_url(Event, "change", event.pk), {"kind": "x"}).status_code == 403
    assert admin_client.get(_url(Event, "delete", event.pk)).status_code == 403
    assert admin_client.post(_url(Event, "delete", event.pk), {"post": "yes"}).status_code == 403
    page = admin_client.get(_url(Event, "changelist"))
    assert b"delete_selected" not in page.content
    admin_client.post(
        _url(Event, "changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )

    assert Event.objects.count() == count
    event.refresh_from_db()
    assert event.kind == kind


@pytest.mark.django_db
@pytest.mark.usefixtures("populated")
def test_conversations_are_read_only_in_admin(admin_client: Client) -> None:
    conversation = Inbox.objects.get().conversations.get()
    response = admin_client.post(
        _url(type(conversation), "change", conversation.pk), {"status": "closed"}
    )
    assert response.status_code == 403
    conversation.refresh_from_db()
    assert conversation.status == "open"


@pytest.mark.django_db
def test_rotate_signing_secret_keeps_the_old_one_as_previous(
    admin_client: Client, factory: Factory
) -> None:
    inbox = factory.inbox(channel="api")
    untouched = factory.inbox(channel="api")
    old_secret, other_secret = inbox.secret, untouched.secret

    page = admin_client.get(_url(Inbox, "change", inbox.pk))
    assert old_secret not in page.content.decode()
    response = admin_client.post(
        _url(Inbox, "changelist"),
        {"action": "rotate_secret", "_selected_action": [inbox.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Rotated the signing secret of 1 inbox" in response.content.decode()
    inbox.refresh_from_db()
    untouched.refresh_from_db()
    assert inbox.previous_secret == old_secret
    assert inbox.secret not in {"", old_secret}
    assert len(inbox.secret) >= 32
    assert untouched.secret == other_secret
    assert untouched.previous_secret == ""
    assert Event.objects.filter(kind="inbox.secret_rotated", data__inbox_id=inbox.pk).exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("populated")
def test_retry_failed_tasks_queues_them_again(admin_client: Client) -> None:
    failed = Task.objects.get()
    Task.objects.filter(pk=failed.pk).update(status=TaskStatus.FAILED, last_error="boom")

    response = admin_client.post(
        _url(Task, "changelist"),
        {"action": "retry_failed", "_selected_action": [failed.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Queued 1 failed task again." in response.content.decode()
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (TaskStatus.PENDING, 0, "")


@pytest.mark.django_db
def test_staff_without_permissions_cannot_retry_tasks(factory: Factory) -> None:
    staff = factory.user(role=Role.SUPERVISOR, is_staff=True)
    client = Client()
    client.force_login(staff)
    assert client.get(_url(Task, "changelist")).status_code == 403
