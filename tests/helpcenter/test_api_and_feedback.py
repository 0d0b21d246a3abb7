"""The public suggestions API and "Was this helpful?" feedback."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from atiende.helpcenter.models import ArticleFeedback, ArticleTranslation
from tests.helpcenter.conftest import HelpCenter

pytestmark = pytest.mark.django_db


def test_suggest_answers_the_widget_contract(client: Client, help_center: HelpCenter) -> None:
    response = client.get("/api/helpcenter/suggest", {"q": "no puedo descargar", "language": "es"})

    body = response.json()
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert body["language"] == "es"
    assert body["heading"] == "Estos artículos pueden responder a tu pregunta:"
    first = body["results"][0]
    assert set(first) == {"title", "url", "snippet", "language"}
    assert first == {
        "title": "Descargar música para escuchar sin conexión",
        "url": f"http://testserver/hc/es/articles/{help_center.offline.pk}-descargar-musica-para-escuchar-sin-conexion/",
        "snippet": "Las canciones descargadas se reproducen sin conexión durante 30 días.",
        "language": "es",
    }


def test_suggest_ignores_very_short_queries(client: Client, help_center: HelpCenter) -> None:
    response = client.get("/api/helpcenter/suggest", {"q": "a"})

    assert response.json()["results"] == []


def test_suggest_is_rate_limited(client: Client, help_center: HelpCenter, settings: Any) -> None:
    settings.ATIENDE_RATE_LIMIT_ENABLED = True
    settings.ATIENDE_RATE_LIMITS = settings.ATIENDE_RATE_LIMITS | {"helpcenter_suggest": (2, 60)}
    from django.core.cache import cache

    cache.clear()

    statuses = [client.get("/api/helpcenter/suggest", {"q": "plan"}).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_feedback_vote_then_comment(client: Client, help_center: HelpCenter) -> None:
    translation = ArticleTranslation.objects.get(article=help_center.offline, language="es")
    url = f"/hc/es/articles/{help_center.offline.pk}/feedback/"

    vote = client.post(url, {"translation": translation.pk, "helpful": "yes"})
    client.post(url, {"translation": translation.pk, "helpful": "no"})  # one vote per visitor
    client.post(url, {"translation": translation.pk, "comment": "Muy claro, gracias"})

    assert vote["Location"].endswith("#feedback")
    translation.refresh_from_db()
    assert (translation.helpful_yes, translation.helpful_no) == (1, 0)
    feedback = ArticleFeedback.objects.get()
    assert (feedback.helpful, feedback.comment) == (True, "Muy claro, gracias")
    page = client.get(vote["Location"].split("#")[0])
    assert "¡Gracias por tu opinión!" in page.content.decode()


def test_feedback_is_rate_limited(client: Client, help_center: HelpCenter, settings: Any) -> None:
    settings.ATIENDE_RATE_LIMIT_ENABLED = True
    settings.ATIENDE_RATE_LIMITS = settings.ATIENDE_RATE_LIMITS | {"helpcenter_feedback": (1, 60)}
    from django.core.cache import cache

    cache.clear()
    translation = ArticleTranslation.objects.get(article=help_center.offline, language="en")
    url = f"/hc/en/articles/{help_center.offline.pk}/feedback/"

    first = client.post(url, {"translation": translation.pk, "helpful": "no"})
    second = Client().post(url, {"translation": translation.pk, "helpful": "no"})

    assert first.status_code == 302
    assert second.status_code == 429
    assert ArticleFeedback.objects.count() == 1


def test_feedback_on_a_draft_is_refused(client: Client, help_center: HelpCenter) -> None:
    from atiende.helpcenter import actions

    draft = actions.save_translation(
        None, help_center.english_only, language="es", title="Borrador", body="x"
    )

    response = client.post(
        f"/hc/es/articles/{help_center.english_only.pk}/feedback/",
        {"translation": draft.pk, "helpful": "yes"},
    )

    assert response.status_code == 404
    assert ArticleFeedback.objects.count() == 0
