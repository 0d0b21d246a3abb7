"""Agent-facing workflow views: set my status, my live chats strip, the routing panel of a
conversation and its transfer form. Thin: the work is in `presence`, `livechats`, `transfer`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from atiende.conversations.access import access_conversation_by_id
from atiende.conversations.models import Conversation
from atiende.conversations.views.common import agent, is_htmx
from atiende.core.errors import ActionError, NotFound
from atiende.people.models import User
from atiende.workflow import livechats, presence, routing
from atiende.workflow.forms import StatusForm, TransferForm
from atiende.workflow.models import ChatRoute, PresenceStatus
from atiende.workflow.transfer import transfer


def status_context(user: User) -> dict[str, Any]:
    profile = presence.profile_for(user)
    return {
        "status_form": StatusForm(initial={"status": profile.status}),
        "agent_status": profile.status,
        "statuses": PresenceStatus,
    }


@login_required
@require_POST
def set_status(request: HttpRequest) -> HttpResponse:
    user = agent(request)
    form = StatusForm(request.POST)
    if form.is_valid():
        presence.set_status(user, form.cleaned_data["status"])
    if is_htmx(request):
        return render(request, "workflow/_status.html", status_context(user))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = reverse("inbox:home")
    return HttpResponseRedirect(target, status=303)


@login_required
@require_GET
def my_chats(request: HttpRequest) -> HttpResponse:
    chats = livechats.my_chats(agent(request))
    return render(request, "workflow/_my_chats.html", {"chats": chats})


def load(request: HttpRequest, conversation_id: int) -> Conversation:
    try:
        return access_conversation_by_id(agent(request), conversation_id)
    except NotFound as exc:
        raise Http404(exc.detail) from exc


def panel_context(
    user: User, conversation: Conversation, form: TransferForm | None = None
) -> dict[str, Any]:
    route = ChatRoute.objects.filter(conversation=conversation).select_related("agent").first()
    return {
        "conversation": conversation,
        "route": route,
        "position": routing.queue_position(conversation.pk) if route else None,
        "transfer_form": form or TransferForm(exclude_user=conversation.assignee_id),
    }


@login_required
@require_GET
def routing_panel(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = load(request, conversation_id)
    return render(
        request, "workflow/_routing_panel.html", panel_context(agent(request), conversation)
    )


@login_required
@require_POST
def transfer_view(request: HttpRequest, conversation_id: int) -> HttpResponse:
    user = agent(request)
    conversation = load(request, conversation_id)
    form = TransferForm(request.POST, exclude_user=conversation.assignee_id)
    error = ""
    notice = ""
    if form.is_valid():
        try:
            transfer(
                user,
                conversation,
                agent=form.cleaned_data["agent"],
                team=form.cleaned_data["team"],
                note=form.cleaned_data["note"],
            )
        except ActionError as exc:
            error = str(exc.detail)
        else:
            notice = _("Transferred.")
            form = None  # type: ignore[assignment]  # a fresh form after success
    else:
        error = "; ".join(str(message) for message in form.non_field_errors()) or _(
            "Please check the form."
        )
    if not is_htmx(request):
        if error:
            messages.error(request, error)
        else:
            messages.success(request, notice)
        return HttpResponseRedirect(conversation.get_absolute_url(), status=303)
    conversation.refresh_from_db()
    context = panel_context(user, conversation, form)
    context.update({"error": error, "notice": notice})
    return render(request, "workflow/_routing_panel.html", context, status=400 if error else 200)
