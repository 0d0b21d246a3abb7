"""Visitor sessions: who is chatting, proved by a token, bound to one visitor and one inbox.

`open_session` is the one entry point (REST `POST /api/chat/{key}/sessions`): it checks the
widget, the identity signature if any, finds or makes the visitor and issues a session.
`authenticate` turns a session token back into a `VisitorContext` for the websocket and the
REST calls. Tokens carry 256 bits from `secrets`; only their SHA-256 is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.chat.identity import MAX_USER_ID, verify_user
from atiende.chat.models import ChatSession, ChatWidget, Visitor, new_token, token_hash
from atiende.conversations.models import Conversation
from atiende.core import rawsql
from atiende.core.errors import NotAllowed, NotFound
from atiende.inboxes.models import ChannelKind
from atiende.people.lookup import contact_for_identity, surviving
from atiende.people.models import Contact, IdentityKind

SESSION_TTL = timedelta(hours=24)
# A session is extended when used with less than this left (not on every use: no write per
# message).
RENEW_BELOW = SESSION_TTL - timedelta(hours=1)


@dataclass(frozen=True)
class VisitorContext:
    """Everything a request or a socket needs to act as one visitor (no lazy queries)."""

    visitor_pk: int
    widget_pk: int
    inbox_id: int
    identity_kind: str
    identity_value: str
    verified: bool
    name: str
    email: str
    language: str

    @property
    def group(self) -> str:
        """The channel-layer group of this visitor's sockets (all tabs)."""
        return visitor_group(self.visitor_pk)


def visitor_group(visitor_pk: int) -> str:
    return f"chat-v-{visitor_pk}"


@dataclass(frozen=True)
class OpenedSession:
    visitor_token: str
    session: str
    context: VisitorContext
    conversation: Conversation | None


def widget_by_key(key: str) -> ChatWidget:
    found = list(  # a unique key: one row at most, no ORDER BY
        ChatWidget.objects.select_related("inbox").filter(
            key=key, inbox__is_active=True, inbox__channel=ChannelKind.CHAT
        )[:1]
    )
    if not found:
        raise NotFound(_("This chat does not exist or is switched off."))
    return found[0]


def context_for(visitor: Visitor) -> VisitorContext:
    widget = visitor.widget
    if visitor.user_id:
        kind, value = IdentityKind.USER, visitor.user_id
    else:
        kind, value = IdentityKind.CHAT, visitor.visitor_id
    return VisitorContext(
        visitor_pk=visitor.pk,
        widget_pk=widget.pk,
        inbox_id=widget.inbox_id,
        identity_kind=kind,
        identity_value=value,
        verified=bool(visitor.user_id),
        name=visitor.name,
        email=visitor.email,
        language=visitor.language,
    )


def open_session(
    widget: ChatWidget,
    *,
    visitor_token: str = "",
    name: str = "",
    user_id: str = "",
    user_hash: str = "",
    language: str = "",
) -> OpenedSession:
    """A new session for the visitor behind `visitor_token`, or for a new visitor.

    A forged identity (`user_hash` not matching `user_id`) raises NotAllowed and stores nothing.
    A visitor token of a signed-in user is honoured only with that user's valid signature, so
    the next person on a shared computer does not inherit the chat after a sign-out.
    """
    user_id = user_id.strip()
    if user_id or user_hash:
        if not verify_user(widget.inbox, user_id, user_hash):
            raise NotAllowed(_("The identity signature is not valid."))
    elif widget.require_verified_identity:
        raise NotAllowed(_("This chat is only available to signed-in customers."))
    user_id = user_id[:MAX_USER_ID]
    with transaction.atomic():
        visitor = None
        if visitor_token:
            visitor = (
                Visitor.objects.select_related("widget")
                .filter(token_hash=token_hash(visitor_token), widget=widget, user_id=user_id)
                .first()
            )
        created = visitor is None
        if visitor is None:
            visitor_token = new_token()
            visitor = Visitor(
                widget=widget,
                token_hash=token_hash(visitor_token),
                visitor_id=new_token()[:32],
                user_id=user_id,
                contact=contact_for_identity(IdentityKind.USER, user_id) if user_id else None,
            )
        visitor.widget = widget
        if name.strip() and not visitor.name:
            visitor.name = name.strip()[:200]
        if language:
            visitor.language = language[:10]
        visitor.last_seen_at = timezone.now()
        visitor.save()
        if not created:
            # Expired sessions of this visitor go as a new one comes: the table stays small (a
            # visitor made a moment ago has none).
            ChatSession.objects.filter(visitor=visitor, expires_at__lt=timezone.now()).delete()
        session = new_token()
        ChatSession.objects.create(
            visitor=visitor,
            token_hash=token_hash(session),
            expires_at=timezone.now() + SESSION_TTL,
        )
    context = context_for(visitor)
    if created:
        # A new visitor's chat identity was made up above (nobody has written as it yet), and a
        # signed-in user's contact was looked up for it: its contact is known without a query.
        contact = visitor.contact
        conversation = current_conversation(context, contact) if contact is not None else None
    else:
        conversation = current_conversation(context)
    return OpenedSession(visitor_token, session, context, conversation)


