"""The search API that views, the API and the portal call: conversations and contacts an agent
may see, and a customer's own conversations. Whatever the engine, the query text is folded and
split into words here, and reaches the database only as a bound parameter.

The plan, the same on both engines: the engine finds the newest matching documents (bounded:
a word found in half the messages must not cost a scan of all of them), they map to candidate
conversations, and the candidates are intersected with what the user may see. When the bound
was reached and too few candidates were visible, the search is repeated with a wider bound.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db.models import Q

from atiende.conversations.access import (
    customer_conversations,
    visible_contacts,
    visible_conversations,
)
from atiende.conversations.models import Conversation
from atiende.people.models import Contact, User
from atiende.search.backends import Hit, backend
from atiende.search.models import DocumentKind
from atiende.search.terms import parse_query

# How many of the newest matching documents are read first, and at most.
CANDIDATES = (1_000, 10_000)
# A name or a mail domain can match thousands of contacts: the best of them are enough.
MAX_CONTACTS = 200
# A match in the subject or on the contact says more than one in a long message thread.
WEIGHTS = {
    DocumentKind.CONVERSATION.value: 2.0,
    DocumentKind.CONTACT.value: 1.5,
    DocumentKind.MESSAGE.value: 1.0,
}
RELATED = ("contact", "inbox", "assignee", "team")


def _best(scores: dict[int, float], key: int, score: float) -> None:
    if score > scores.get(key, float("-inf")):
        scores[key] = score


def _rank(hits: Iterable[Hit]) -> tuple[dict[int, float], dict[int, float]]:
    """Best weighted score per conversation and per contact."""
    by_conversation: dict[int, float] = {}
    by_contact: dict[int, float] = {}
    for hit in hits:
        score = hit.score * WEIGHTS[hit.kind]
        if hit.kind == DocumentKind.CONTACT and hit.contact_id is not None:
            _best(by_contact, hit.contact_id, score)
        elif hit.conversation_id is not None:
            _best(by_conversation, hit.conversation_id, score)
    return by_conversation, by_contact


def _in_order(ids: Sequence[int]) -> list[Conversation]:
    found = Conversation.objects.select_related(*RELATED).in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def search_conversations(user: User, text: str, limit: int = 50) -> list[Conversation]:
    """Conversations the user may see whose subject, one message (internal notes included) or
    contact contains every word; the best matches first, then the most recent."""
    terms = parse_query(text)
    if terms is None or limit <= 0:
        return []
    engine = backend()
    visible = visible_conversations(user)
    kinds = [kind.value for kind in DocumentKind]
    ranked: list[tuple[float, float, int]] = []
    for bound in CANDIDATES:
        hits = engine.recent_hits(terms, kinds, bound)
        by_conversation, by_contact = _rank(hits)
        if not by_conversation and not by_contact:
            return []
        if len(by_contact) > MAX_CONTACTS:
            best = sorted(by_contact.items(), key=lambda item: (-item[1], -item[0]))
            by_contact = dict(best[:MAX_CONTACTS])
        rows = visible.filter(
            Q(pk__in=list(by_conversation)) | Q(contact_id__in=list(by_contact))
        ).values_list("pk", "contact_id", "last_message_at")
        ranked = []
        for pk, contact_id, last_message_at in rows:
            score = max(
                by_conversation.get(pk, float("-inf")), by_contact.get(contact_id, float("-inf"))
            )
            ranked.append((-score, -last_message_at.timestamp(), pk))
        if len(ranked) >= limit or len(hits) < bound:
            break
    ranked.sort()
    return _in_order([pk for _, _, pk in ranked[:limit]])


def search_contacts(user: User, text: str, limit: int = 20) -> list[Contact]:
    """Contacts the user may see whose name, email or an identity contains every word."""
    terms = parse_query(text)
    if terms is None or limit <= 0:
        return []
    engine = backend()
    ranked: list[tuple[float, int, int]] = []
    for bound in CANDIDATES:
        hits = engine.recent_hits(terms, [DocumentKind.CONTACT.value], bound)
        _, by_contact = _rank(hits)
        if not by_contact:
            return []
        visible = visible_contacts(user).filter(pk__in=list(by_contact), merged_into__isnull=True)
        ranked = sorted((-by_contact[pk], -pk, pk) for pk in visible.values_list("pk", flat=True))
        if len(ranked) >= limit or len(hits) < bound:
            break
    found = Contact.objects.in_bulk([pk for *_, pk in ranked[:limit]])
    return [found[pk] for *_, pk in ranked[:limit] if pk in found]


def search_customer_conversations(
    contact: Contact, text: str, limit: int = 20
) -> list[Conversation]:
    """A customer's own conversations whose subject or a public message contains every word:
    never internal notes, never another customer's conversations."""
    terms = parse_query(text)
    if terms is None or limit <= 0:
        return []
    own = dict(customer_conversations(contact).values_list("pk", "last_message_at"))
    hits = backend().hits_in_conversations(terms, list(own), include_notes=False)
    by_conversation, _ = _rank(hits)
    ranked = sorted(
        (-score, -own[pk].timestamp(), pk) for pk, score in by_conversation.items() if pk in own
    )
    return _in_order([pk for _, _, pk in ranked[:limit]])
