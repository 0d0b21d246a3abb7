"""REST endpoints of the assistant app, mounted by atiende.api.main under /api/assistant/:
what triage decided for a conversation, and the articles suggested for its last message.
Read-only; access is checked like the conversation itself (404 when the caller cannot see it)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from atiende.api.auth import AGENT_AUTH, agent_of
from atiende.api.params import IdPath
from atiende.api.schemas import Error
from atiende.assistant import assist, triage
from atiende.assistant.models import BotState, Triage
from atiende.conversations.access import access_conversation_by_id

router = Router(tags=["assistant"], auth=AGENT_AUTH)

ERRORS = {401: Error, 403: Error, 404: Error, 422: Error}


class TriageOut(Schema):
    conversation_id: int
    language: str
    category: str | None
    category_confidence: float
    label: str | None
    suggested_team_id: int | None
    sentiment: float
    urgency: float
    spam: float
    angry: bool
    reasons: list[str]
    bot_status: str | None


class ArticleSuggestion(Schema):
    title: str
    url: str


@router.get(
    "/conversations/{conversation_id}/triage",
    response={200: TriageOut, **ERRORS},
    operation_id="get_conversation_triage",
)
def get_triage(request: HttpRequest, conversation_id: IdPath) -> TriageOut:
    """Triage's result for the conversation (empty values before triage ran)."""
    conversation = access_conversation_by_id(agent_of(request), conversation_id)
    row = (
        Triage.objects.select_related("category", "label").filter(conversation=conversation).first()
    )
    state = BotState.objects.filter(conversation=conversation).first()
    return TriageOut(
        conversation_id=conversation.pk,
        language=row.language if row else "",
        category=row.category.slug if row and row.category else None,
        category_confidence=row.category_confidence if row else 0.0,
        label=row.label.slug if row and row.label else None,
        suggested_team_id=row.suggested_team_id if row else None,
        sentiment=row.sentiment if row else 0.0,
        urgency=row.urgency if row else 0.0,
        spam=row.spam if row else 0.0,
        angry=row.angry if row else False,
        reasons=triage.describe_reasons(row) if row else [],
        bot_status=state.status if state else None,
    )


@router.get(
    "/conversations/{conversation_id}/articles",
    response={200: list[ArticleSuggestion], **ERRORS},
    operation_id="list_suggested_articles",
)
def suggested_articles(request: HttpRequest, conversation_id: IdPath) -> list[ArticleSuggestion]:
    """Help-center articles for the conversation's last customer message."""
    conversation = access_conversation_by_id(agent_of(request), conversation_id)
    language = conversation.language or conversation.inbox.language
    return [
        ArticleSuggestion(title=item.title, url=item.url)
        for item in assist.suggested_articles(assist.last_customer_text(conversation), language)
    ]
