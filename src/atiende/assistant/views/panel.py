"""The assistant's sidebar panel in the conversation page: triage (suggested team and why,
correctable), suggested articles, macros and past answers, each inserted with one click."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from atiende.assistant import assist, triage
from atiende.assistant.models import BotState, Category, Triage
from atiende.conversations.access import access_conversation_by_id
from atiende.conversations.models import Conversation
from atiende.conversations.views.common import agent
from atiende.core.errors import ActionError, NotFound
from atiende.people.models import User


def _load(user: User, conversation_id: int) -> Conversation:
    try:
        return access_conversation_by_id(user, conversation_id)
    except NotFound as exc:
        raise Http404(exc.detail) from exc


def _render(
    request: HttpRequest,
    user: User,
    conversation: Conversation,
    *,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    query = assist.last_customer_text(conversation)
    language = conversation.language or conversation.inbox.language
    row = (
        Triage.objects.select_related("category", "suggested_team", "label")
        .filter(conversation=conversation)
        .first()
    )
    context = {
        "conversation": conversation,
        "triage": row,
        "reasons": triage.describe_reasons(row) if row else [],
        "categories": list(Category.objects.select_related("team")),
        "bot_state": BotState.objects.filter(conversation=conversation).first(),
        "articles": assist.suggested_articles(query, language),
        "macros": assist.suggested_macros(user, conversation),
        "past_answers": assist.suggested_past_answers(user, conversation, query),
        "notice": notice,
    }
    return render(request, "assistant/_panel.html", context, status=status)


@require_GET
@login_required
def panel(request: HttpRequest, conversation_id: int) -> HttpResponse:
    user = agent(request)
    return _render(request, user, _load(user, conversation_id))


@require_POST
@login_required
def correct(request: HttpRequest, conversation_id: int) -> HttpResponse:
    user = agent(request)
    conversation = _load(user, conversation_id)
    category = Category.objects.filter(pk=request.POST.get("category") or 0).first()
    if category is None:
        return _render(request, user, conversation, notice=_("Choose a category."), status=400)
    try:
        triage.correct(
            user, conversation, category, apply_team=bool(request.POST.get("apply_team"))
        )
    except ActionError as exc:
        return _render(request, user, conversation, notice=exc.detail, status=exc.status_code)
    conversation = _load(user, conversation_id) if _visible(user, conversation_id) else conversation
    return _render(request, user, conversation, notice=_("Category saved."))


@require_POST
@login_required
def apply_team(request: HttpRequest, conversation_id: int) -> HttpResponse:
    user = agent(request)
    conversation = _load(user, conversation_id)
    try:
        team = triage.apply_suggested_team(user, conversation)
    except ActionError as exc:
        return _render(request, user, conversation, notice=exc.detail, status=exc.status_code)
    notice = _("Moved to %(team)s.") % {"team": team} if team else _("No team to apply.")
    if not _visible(user, conversation_id):
        return HttpResponse(notice)
    return _render(request, user, _load(user, conversation_id), notice=notice)


def _visible(user: User, conversation_id: int) -> bool:
    try:
        access_conversation_by_id(user, conversation_id)
    except NotFound:
        return False
    return True
