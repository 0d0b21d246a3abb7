"""The reports page: who may read it, and each figure against conversations built through the
real actions (replies, solves, triage labels, survey ratings)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from atiende.assistant.models import Category, Triage
from atiende.conversations import actions
from atiende.conversations.models import Conversation, Status
from atiende.core import tasks
from atiende.people.models import Role, Team, User
from atiende.reports.queries import build_report
from atiende.satisfaction.actions import rate
from atiende.satisfaction.models import Rating, Survey
from tests.factories import Factory

pytestmark = pytest.mark.django_db(transaction=True)


def created_ago(conversation: Conversation, **ago: float) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(
        created_at=timezone.now() - timedelta(**ago)
    )


def categorise(conversation: Conversation, category: Category) -> None:
    Triage.objects.update_or_create(conversation=conversation, defaults={"category": category})


@pytest.fixture
def team(factory: Factory) -> Team:
    return factory.team("Billing")


@pytest.fixture
def ana(factory: Factory, team: Team) -> User:
    return factory.user(Role.AGENT, teams=[team], username="ana")


def test_agents_are_refused_and_supervisors_read_the_page(client: Client, factory: Factory) -> None:
    client.force_login(factory.user(Role.AGENT))
    assert client.get("/inbox/reports/").status_code == 403
    assert client.get("/inbox/reports/table.csv").status_code == 403

    client.force_login(factory.user(Role.SUPERVISOR))
    page = client.get("/inbox/reports/")
    assert page.status_code == 200
    assert "Conversations created per day" in page.content.decode()


def test_volume_per_day_and_channel_in_the_chosen_period(factory: Factory) -> None:
    webform = factory.inbox()
    email = factory.inbox(channel="email")
    today = factory.conversation(webform)
    factory.conversation(email)
    old = factory.conversation(webform)
    created_ago(today, hours=1)
    created_ago(old, days=20)

    week = build_report(7)
    month = build_report(30)

    assert week.total.conversations == 2
    assert sum(count for _day, count in week.per_day) == 2
    assert len(week.per_day) == 8  # seven days back to today, both ends
    assert sorted(week.by_channel) == [("Email", 1), ("Help form", 1)]
    assert month.total.conversations == 3
    assert ("Help form", 2) in month.by_channel


def test_top_categories_with_their_trend(factory: Factory) -> None:
    refund = Category.objects.create(slug="refund", name="Refund")
    login = Category.objects.create(slug="login", name="Sign-in")
    for ago in (1, 2, 3):
        conversation = factory.conversation()
        created_ago(conversation, days=ago)
        categorise(conversation, refund)
    earlier = factory.conversation()
    created_ago(earlier, days=10)
    categorise(earlier, login)
    relabelled = factory.conversation()
    created_ago(relabelled, days=2)
    Triage.objects.create(conversation=relabelled, category=refund, label=login)

    report = build_report(7)

    assert [(c.name, c.count, c.previous) for c in report.categories] == [
        ("Refund", 3, 0),
        ("Sign-in", 1, 1),
    ]


def test_medians_of_first_response_and_resolution(factory: Factory, ana: User) -> None:
    conversations = [factory.conversation() for _ in range(3)]
    for hours, conversation in zip((1, 2, 6), conversations, strict=True):
        created_ago(conversation, hours=hours)
        actions.send_reply(ana, conversation, text="On it.", status=Status.SOLVED)

    report = build_report(7)

    # Replied and solved just now: 1 h, 2 h and 6 h after creation.
    assert report.total.first_response == pytest.approx(2 * 3600, abs=60)
    assert report.total.resolution == pytest.approx(2 * 3600, abs=60)
    [row] = [row for row in report.agents if row.name == "ana"]
    assert row.conversations == 3
    assert row.first_response == pytest.approx(2 * 3600, abs=60)


def test_csat_by_team_and_agent_and_the_csv(
    client: Client, factory: Factory, team: Team, ana: User
) -> None:
    inbox = factory.inbox(team=team)
    ratings = (Rating.GOOD, Rating.GOOD, Rating.BAD, "")
    for rating in ratings:
        conversation = factory.conversation(inbox)
        actions.assign(ana, conversation, ana)
        actions.change_status(ana, conversation, Status.SOLVED)
        tasks.drain()
        if rating:
            rate(Survey.objects.get(conversation=conversation).pk, rating)

    report = build_report(30)

    assert (report.total.rated, report.total.good) == (3, 2)
    [billing] = [row for row in report.teams if row.name == "Billing"]
    assert (billing.conversations, billing.rated, billing.good) == (4, 3, 2)
    assert billing.csat == pytest.approx(200 / 3)
    client.force_login(factory.user(Role.ADMIN))
    download = client.get("/inbox/reports/table.csv?days=30")
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0][0] == "Group"
    assert ["Team", "Billing", "4", "", "0.0", "66.7", "3"] in rows
    assert ["Agent", "ana", "4", "", "0.0", "66.7", "3"] in rows


def test_the_page_reads_in_spanish(client: Client, factory: Factory) -> None:
    client.force_login(factory.user(Role.SUPERVISOR, language="es"))
    factory.conversation()

    page = client.get("/inbox/reports/?days=7", headers={"accept-language": "es"})

    html = page.content.decode()
    assert "Conversaciones creadas por día" in html
    assert "Últimos 7 días" in html


def test_a_name_that_looks_like_a_formula_is_quoted_in_the_csv(
    client: Client, factory: Factory
) -> None:
    team = factory.team("=HYPERLINK(1)")
    factory.conversation(factory.inbox(team=team))
    Conversation.objects.update(team=team)
    client.force_login(factory.user(Role.ADMIN))

    rows = list(csv.reader(io.StringIO(client.get("/inbox/reports/table.csv").content.decode())))

    assert ["Team", "'=HYPERLINK(1)", "1", "", "", "", "0"] in rows
