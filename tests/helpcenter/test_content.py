"""The read API the answer bot builds on: published_documents() and the change signal."""

from __future__ import annotations

import pytest

from atiende.core.models import Event
from atiende.helpcenter import actions
from atiende.helpcenter.content import ArticleDocument, content_changed, published_documents
from atiende.helpcenter.models import Status
from tests.helpcenter.conftest import HelpCenter

pytestmark = pytest.mark.django_db(transaction=False)


def test_published_documents_lists_each_published_translation(help_center: HelpCenter) -> None:
    documents = published_documents()

    keys = [(d.article_id, d.language) for d in documents]
    assert keys == [
        (help_center.change_plan.pk, "en"),
        (help_center.change_plan.pk, "es"),
        (help_center.refund.pk, "en"),
        (help_center.refund.pk, "es"),
        (help_center.offline.pk, "en"),
        (help_center.offline.pk, "es"),
        (help_center.english_only.pk, "en"),
    ]
    spanish = documents[1]
    assert spanish == ArticleDocument(
        article_id=help_center.change_plan.pk,
        language="es",
        title="Cambiar de plan",
        body="Puedes cambiar entre los planes Individual, Dúo y Familiar cuando quieras.",
        questions=("¿Cómo mejoro mi suscripción?",),
        url=f"/hc/es/articles/{help_center.change_plan.pk}-cambiar-de-plan/",
        sensitive=False,
        steps=("Abre Ajustes de la cuenta.", "Elige Cambiar plan."),
    )
    assert (
        documents[0].body == "You can switch between Individual, Duo and Family plans at any time."
    )
    assert documents[2].sensitive is True


def test_sensitive_category_makes_its_articles_sensitive(help_center: HelpCenter) -> None:
    category = help_center.playback.category
    category.sensitive = True
    category.save()
    actions.bump_version()

    sensitive = {d.article_id for d in published_documents() if d.sensitive}

    assert sensitive == {help_center.refund.pk, help_center.offline.pk, help_center.english_only.pk}


def test_drafts_are_not_documents_and_publishing_is_recorded(
    help_center: HelpCenter, django_capture_on_commit_callbacks: object
) -> None:
    draft = actions.save_translation(
        None, help_center.english_only, language="es", title="Errores en altavoces", body="x"
    )
    assert (help_center.english_only.pk, "es") not in {
        (d.article_id, d.language) for d in published_documents()
    }
    received: list[object] = []

    def receiver(sender: object, **kwargs: object) -> None:
        received.append(sender)

    content_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]  # pytest-django fixture, untyped
            actions.set_status(None, draft, Status.PUBLISHED)
    finally:
        content_changed.disconnect(receiver)

    assert (help_center.english_only.pk, "es") in {
        (d.article_id, d.language) for d in published_documents()
    }
    event = Event.objects.filter(kind="helpcenter.article_published").last()
    assert event is not None
    assert event.data == {"article_id": help_center.english_only.pk, "language": "es"}
    assert received
