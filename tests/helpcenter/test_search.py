"""Search that understands the query's language: detection, stemming, fallback, suggestions."""

from __future__ import annotations

import pytest
from django.test import Client

from atiende.helpcenter.search.index import analyze, search
from atiende.helpcenter.search.language import detect_language
from tests.helpcenter.conftest import HelpCenter

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("¿Cómo cambio mi plan?", "es"),
        ("no puedo descargar canciones", "es"),
        ("how do I change my plan", "en"),
        ("my payment failed", "en"),
        ("contraseña", "es"),
    ],
)
def test_detects_the_query_language(text: str, language: str) -> None:
    vocabularies = {"es": {"contrasena", "cancion"}, "en": {"password"}}

    assert detect_language(text, {"en", "es"}, vocabularies)[0] == language


def test_stemming_is_per_language() -> None:
    assert analyze("Descargas de canciones", "es") == ["descarg", "cancion"]
    assert analyze("Downloading songs", "en") == ["download", "song"]
    assert analyze("contraseña", "es") == ["contrasen"]  # stemmed, then accents folded


def test_spanish_query_finds_spanish_articles_by_stem(help_center: HelpCenter) -> None:
    language, hits = search("¿Cómo descargo canciones para escucharlas sin conexión?")

    assert language == "es"
    assert hits[0].article_id == help_center.offline.pk
    assert hits[0].language == "es"
    assert hits[0].title == "Descargar música para escuchar sin conexión"


def test_english_query_finds_english_articles(help_center: HelpCenter) -> None:
    language, hits = search("download songs offline")

    assert language == "en"
    assert (hits[0].article_id, hits[0].language) == (help_center.offline.pk, "en")


def test_spanish_query_falls_back_to_english_only_articles(help_center: HelpCenter) -> None:
    language, hits = search("errores en mi altavoz smart speaker")

    assert language == "es"
    english = [h for h in hits if h.article_id == help_center.english_only.pk]
    assert english
    assert english[0].language == "en"
    # Each article appears once, in the customer's language when it matched there.
    assert len({h.article_id for h in hits}) == len(hits)


def test_example_questions_are_searched(help_center: HelpCenter) -> None:
    _language, hits = search("mejoro suscripción", language="es")

    assert hits[0].article_id == help_center.change_plan.pk


def test_accents_are_optional(help_center: HelpCenter) -> None:
    _language, hits = search("musica sin conexion", language="es")

    assert hits[0].article_id == help_center.offline.pk


def test_prefix_matching_while_typing(help_center: HelpCenter) -> None:
    _language, hits = search("descarg", language="es", prefix=True)

    assert hits[0].article_id == help_center.offline.pk


def test_search_page_shows_results_in_order(client: Client, help_center: HelpCenter) -> None:
    response = client.get("/hc/es/search/", {"q": "reembolso"})

    html = response.content.decode()
    assert "Solicitar un reembolso" in html
    assert '<meta name="robots" content="noindex, follow">' in html
