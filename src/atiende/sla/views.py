"""The SLA panel beside a conversation: each target's due time, time left or how long ago it
was breached, and whether it is paused. Computed from the log when the panel loads."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from atiende.conversations.access import access_conversation_by_id
from atiende.conversations.views.common import agent
from atiende.core.errors import NotFound
from atiende.sla import display, state


@require_GET
@login_required
def panel(request: HttpRequest, conversation_id: int) -> HttpResponse:
    try:
        conversation = access_conversation_by_id(agent(request), conversation_id)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    now = timezone.now()
    applied = state.clocks_for(conversation, now)
    context = {
        "conversation": conversation,
        "policy": applied.policy if applied else None,
        "business_hours": bool(applied and applied.policy.business_hours),
        "rows": display.rows(applied, now) if applied else [],
        "now": now,
    }
    return render(request, "sla/_panel.html", context)
