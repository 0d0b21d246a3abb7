"""Agents' and integrations' conversation endpoints: list, create (API channel), read, change,
messages and uploads. Handlers are thin: access helpers decide visibility, actions write."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status, UploadedFile
from ninja.params import Form

from atiende.api import files, paging, present
from atiende.api.auth import AGENT_AUTH, agent_of
from atiende.api.params import ConversationFilters, IdPath, MessageFilters
from atiende.api.schemas import (
    ConversationCreate,
    ConversationOut,
    ConversationPage,
    ConversationPatch,
    Error,
    MessageCreate,
    MessageOut,
    MessagePage,
)
from atiende.conversations import actions
from atiende.conversations.access import (
    access_conversation_by_id,
    can_see_conversation,
    visible_conversations,
)
from atiende.conversations.actions.manage import normalize_tag
from atiende.conversations.models import Attachment, Conversation, Message
from atiende.core import rawsql
from atiende.core.errors import ActionError, Conflict, NotFound
from atiende.inboxes.contract import InboundMessage
from atiende.inboxes.models import ChannelKind, Inbox
from atiende.people.models import IdentityKind, Team, User

router = Router(tags=["conversations"], auth=AGENT_AUTH)

ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 413: Error, 422: Error}
SEARCH_LIMIT = 200


@router.get("", response={200: ConversationPage, **ERRORS}, operation_id="list_conversations")
def list_conversations(
    request: HttpRequest, filters: Query[ConversationFilters]
) -> ConversationPage:
    """Conversations the caller may see, most recent activity first."""
    user = agent_of(request)
    conversations = visible_conversations(user).select_related("contact")
    if filters.status:
        conversations = conversations.filter(status=filters.status)
    if filters.assignee == "me":
        conversations = conversations.filter(assignee=user)
    elif filters.assignee == "none":
        conversations = conversations.filter(assignee__isnull=True)
    elif filters.assignee:
        conversations = conversations.filter(assignee_id=int(filters.assignee))
    if filters.team:
        conversations = conversations.filter(team_id=filters.team)
    if filters.inbox:
        conversations = conversations.filter(inbox_id=filters.inbox)
    if filters.tag:
        conversations = conversations.filter(tags__name=normalize_tag(filters.tag))
    if filters.q and filters.q.strip():
        from atiende.search.query import search_conversations

        found = search_conversations(user, filters.q, limit=SEARCH_LIMIT)
        conversations = conversations.filter(pk__in=[item.pk for item in found])
    page, cursor = paging.recent_first(
        conversations.prefetch_related("tags"), filters.cursor or "", filters.limit
    )
    return ConversationPage(
        results=[present.conversation(item) for item in page],
        next=paging.next_link(request, cursor=cursor) if cursor else None,
    )


@router.post(
    "",
    response={200: ConversationOut, 201: ConversationOut, **ERRORS},
    operation_id="create_conversation",
)
def create_conversation(
    request: HttpRequest, payload: ConversationCreate
) -> Status[ConversationOut]:
    """A customer's message arriving through an API inbox. 201 with a new conversation; 200
    with the existing one when `external_id` was already received."""
    user = agent_of(request)
    inbox = _api_inbox(user, payload.inbox_id)
    contact = payload.contact
    if contact.external_ref.strip():
        kind, value = IdentityKind.API, contact.external_ref
    elif contact.email.strip():
        if "@" not in contact.email:
            raise ActionError(_("The contact's email address is not valid."))
        kind, value = IdentityKind.EMAIL, contact.email
    else:
        raise ActionError(_("The contact needs an email or an external_ref."))
    result = actions.receive_message(
        InboundMessage(
            inbox_id=inbox.pk,
            identity_kind=kind,
            identity_value=value,
            email=contact.email.strip(),
            name=contact.name.strip(),
            subject=payload.subject,
            text=payload.text,
            html=payload.html,
            external_id=payload.external_id.strip(),
            new_conversation=True,
        )
    )
    conversation = result.conversation
    if not result.created and not can_see_conversation(user, conversation):
        # The earlier delivery now lives where this agent cannot look: say no more than that.
        raise Conflict(_("A message with this external_id was already received."))
    if result.created:
        # Always a new conversation (new_conversation=True): no tags yet, contact loaded.
        return Status(201, present.conversation(conversation, tags=[]))
    conversation = Conversation.objects.select_related("contact").get(pk=conversation.pk)
    return Status(200, present.conversation(conversation))


def _api_inbox(user: User, inbox_id: int) -> Inbox:
    """An active API inbox the agent works in (its default team is one of theirs, or none)."""
    inbox = Inbox.objects.filter(pk=inbox_id, channel=ChannelKind.API, is_active=True).first()
    if inbox is None:
        raise NotFound(_("inbox not found"))
    if user.sees_everything or inbox.default_team_id is None:
        return inbox
    if not user.teams.filter(pk=inbox.default_team_id).exists():
        raise NotFound(_("inbox not found"))
    return inbox


@router.get(
    "/{conversation_id}",
    response={200: ConversationOut, **ERRORS},
    operation_id="get_conversation",
)
def get_conversation(request: HttpRequest, conversation_id: IdPath) -> ConversationOut:
    conversation = access_conversation_by_id(agent_of(request), conversation_id)
    return present.conversation(conversation)


@router.patch(
    "/{conversation_id}",
    response={200: ConversationOut, **ERRORS},
    operation_id="update_conversation",
)
def update_conversation(
    request: HttpRequest, conversation_id: IdPath, payload: ConversationPatch
) -> ConversationOut:
    """Change status, priority, assignee, team and tags; all of it or nothing."""
    user = agent_of(request)
    conversation = access_conversation_by_id(user, conversation_id)
    given = payload.model_fields_set
    with transaction.atomic():
        if "assignee_id" in given:
            assignee = _agent(payload.assignee_id)
            actions.assign(user, conversation, assignee)
        if "team_id" in given:
            team = _team(payload.team_id)
            actions.change_team(user, conversation, team)
        if payload.priority is not None:
            actions.change_priority(user, conversation, payload.priority)
        if payload.status is not None:
            actions.change_status(user, conversation, payload.status)
        if payload.tags is not None:
            actions.tag(user, conversation, add=payload.tags.add, remove=payload.tags.remove)
    return present.conversation(access_conversation_by_id(user, conversation_id))


def _agent(agent_id: int | None) -> User | None:
    if agent_id is None:
        return None
    agent = User.objects.filter(pk=agent_id, is_active=True).first()
    if agent is None:
        raise ActionError(_("There is no active agent with that id."))
    return agent


def _team(team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise ActionError(_("There is no team with that id."))
    return team


def message_page(
    request: HttpRequest, messages: list[Message], filters: MessageFilters
) -> str | None:
    """The `next` link when this page was full."""
    if len(messages) < filters.limit:
        return None
    return paging.next_link(request, after_seq=messages[-1].seq)


@router.get(
    "/{conversation_id}/messages",
    response={200: MessagePage, **ERRORS},
    operation_id="list_messages",
)
def list_messages(
    request: HttpRequest, conversation_id: IdPath, filters: Query[MessageFilters]
) -> MessagePage:
    """Every message, internal notes included, in order; resume with `after_seq`."""
    user = agent_of(request)
    if user.is_active and user.sees_everything:
        # Whoever sees every conversation needs no visibility check: messages found prove the
        # conversation exists; only an empty page asks whether it does (404 otherwise).
        messages = _page(conversation_id, filters)
        if not messages:
            access_conversation_by_id(user, conversation_id, related=())
    else:
        access_conversation_by_id(user, conversation_id, related=())
        messages = _page(conversation_id, filters)
    files: dict[int, list[Attachment]] = {}
    if with_files := [item.pk for item in messages if getattr(item, "has_files", True)]:
        for attachment in Attachment.objects.filter(message_id__in=with_files):
            files.setdefault(attachment.message_id or 0, []).append(attachment)
    return MessagePage(
        results=[present.message(item, files.get(item.pk, [])) for item in messages],
        next=message_page(request, messages, filters),
    )


def _page(conversation_id: int, filters: MessageFilters) -> list[Message]:
    """A page of messages, each marked `has_files` (only those are asked for attachments).

    The agents' client reads one after each message: the statement is compiled once per page
    size (`rawsql.Select`)."""
    statement = _PAGES.get(filters.limit)
    if statement is None:
        statement = _PAGES[filters.limit] = rawsql.Select(
            partial(_page_of, filters.limit), int, int
        )
    return statement.fetch(conversation_id, filters.after_seq)


def _page_of(limit: int, conversation_id: int, after_seq: int) -> QuerySet[Message]:
    return (
        Message.objects.filter(conversation_id=conversation_id, seq__gt=after_seq)
        .select_related("author_user", "author_contact")
        .annotate(has_files=Exists(Attachment.objects.filter(message=OuterRef("pk"))))
        .order_by("seq")[:limit]
    )


_PAGES: dict[int, rawsql.Select[Message]] = {}


@router.post(
    "/{conversation_id}/messages",
    response={201: MessageOut, **ERRORS},
    operation_id="create_message",
)
def create_message(
    request: HttpRequest, conversation_id: IdPath, payload: MessageCreate
) -> Status[MessageOut]:
    """A public reply (delivered through the outbox) or an internal note."""
    return Status(201, _write(request, conversation_id, payload, []))


@router.post(
    "/{conversation_id}/messages/upload",
    response={201: MessageOut, **ERRORS},
    operation_id="create_message_with_files",
)
def create_message_with_files(
    request: HttpRequest,
    conversation_id: IdPath,
    payload: Form[MessageCreate],
    attachments: File[list[UploadedFile]],
) -> Status[MessageOut]:
    """The same as creating a message, as multipart/form-data with files in `attachments`."""
    return Status(201, _write(request, conversation_id, payload, files.read_uploads(attachments)))


def _write(
    request: HttpRequest,
    conversation_id: int,
    payload: MessageCreate,
    uploads: list[tuple[str, bytes]],
) -> MessageOut:
    user = agent_of(request)
    # The actions check visibility again and re-read the conversation under its lock, with its
    # contact and inbox: nothing is joined here.
    conversation = access_conversation_by_id(user, conversation_id, related=())
    if payload.kind == "note":
        if payload.status is not None:
            raise ActionError(_("A note does not change the status."))
        message = actions.add_note(
            user, conversation, text=payload.text, html=payload.html, files=uploads
        )
    else:
        message = actions.send_reply(
            user,
            conversation,
            text=payload.text,
            html=payload.html,
            files=uploads,
            status=payload.status,
        )
    if not uploads:
        # The message as the action stored it (its author is `user`, it has no attachments):
        # the same response as reading it back, without the two queries.
        return present.message(message, attachments=[])
    stored = (
        Message.objects.select_related("author_user", "author_contact")
        .prefetch_related("attachments")
        .get(pk=message.pk)
    )
    return present.message(stored)
