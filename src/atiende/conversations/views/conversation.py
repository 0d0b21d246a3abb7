"""The conversation page, its live fragments, and the POST endpoints that call the actions.

Each action endpoint answers htmx with out-of-band fragments (flash, timeline, panel, and a fresh
composer after a successful reply or note) and a plain browser with a redirect (303) or, on an
error, the page again with the error and what the agent typed. Action errors become 4xx pages
with their message, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from atiende.conversations import actions, extensions
from atiende.conversations.access import access_conversation_by_id, visible_conversations
from atiende.conversations.forms import (
    AssignForm,
    NoteForm,
    PriorityForm,
    ReplyForm,
    StatusForm,
    TagsForm,
    TeamForm,
    first_error,
)
from atiende.conversations.models import Conversation, DeliveryStatus, Message
from atiende.conversations.views.common import agent, is_htmx
from atiende.conversations.views.inbox import Selection, navigation
from atiende.conversations.views.timeline import build_timeline
from atiende.core.errors import ActionError, NotFound
from atiende.people.models import User

Perform = Callable[[User, Conversation], None]


def load(request: HttpRequest, conversation_id: int) -> Conversation:
    try:
        return access_conversation_by_id(agent(request), conversation_id)
    except NotFound as exc:
        raise Http404(exc.detail) from exc


def panel_context(user: User, conversation: Conversation) -> dict[str, Any]:
    contact = conversation.contact
    views, statuses = navigation(user, Selection("", None, ""))
    return {
        "conversation": conversation,
        "views": views,
        "statuses": statuses,
        "tags": list(conversation.tags.all()),
        "assign_form": AssignForm(initial={"assignee": conversation.assignee_id}),
        "status_form": StatusForm(initial={"status": conversation.status}),
        "priority_form": PriorityForm(initial={"priority": conversation.priority}),
        "team_form": TeamForm(initial={"team": conversation.team_id}),
        "tags_form": TagsForm(),
        "contact": contact,
        "extra_panels": [(panel.name, panel.url(conversation.pk)) for panel in extensions.panels()],
        "identities": list(contact.identities.order_by("kind", "value")),
        # Only the other conversations this agent may see: the sidebar is a lookup too.
        "other_conversations": list(
            visible_conversations(user)
            .filter(contact=contact)
            .exclude(pk=conversation.pk)
            .select_related("inbox")
            .order_by("-last_message_at")[:20]
        ),
    }


def page_context(
    user: User,
    conversation: Conversation,
    *,
    reply_form: ReplyForm | None = None,
    note_form: NoteForm | None = None,
    error: str = "",
) -> dict[str, Any]:
    return {
        **panel_context(user, conversation),
        "timeline": build_timeline(conversation),
        "reply_form": reply_form or ReplyForm(),
        "note_form": note_form or NoteForm(),
        "error": error,
        "failed": DeliveryStatus.FAILED,
    }


@require_GET
@login_required
def conversation_page(request: HttpRequest, conversation_id: int) -> HttpResponse:
    user = agent(request)
    conversation = load(request, conversation_id)
    return render(request, "inbox/conversation.html", page_context(user, conversation))


@require_GET
@login_required
def timeline_fragment(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = load(request, conversation_id)
    context = {
        "conversation": conversation,
        "timeline": build_timeline(conversation),
        "failed": DeliveryStatus.FAILED,
    }
    return render(request, "inbox/_timeline.html", context)


@require_GET
@login_required
def panel_fragment(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = load(request, conversation_id)
    # With the header and the navigation counts out of band: a change of status shows there too.
    context = panel_context(agent(request), conversation)
    return render(request, "inbox/_panel_refresh.html", context)


def uploaded_files(request: HttpRequest) -> list[tuple[str, bytes]]:
    files = request.FILES.getlist("files")
    limit = settings.ATIENDE_MAX_ATTACHMENTS_PER_MESSAGE
    if len(files) > limit:
        raise ActionError(_("At most %(limit)d files per message.") % {"limit": limit})
    return [(upload.name or "attachment", upload.read()) for upload in files]


def run_action(
    request: HttpRequest,
    conversation_id: int,
    perform: Perform,
    *,
    success: str,
    composer: str = "",
) -> HttpResponse:
    """Run one action and answer htmx or a plain form post; `composer` names the form
    ("reply" or "note") that is re-rendered with the agent's text on error and cleared on
    success."""
    user = agent(request)
    conversation = load(request, conversation_id)
    try:
        perform(user, conversation)
    except ActionError as exc:
        return action_error(request, user, conversation, exc, composer)
    fresh = visible_conversations(user).filter(pk=conversation.pk).first()
    if fresh is None:
        # The agent moved it out of their own sight (another team): back to the inbox.
        messages.info(request, _("The conversation moved where you cannot see it."))
        home = reverse("inbox:home")
        if is_htmx(request):
            return HttpResponse(status=204, headers={"HX-Redirect": home})
        return HttpResponseRedirect(home, status=303)
    conversation = access_conversation_by_id(user, conversation.pk)
    if is_htmx(request):
        context = {
            **page_context(user, conversation),
            "notice": success,
            "composer": composer,
        }
        return render(request, "inbox/_update.html", context)
    messages.success(request, success)
    return HttpResponseRedirect(conversation.get_absolute_url(), status=303)


def action_error(
    request: HttpRequest,
    user: User,
    conversation: Conversation,
    exc: ActionError,
    composer: str,
) -> HttpResponse:
    status = exc.status_code
    if is_htmx(request):
        # The composer is not re-sent, so what the agent typed stays in the browser.
        context = {**panel_context(user, conversation), "error": exc.detail, "composer": ""}
        return render(request, "inbox/_update.html", context, status=status)
    reply_form = ReplyForm(request.POST) if composer == "reply" else None
    note_form = NoteForm(request.POST) if composer == "note" else None
    context = page_context(
        user, conversation, reply_form=reply_form, note_form=note_form, error=exc.detail
    )
    return render(request, "inbox/conversation.html", context, status=status)


def valid(form: forms.Form) -> forms.Form:
    if not form.is_valid():
        raise ActionError(first_error(form))
    return form


@require_POST
@login_required
def reply(request: HttpRequest, conversation_id: int) -> HttpResponse:
    def perform(user: User, conversation: Conversation) -> None:
        form = valid(ReplyForm(request.POST))
        actions.send_reply(
            user,
            conversation,
            text=form.cleaned_data["text"],
            files=uploaded_files(request),
            status=form.cleaned_data["status"] or None,
        )

    return run_action(request, conversation_id, perform, success=_("Reply sent."), composer="reply")


@require_POST
@login_required
def note(request: HttpRequest, conversation_id: int) -> HttpResponse:
    def perform(user: User, conversation: Conversation) -> None:
        form = valid(NoteForm(request.POST))
        actions.add_note(
            user, conversation, text=form.cleaned_data["text"], files=uploaded_files(request)
        )

    return run_action(request, conversation_id, perform, success=_("Note added."), composer="note")


@require_POST
@login_required
def assign_view(request: HttpRequest, conversation_id: int) -> HttpResponse:
    def perform(user: User, conversation: Conversation) -> None:
        form = valid(AssignForm(request.POST))
        actions.assign(user, conversation, form.cleaned_data["assignee"])

    return run_action(request, conversation_id, perform, success=_("Assignment saved."))


@require_POST
@login_required
def status_view(request: HttpRequest, conversation_id: int) -> HttpResponse:
    def perform(user: User, conversation: Conversation) -> None:
        form = valid(StatusForm(request.POST))
        actions.change_status(user, conversation, form.cleaned_data["status"])

    return run_action(request, conversation_id, perform, success=_("Status saved."))


@require_POST
@login_required
def priority_view(request: HttpRequest, conversation_id: int) -> HttpResponse:
    def perform(user: User, conversation: Conversation) -> None:
        form = valid(PriorityForm(request.POST))
        actions.change_priority(user, conversation, form.cleaned_data["priority"])

    return run_action(request, conversation_id, perform, success=_("Priority saved."))


@require_POST
@login_required
def team_view(request: HttpRequest, conversation_id: int) -> HttpResponse:
    def perform(user: User, conversation: Conversation) -> None:
        form = valid(TeamForm(request.POST))
        actions.change_team(user, conversation, form.cleaned_data["team"])

    return run_action(request, conversation_id, perform, success=_("Team saved."))


@require_POST
@login_required
def tags_view(request: HttpRequest, conversation_id: int) -> HttpResponse:
    def perform(user: User, conversation: Conversation) -> None:
        form = valid(TagsForm(request.POST))
        assert isinstance(form, TagsForm)
        actions.tag(user, conversation, add=form.added(), remove=form.removed())

    return run_action(request, conversation_id, perform, success=_("Tags saved."))


@require_POST
@login_required
def retry_view(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    def perform(user: User, conversation: Conversation) -> None:
        # Scoped by the conversation the agent may see: a guessed message id goes nowhere.
        message = Message.objects.filter(pk=message_id, conversation=conversation).first()
        if message is None:
            raise NotFound(_("That message is not in this conversation."))
        actions.retry_delivery(user, message)

    return run_action(request, conversation_id, perform, success=_("Delivery queued again."))
