"""ORM objects to response schemas. Callers load what these read (select_related and
prefetch_related), so a page of results costs a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from atiende.api import schemas
from atiende.conversations.models import Attachment, Conversation, Direction, Message
from atiende.core.models import Event
from atiende.people.models import Contact


def conversation(item: Conversation, tags: list[str] | None = None) -> schemas.ConversationOut:
    """`tags` may be given when known (a new conversation has none), saving a query."""
    if tags is None:
        tags = sorted(tag.name for tag in item.tags.all())
    contact = item.contact
    return schemas.ConversationOut(
        id=item.pk,
        subject=item.subject,
        status=item.status,
        priority=item.priority,
        inbox_id=item.inbox_id,
        team_id=item.team_id,
        assignee_id=item.assignee_id,
        contact=schemas.ContactSummary(id=contact.pk, name=contact.name, email=contact.email),
        tags=tags,
        language=item.language,
        created_at=item.created_at,
        updated_at=item.updated_at,
        last_message_at=item.last_message_at,
        last_seq=item.last_seq,
        follow_up_of_id=item.follow_up_of_id,
        merged_into_id=item.merged_into_id,
    )


def attachment(item: Attachment) -> schemas.AttachmentOut:
    return schemas.AttachmentOut(
        token=item.token,
        filename=item.filename,
        content_type=item.content_type,
        size=item.size,
        url=reverse("api:download_attachment", args=[item.token]),
    )


def _author(item: Message) -> schemas.AuthorOut:
    if item.author_user is not None:
        return schemas.AuthorOut(kind="agent", id=item.author_user.pk, name=str(item.author_user))
    if item.author_contact is not None:
        contact = item.author_contact
        return schemas.AuthorOut(kind="contact", id=contact.pk, name=str(contact))
    return schemas.AuthorOut(kind="system", id=None, name="")


def message(item: Message, attachments: list[Attachment] | None = None) -> schemas.MessageOut:
    """`attachments`: the message's, when the caller knows them (else they are read)."""
    if attachments is None:
        attachments = list(item.attachments.all())
    return schemas.MessageOut(
        id=item.pk,
        uuid=item.uuid,
        seq=item.seq,
        direction=item.direction,
        author=_author(item),
        text=item.body_text,
        html=item.body_html,
        delivery_status=item.delivery_status,
        delivery_error=item.delivery_error,
        created_at=item.created_at,
        attachments=[attachment(a) for a in attachments],
    )


def customer_conversation(item: Conversation) -> schemas.CustomerConversationOut:
    return schemas.CustomerConversationOut(
        id=item.pk,
        subject=item.subject,
        status=item.status,
        created_at=item.created_at,
        last_message_at=item.last_message_at,
        last_seq=item.last_seq,
    )


def customer_message(item: Message) -> schemas.CustomerMessageOut:
    """What a customer sees of a message: never who else is involved beyond a display name."""
    from_customer = item.direction == Direction.INBOUND
    if from_customer:
        author_name = str(item.author_contact) if item.author_contact else ""
    elif item.author_user is not None:
        author_name = item.author_user.display_name or item.author_user.first_name
    else:
        author_name = ""
    return schemas.CustomerMessageOut(
        id=item.pk,
        uuid=item.uuid,
        seq=item.seq,
        direction=item.direction,
        from_customer=from_customer,
        author_name=author_name,
        text=item.body_text,
        html=item.body_html,
        created_at=item.created_at,
        attachments=[attachment(a) for a in item.attachments.all()],
    )


def contact(item: Contact) -> schemas.ContactOut:
    return schemas.ContactOut(
        id=item.pk,
        name=item.name,
        email=item.email,
        language=item.language,
        created_at=item.created_at,
        merged_into_id=item.merged_into_id,
        identities=[
            schemas.IdentityOut(kind=i.kind, value=i.value, verified=i.verified)
            for i in item.identities.all()
        ],
    )


def events(items: Iterable[Event]) -> list[schemas.EventOut]:
    return [
        schemas.EventOut(
            id=item.pk,
            kind=item.kind,
            created_at=item.created_at,
            conversation_id=item.conversation_id,
            actor_user_id=item.actor_user_id,
            actor_contact_id=item.actor_contact_id,
            data=item.data if isinstance(item.data, dict) else {"value": item.data},
        )
        for item in items
    ]
