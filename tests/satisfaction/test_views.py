"""The survey page the link opens (rating, changing it, refusals) and what agents see: the
conversation's timeline and the satisfaction panel."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.test import Client

from atiende.conversations.models import Conversation
from atiende.core.models import Event
from atiende.people.models import Role, User
from atiende.satisfaction import tokens
from atiende.satisfaction.actions import MAX_COMMENT_LENGTH
from atiende.satisfaction.models import Rating, Survey
from tests.factories import Factory
from tests.satisfaction.conftest import link_path, solved_conversation

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def solved(factory: Factory) -> tuple[User, Conversation, Survey]:
    agent, conversation = solved_conversation(factory)
    return agent, conversation, Survey.objects.get(conversation=conversation)


def rated_events(conversation: Conversation) -> list[Event]:
    return list(Event.objects.filter(conversation=conversation, kind="satisfaction.rated"))


def test_opening_the_link_shows_the_choice_and_records_nothing(
    client: Client, solved: tuple[User, Conversation, Survey]
) -> None:
    _agent, _conversation, survey = solved
    page = client.get(link_path(survey, Rating.BAD))

    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="bad" required id="id_rating_1" checked' in html
    assert 'value="good" required id="id_rating_0">' in html
    survey.refresh_from_db()
    assert survey.rating == ""


def test_the_customer_rates_and_agents_see_it(
    client: Client, solved: tuple[User, Conversation, Survey]
) -> None:
    agent, conversation, survey = solved
    path = link_path(survey, Rating.GOOD)
    page = client.post(path, {"rating": "good", "comment": "Quick and kind, thanks"})

    assert page.status_code == 200
    assert "Thank you for your answer!" in page.content.decode()
    survey.refresh_from_db()
    assert (survey.rating, survey.comment) == (Rating.GOOD, "Quick and kind, thanks")
    [event] = rated_events(conversation)
    assert event.actor_contact_id == conversation.contact_id

    client.force_login(agent)
    timeline = client.get(conversation.get_absolute_url()).content.decode()
    assert "The customer rated the help: Good: “Quick and kind, thanks”" in timeline
    panel = client.get(f"/inbox/c/{conversation.pk}/satisfaction/").content.decode()
    assert "Good" in panel
    assert "Quick and kind, thanks" in panel


def test_the_same_answer_twice_changes_nothing(
    client: Client, solved: tuple[User, Conversation, Survey]
) -> None:
    _agent, conversation, survey = solved
    path = link_path(survey, Rating.GOOD)
    client.post(path, {"rating": "good", "comment": ""})
    replay = client.post(path, {"rating": "good", "comment": ""})

    assert replay.status_code == 200
    assert "We already have this answer." in replay.content.decode()
    assert len(rated_events(conversation)) == 1


def test_the_customer_may_change_the_rating_while_the_link_is_valid(
    client: Client, solved: tuple[User, Conversation, Survey]
) -> None:
    _agent, conversation, survey = solved
    path = link_path(survey, Rating.GOOD)
    client.post(path, {"rating": "good"})
    client.post(path, {"rating": "bad", "comment": "It broke again"})

    survey.refresh_from_db()
    assert (survey.rating, survey.comment) == (Rating.BAD, "It broke again")
    assert [e.data["previous"] for e in rated_events(conversation)] == ["", "good"]


def test_a_forged_token_gets_a_clear_page(client: Client, factory: Factory) -> None:
    forged = signing.dumps({"s": 1}, salt="another purpose")
    page = client.get(f"/survey/{forged}/")

    assert page.status_code == 404
    assert "This survey link is not valid." in page.content.decode()


def test_an_expired_link_gets_a_clear_page(
    client: Client, solved: tuple[User, Conversation, Survey], monkeypatch: pytest.MonkeyPatch
) -> None:
    _agent, _conversation, survey = solved
    signed_long_ago = time.time() - tokens.max_age() - 60
    monkeypatch.setattr(time, "time", lambda: signed_long_ago)
    token = tokens.make_token(survey.pk)
    monkeypatch.undo()

    page = client.post(f"/survey/{token}/", {"rating": "good"})

    assert page.status_code == 410
    assert "This survey link has expired." in page.content.decode()
    survey.refresh_from_db()
    assert survey.rating == ""


def test_a_huge_comment_is_refused_with_the_form_kept(
    client: Client, solved: tuple[User, Conversation, Survey]
) -> None:
    _agent, conversation, survey = solved
    page = client.post(
        link_path(survey), {"rating": "bad", "comment": "x" * (MAX_COMMENT_LENGTH + 1)}
    )

    assert page.status_code == 400
    assert "Please check the form." in page.content.decode()
    assert rated_events(conversation) == []


def test_a_missing_rating_is_asked_for(
    client: Client, solved: tuple[User, Conversation, Survey]
) -> None:
    _agent, _conversation, survey = solved
    page = client.post(link_path(survey), {"comment": "no choice"})

    assert page.status_code == 400
    assert "Choose Good or Bad." in page.content.decode()


def test_secrets_in_a_comment_are_masked(
    client: Client, solved: tuple[User, Conversation, Survey]
) -> None:
    _agent, _conversation, survey = solved
    client.post(link_path(survey), {"rating": "bad", "comment": "my card 4111 1111 1111 1111"})

    survey.refresh_from_db()
    assert "4111 1111 1111 1111" not in survey.comment
    assert survey.comment.endswith("1111")


def test_the_page_speaks_the_surveys_language(client: Client, factory: Factory) -> None:
    _agent, conversation = solved_conversation(factory, inbox=factory.inbox(language="es"))
    survey = Survey.objects.get(conversation=conversation)

    form = client.get(link_path(survey, Rating.GOOD)).content.decode()
    done = client.post(link_path(survey), {"rating": "good"}).content.decode()

    assert "Valora la ayuda que recibiste" in form
    assert "¡Gracias por tu respuesta!" in done


def test_an_agent_who_cannot_see_the_conversation_gets_no_panel(
    client: Client, factory: Factory, solved: tuple[User, Conversation, Survey]
) -> None:
    _agent, conversation, _survey = solved
    team = factory.team()
    conversation.team = team
    conversation.save(update_fields=["team"])
    Conversation.objects.filter(pk=conversation.pk).update(assignee=None)
    outsider = factory.user(Role.AGENT, teams=[factory.team()])

    client.force_login(outsider)
    assert client.get(f"/inbox/c/{conversation.pk}/satisfaction/").status_code == 404
