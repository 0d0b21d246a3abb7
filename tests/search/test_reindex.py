"""`python -m atiende reindex` rebuilds every document and the engine's index from the data."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from atiende.people.models import Role
from atiende.search.models import DocumentKind, SearchDocument
from atiende.search.query import search_contacts, search_conversations
from tests.factories import Factory


def test_reindex_rebuilds_documents_and_index(factory: Factory) -> None:
    admin = factory.user(Role.ADMIN)
    inbox = factory.inbox()
    first = factory.inbound(inbox, email="rosa@cliente.test", subject="Envío", text="paquete roto")
    second = factory.inbound(inbox, text="contraseña olvidada")
    # A stale document and a lost one: the rebuild must put both right.
    SearchDocument.objects.filter(kind=DocumentKind.MESSAGE, object_id=second.pk).delete()
    SearchDocument.objects.filter(kind=DocumentKind.MESSAGE, object_id=first.pk).update(
        text="texto viejo"
    )
    assert search_conversations(admin, "contrasena") == []

    out = StringIO()
    call_command("reindex", "--batch", "1", stdout=out)

    assert search_conversations(admin, "contrasena olvidada") == [second.conversation]
    assert search_conversations(admin, "paquete roto") == [first.conversation]
    assert search_conversations(admin, "viejo") == []
    assert search_contacts(admin, "rosa") == [first.conversation.contact]
    assert SearchDocument.objects.filter(kind=DocumentKind.MESSAGE).count() == 2
    assert SearchDocument.objects.filter(kind=DocumentKind.CONVERSATION).count() == 2
    assert SearchDocument.objects.filter(kind=DocumentKind.CONTACT).count() == 2
    assert "messages:         2/2 (100 %)" in out.getvalue()
    assert "Indexed 2 contacts, 2 conversations and 2 messages" in out.getvalue()


def test_documents_written_after_a_reindex_are_found(factory: Factory) -> None:
    admin = factory.user(Role.ADMIN)
    inbox = factory.inbox()
    factory.inbound(inbox, text="antes")
    call_command("reindex", stdout=StringIO())

    later = factory.inbound(inbox, text="después del reindexado")

    assert search_conversations(admin, "despues") == [later.conversation]
