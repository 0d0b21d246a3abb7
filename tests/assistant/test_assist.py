"""Agent assist in the conversation's side panel: suggested articles, macros and past
answers, insertable with one click; triage shown and correctable; access checked."""

from __future__ import annotations

from django.test import Client

from atiende.assistant import assist
from atiende.assistant.models import Macro, MacroText, Triage
from atiende.conversations.actions import change_status, change_team, send_reply
from atiende.conversations.models import Status
from atiende.people.models import Role
from tests.assistant.conftest import Categories, HelpCenter, Live
from tests.factories import Factory


def test_the_panel_suggests_articles_macros_and_past_answers(
    live: Live, factory: Factory, help_center: HelpCenter, categories: Categories, client: Client
) -> None:
    agent = factory.user(Role.AGENT, teams=[categories.billing])
    macro = Macro.objects.create(title="Ask for details", team=None)
    MacroText.objects.create(macro=macro, language="en", body="Could you tell us more?")
    other_team = Macro.objects.create(title="Technical only", team=categories.technical)
    MacroText.objects.create(macro=other_team, language="en", body="Reinstall the app.")
    # A past, solved conversation with an agent's answer to a similar question.
    past = factory.conversation(text="I forgot my password and cannot sign in")
    send_reply(agent, past, text="Use Forgot password on the sign-in page.")
    change_status(agent, past, Status.SOLVED)
    # ... and one the agent may not see (another team's): never suggested.
    hidden = factory.conversation(text="I forgot my password, what now?")
    send_reply(factory.user(Role.ADMIN), hidden, text="Secret answer for the other team.")
    change_team(factory.user(Role.ADMIN), hidden, categories.technical)
    change_status(factory.user(Role.ADMIN), hidden, Status.SOLVED)
    assist.forget_past_answers()
    with live():
        conversation = factory.conversation(text="Help, I forgot my password")
    client.force_login(agent)
    page = client.get(f"/inbox/c/{conversation.pk}/assistant/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-insert-reply="Reset your password: http' in html
    assert 'data-insert-reply="Could you tell us more?"' in html
    assert "Reinstall the app." not in html
    assert 'data-insert-reply="Use Forgot password on the sign-in page."' in html
    assert "Secret answer for the other team." not in html


def test_an_agent_who_cannot_see_the_conversation_gets_404(
    factory: Factory, categories: Categories, client: Client
) -> None:
    conversation = factory.conversation(text="The music stops")
    change_team(factory.user(Role.ADMIN), conversation, categories.technical)
    outsider = factory.user(Role.AGENT, teams=[categories.billing])
    client.force_login(outsider)
    assert client.get(f"/inbox/c/{conversation.pk}/assistant/").status_code == 404
    response = client.post(
        f"/inbox/c/{conversation.pk}/assistant/category/",
        {"category": categories.refund.pk},
    )
    assert response.status_code == 404
    assert client.post(f"/inbox/c/{conversation.pk}/assistant/team/").status_code == 404
    assert not Triage.objects.filter(conversation=conversation, label__isnull=False).exists()


def test_an_agent_corrects_the_category_from_the_panel(
    live: Live, factory: Factory, categories: Categories, client: Client
) -> None:
    with live():
        conversation = factory.conversation(text="The music stops")
    agent = factory.user(Role.AGENT, teams=[categories.billing])
    client.force_login(agent)
    response = client.post(
        f"/inbox/c/{conversation.pk}/assistant/category/",
        {"category": categories.refund.pk, "apply_team": "1"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Category saved." in response.content.decode()
    row = Triage.objects.get(conversation=conversation)
    assert (row.label, row.labelled_by) == (categories.refund, agent)
    conversation.refresh_from_db()
    assert conversation.team == categories.billing


def test_the_suggested_team_is_applied_in_one_click(
    factory: Factory, categories: Categories, client: Client
) -> None:
    conversation = factory.conversation(text="The music stops")
    Triage.objects.update_or_create(
        conversation=conversation,
        defaults={"category": categories.playback, "suggested_team": categories.technical},
    )
    supervisor = factory.user(Role.SUPERVISOR)
    client.force_login(supervisor)
    page = client.get(f"/inbox/c/{conversation.pk}/assistant/")
    assert "Move to Technical" in page.content.decode()
    response = client.post(f"/inbox/c/{conversation.pk}/assistant/team/")
    assert response.status_code == 200
    conversation.refresh_from_db()
    assert conversation.team == categories.technical
