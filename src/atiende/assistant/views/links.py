"""The links in bot answers sent by email or the Help form: "that solved it" and "I need a
person". Opening a link shows a page with one button (mail scanners that fetch links must
not spend them); pressing it spends the single-use token."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from atiende.assistant.actions import token_for, use_reply_token
from atiende.assistant.answers import interface_language
from atiende.assistant.models import ReplyChoice


@require_http_methods(["GET", "POST"])
def reply_link(request: HttpRequest, token: str) -> HttpResponse:
    found = token_for(token[:200])
    if found is None or found.used_at is not None:
        return render(request, "assistant/reply_link.html", {"state": "invalid"}, status=404)
    conversation = found.turn.conversation
    # The customer's language when atiende speaks it, else the conversation's or the inbox's.
    language = interface_language(
        found.turn.language, conversation.language, conversation.inbox.language
    )
    with translation.override(language):
        if request.method == "GET":
            context = {"state": "confirm", "choice": found.choice, "solved": ReplyChoice.SOLVED}
            return render(request, "assistant/reply_link.html", context)
        spent = use_reply_token(token[:200])
        if spent is None:
            return render(request, "assistant/reply_link.html", {"state": "invalid"}, status=404)
        context = {"state": "done", "choice": spent.choice, "solved": ReplyChoice.SOLVED}
        return render(request, "assistant/reply_link.html", context)
