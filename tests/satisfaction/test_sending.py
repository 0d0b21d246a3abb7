"""Sending the survey: once per solve, through the conversation's channel, in the customer's
language; never when the inbox turned it off, nobody can be reached, the bot resolved it, or
the customer already answered the previous solve's survey."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from atiende.assistant.actions import resolve_by_bot
from atiende.conversations import actions
from atiende.conversations.models import Conversation, Direction, Status
from atiende.core import tasks
from atiende.core.models import Event
from atiende.inboxes.models import ChannelKind
from atiende.people.models import Role
from atiende.satisfaction.actions import rate, send_survey, set_surveys_enabled
from atiende.satisfaction.models import Rating, Survey, SurveySettings
from tests.factories import Factory
from tests.satisfaction.conftest import solve, solved_conversation, survey_mails

pytestmark = pytest.mark.django_db(transaction=True)


def test_solving_sends_one_survey_through_the_conversations_channel(factory: Factory) -> None:
    _agent, conversation = solved_conversation(factory)

    survey = Survey.objects.get(conversation=conversation)
    assert survey.message is not None
    assert survey.message.direction == Direction.BOT
    assert survey.message.delivery_status == "sent"
    assert survey.agent_id == conversation.assignee_id
    assert "How would you rate the help you got" in survey.message.body_text
    mails = survey_mails()
    assert [m.to for m in mails] == [[conversation.contact.email]]
    assert Event.objects.filter(conversation=conversation, kind="satisfaction.requested").count()
    assert Conversation.objects.get(pk=conversation.pk).status == Status.SOLVED


def test_the_survey_is_written_in_the_conversations_language(factory: Factory) -> None:
    inbox = factory.inbox(language="es")
    _agent, conversation = solved_conversation(factory, inbox=inbox)

    survey = Survey.objects.get(conversation=conversation)
    assert survey.language == "es"
    assert survey.message is not None
    assert "¿Qué te pareció la ayuda" in survey.message.body_text
    assert "Buena: " in survey.message.body_text


def test_a_repeated_task_sends_nothing_more(factory: Factory) -> None:
    _agent, conversation = solved_conversation(factory)
    solve_event = Event.objects.get(
        conversation=conversation, kind="conversation.status_changed", data__to="solved"
    )

    assert send_survey(conversation.pk, solve_event.pk) is None
    assert Survey.objects.filter(conversation=conversation).count() == 1
    assert len(survey_mails()) == 1


def test_each_solve_asks_again_while_the_last_survey_went_unanswered(factory: Factory) -> None:
    agent, conversation = solved_conversation(factory)
    actions.change_status(agent, conversation, Status.OPEN)
    solve(agent, conversation)

    assert Survey.objects.filter(conversation=conversation).count() == 2


def test_a_customer_who_answered_the_last_solves_survey_is_not_asked_again(
    factory: Factory,
) -> None:
    agent, conversation = solved_conversation(factory)
    rate(Survey.objects.get(conversation=conversation).pk, Rating.GOOD)
    actions.change_status(agent, conversation, Status.OPEN)
    solve(agent, conversation)

    assert Survey.objects.filter(conversation=conversation).count() == 1


def test_a_conversation_reopened_before_the_worker_ran_gets_no_survey(factory: Factory) -> None:
    agent = factory.user()
    conversation = factory.conversation()
    actions.change_status(agent, conversation, Status.SOLVED)
    actions.change_status(agent, conversation, Status.OPEN)
    tasks.drain()

    assert not Survey.objects.filter(conversation=conversation).exists()


def test_an_inbox_with_surveys_off_sends_none(factory: Factory) -> None:
    inbox = factory.inbox()
    set_surveys_enabled(inbox, False)
    _agent, conversation = solved_conversation(factory, inbox=inbox)

    assert not Survey.objects.filter(conversation=conversation).exists()
    assert survey_mails() == []


def test_a_customer_the_channel_cannot_reach_gets_none(factory: Factory) -> None:
    # The API channel carries nothing back: integrators read the conversation.
    _agent, conversation = solved_conversation(factory, inbox=factory.inbox(ChannelKind.API))

    assert not Survey.objects.filter(conversation=conversation).exists()


def test_a_conversation_the_bot_resolved_gets_none(factory: Factory) -> None:
    conversation = factory.conversation()
    resolve_by_bot(conversation, actor_contact=conversation.contact)
    tasks.drain()

    conversation.refresh_from_db()
    assert conversation.status == Status.SOLVED
    assert not Survey.objects.filter(conversation=conversation).exists()


def test_an_admin_turns_the_survey_off_for_an_inbox(factory: Factory, client: Client) -> None:
    inbox = factory.inbox()
    assert SurveySettings.objects.get(inbox=inbox).enabled
    client.force_login(factory.user(Role.ADMIN, is_staff=True, is_superuser=True))

    changed = client.post(
        reverse("admin:satisfaction_surveysettings_change", args=[inbox.pk]), {"enabled": ""}
    )

    assert changed.status_code == 302
    _agent, conversation = solved_conversation(factory, inbox=inbox)
    assert not Survey.objects.filter(conversation=conversation).exists()
