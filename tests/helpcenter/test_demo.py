"""The Sonora demo help center: complete in English and Spanish, and search finds its answers."""

from __future__ import annotations

import pytest

from atiende.helpcenter import demo
from atiende.helpcenter.content import published_documents
from atiende.helpcenter.models import Article
from atiende.helpcenter.search.index import search

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(db: None) -> dict[str, Article]:
    return demo.load()


def test_demo_is_complete_in_both_languages(articles: dict[str, Article]) -> None:
    documents = published_documents()

    assert len(articles) >= 20
    assert len(documents) == 2 * len(articles)
    assert all(d.questions and d.steps and d.body for d in documents)
    sensitive = {d.title for d in documents if d.sensitive}
    assert sensitive == {
        "Request a refund", "Solicitar un reembolso",
        "Secure a hacked account", "Proteger una cuenta hackeada",
        "Turn on two-step verification", "Activar la verificación en dos pasos",
    }  # fmt: skip


QUESTIONS = [
    ("mi tarjeta fue rechazada", "payment-failed", "es"),
    ("¿cómo cancelo mi suscripción?", "cancel", "es"),
    ("olvidé la contraseña", "password", "es"),
    ("quiero añadir a mi hija al plan familiar", "family-members", "es"),
    ("las canciones descargadas no suenan sin conexión", "offline", "es"),
    ("me cobraron dos veces", "refund", "es"),
    ("verificar descuento de estudiante", "student", "es"),
    ("my card was declined", "payment-failed", "en"),
    ("how do I cancel premium", "cancel", "en"),
    ("someone hacked my account", "security", "en"),
    ("playlists not syncing between phone and laptop", "devices", "en"),
    ("update credit card", "update-card", "en"),
]


def test_demo_questions_find_the_right_article(articles: dict[str, Article]) -> None:
    keys = {article.pk: key for key, article in articles.items()}
    found = []
    for query, _key, _language in QUESTIONS:
        searched, hits = search(query)
        found.append((query, keys[hits[0].article_id], hits[0].language, searched))

    assert found == [(query, key, language, language) for query, key, language in QUESTIONS]
