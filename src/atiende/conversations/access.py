"""Who may see what. Every lookup by an id that came from a request goes through here."""

from __future__ import annotations

from functools import partial

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from atiende.conversations.models import Attachment, Conversation, Direction, Message
from atiende.core import rawsql
from atiende.core.errors import NotFound
from atiende.people.models import Contact, Team, User


def conversation_visibility(user: User) -> Q:
    """Admins and supervisors see everything; agents see their teams' conversations, the ones
    without a team, and the ones assigned to them."""
    if user.sees_everything:
        return Q()
    return agent_visibility(user.pk)


def agent_visibility(user_id: int) -> Q:
    """What an agent (not an admin or supervisor) sees, by the agent's id."""
    return (
        Q(team__isnull=True)
        | Q(team__in=Team.objects.filter(members=user_id))
        | Q(assignee_id=user_id)
    )


def visible_conversations(user: User) -> QuerySet[Conversation]:
    if not user.is_active:
        return Conversation.objects.none()
    return Conversation.objects.filter(conversation_visibility(user))


# Set on a conversation `access_conversation_by_id` read through the visibility filter: the
# user it was read for, with the team and assignee it had then. An action handed that object
# (the API's POST of a reply) does not ask the database the same question again; once the
# object's team or assignee changed, the check is made afresh.
VISIBLE_TO = "_atiende_visible_to"


def _seen_as(user: User, conversation: Conversation) -> tuple[int, int | None, int | None]:
    return (user.pk, conversation.team_id, conversation.assignee_id)


def can_see_conversation(user: User, conversation: Conversation) -> bool:
    if not user.is_active:
        return False
    if user.sees_everything or conversation.team_id is None or conversation.assignee_id == user.pk:
        return True
    if conversation.__dict__.get(VISIBLE_TO) == _seen_as(user, conversation):
        return True
    return user.teams.filter(pk=conversation.team_id).exists()


FULL = ("contact", "inbox", "team", "assignee")


def access_conversation_by_id(
    user: User, conversation_id: int, *, related: tuple[str, ...] = FULL
) -> Conversation:
    """The conversation, if `user` may see it, with `related` loaded (the hot paths that only
    need the visibility check ask for fewer joins: building them costs more than running them).

    The agent API asks this for every message it reads or writes: the statement is compiled
    once per `related` and kind of user (`rawsql.Select`)."""
    if not user.is_active:
        raise NotFound(_("Conversation not found."))
    everything = bool(user.sees_everything)
    key = (related, everything)
    statement = _BY_ID.get(key)
    if statement is None:
        if everything:
            statement = rawsql.Select(partial(_by_id, related), int)
        else:
            statement = rawsql.Select(partial(_by_id_for_agent, related), int, int)
        _BY_ID[key] = statement
    found = (
        statement.first(conversation_id)
        if everything
        else statement.first(conversation_id, user.pk)
    )
    if found is None:
        raise NotFound(_("Conversation not found."))
    found.__dict__[VISIBLE_TO] = _seen_as(user, found)
    return found


def _by_id(related: tuple[str, ...], conversation_id: int) -> QuerySet[Conversation]:
    queryset = Conversation.objects.filter(pk=conversation_id)
    if related:
        queryset = queryset.select_related(*related)
    return queryset[:1]  # a primary key: no ORDER BY needed


def _by_id_for_agent(
    related: tuple[str, ...], conversation_id: int, user_id: int
) -> QuerySet[Conversation]:
    queryset = Conversation.objects.filter(agent_visibility(user_id)).filter(pk=conversation_id)
    if related:
        queryset = queryset.select_related(*related)
    return queryset[:1]


_BY_ID: dict[tuple[tuple[str, ...], bool], rawsql.Select[Conversation]] = {}


def customer_conversations(contact: Contact) -> QuerySet[Conversation]:
    return Conversation.objects.filter(contact=contact, merged_into__isnull=True)


def access_customer_conversation(contact: Contact, conversation_id: int) -> Conversation:
    conversation = customer_conversations(contact).filter(pk=conversation_id).first()
    if conversation is None:
        raise NotFound(_("Conversation not found."))
    return conversation


def customer_messages(conversation: Conversation) -> QuerySet[Message]:
    """What a customer may read: never internal notes."""
    return conversation.messages.exclude(direction=Direction.NOTE)


def access_attachment_for_agent(user: User, token: str) -> Attachment:
    attachment = (
        Attachment.objects.select_related("message__conversation")
        .filter(token=token, message__isnull=False)
        .first()
    )
    if attachment is None or attachment.message is None:
        raise NotFound(_("Attachment not found."))
    if not can_see_conversation(user, attachment.message.conversation):
        raise NotFound(_("Attachment not found."))
    return attachment


def access_attachment_for_customer(contact: Contact, token: str) -> Attachment:
    attachment = (
        Attachment.objects.select_related("message__conversation")
        .filter(
            token=token,
            message__conversation__contact=contact,
            message__conversation__merged_into__isnull=True,
        )
        .exclude(message__direction=Direction.NOTE)
        .first()
    )
    if attachment is None:
        raise NotFound(_("Attachment not found."))
    return attachment


def access_contact_by_id(user: User, contact_id: int) -> Contact:
    """An agent sees a contact when they may see at least one of its conversations, or when the
    contact has none yet (just created); supervisors and admins see all."""
    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None:
        raise NotFound(_("Contact not found."))
    if user.sees_everything:
        return contact
    conversations = Conversation.objects.filter(contact=contact)
    if not conversations.exists() or conversations.filter(conversation_visibility(user)).exists():
        return contact
    raise NotFound(_("Contact not found."))


def visible_contacts(user: User) -> QuerySet[Contact]:
    if user.sees_everything:
        return Contact.objects.all()
    visible = Conversation.objects.filter(conversation_visibility(user)).values("contact_id")
    return Contact.objects.filter(Q(pk__in=visible) | Q(conversations__isnull=True)).distinct()