def authenticate(session: str, widget_key: str | None = None) -> VisitorContext | None:
    """The visitor a session token belongs to; None when unknown, expired or for another widget."""
    found = authenticate_visitor(session, widget_key)
    return context_for(found) if found is not None else None


# Every socket connect and visitor REST call reads it: compiled once (`rawsql.Select`).
_SESSION = rawsql.Select(
    lambda hashed, now: ChatSession.objects.select_related("visitor__widget__inbox").filter(
        token_hash=hashed, expires_at__gt=now
    )[:1],  # a unique hash: one row at most, no ORDER BY
    str,
    datetime,
)


def authenticate_visitor(session: str, widget_key: str | None = None) -> Visitor | None:
    """`authenticate`, returning the visitor row (its widget and inbox loaded): a socket keeps
    its context for its lifetime and asks `visitor_contact` with it."""
    if not session or len(session) > 200:
        return None
    now = timezone.now()
    found = _SESSION.first(token_hash(session), now)
    if found is None:
        return None
    widget = found.visitor.widget
    if widget_key is not None and widget.key != widget_key:
        return None
    if not widget.inbox.is_active:
        return None
    if found.expires_at - now < RENEW_BELOW:
        ChatSession.objects.filter(pk=found.pk).update(expires_at=now + SESSION_TTL)
        Visitor.objects.filter(pk=found.visitor_id).update(last_seen_at=now)
    return found.visitor


def visitor_contact(context: VisitorContext, visitor: Visitor | None = None) -> Contact | None:
    """The contact this visitor writes as (after merges), if it has written or left an email.

    `visitor`: the visitor's row as just read (`authenticate_visitor`), saving a read of it.
    """
    contact = contact_for_identity(context.identity_kind, context.identity_value)
    if contact is not None:
        return contact
    if visitor is None or visitor.pk != context.visitor_pk:
        visitor = Visitor.objects.select_related("contact").get(pk=context.visitor_pk)
    elif visitor.contact_id is None:
        return None
    return surviving(visitor.contact) if visitor.contact is not None else None


# The read every visitor message and socket makes, compiled once (`rawsql.Select`).
_LATEST = rawsql.Select(
    lambda contact_id, inbox_id: Conversation.objects.filter(
        contact_id=contact_id, inbox_id=inbox_id
    ).order_by("-last_message_at", "-id")[:1],
    int,
    int,
)


def current_conversation(
    context: VisitorContext, contact: Contact | None = None, visitor: Visitor | None = None
) -> Conversation | None:
    """The visitor's latest conversation in this inbox (closed ones too: history stays visible;
    the next message opens a follow-up). `contact`: the visitor's, when the caller has it;
    `visitor`: its row, when the caller has read it."""
    contact = contact or visitor_contact(context, visitor)
    if contact is None:
        return None
    conversation = _LATEST.first(contact.pk, context.inbox_id)
    while conversation is not None and conversation.merged_into_id is not None:
        # Merges stay within one customer; a target of someone else's is never followed.
        conversation = Conversation.objects.filter(
            pk=conversation.merged_into_id, contact=contact
        ).first()
    return conversation
