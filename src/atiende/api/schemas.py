"""Typed request and response bodies: the edge validation. Write schemas are explicit
allowlists (unknown fields are refused) and never carry an owner or tenant id."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

BIGINT_MAX = 2**63 - 1


def _storable(value: str) -> str:
    """Refuse text no database can store: NUL characters (PostgreSQL) and lone surrogates."""
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("the text is not valid Unicode") from exc
    return value


Storable = AfterValidator(_storable)
# Strings of bounded length that the database can store.
Text50 = Annotated[str, StringConstraints(max_length=50), Storable]
Text100 = Annotated[str, StringConstraints(max_length=100), Storable]
Text200 = Annotated[str, StringConstraints(max_length=200), Storable]
Text255 = Annotated[str, StringConstraints(max_length=255), Storable]
Body = Annotated[str, StringConstraints(max_length=200_000), Storable]
Html = Annotated[str, StringConstraints(max_length=1_000_000), Storable]


ObjectId = Annotated[int, Field(ge=1, le=BIGINT_MAX)]
StatusName = Literal["new", "open", "pending", "solved", "closed"]
PriorityName = Literal["low", "normal", "high", "urgent"]


class Error(BaseModel):
    detail: str | list[dict[str, Any]]


class WriteSchema(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- Requests ----------------------------------------------------------------------------------


class ContactIn(WriteSchema):
    email: Text255 = ""
    name: Text200 = ""
    # The integrator's own id for this customer (an API identity).
    external_ref: Text255 = ""


class ConversationCreate(WriteSchema):
    inbox_id: ObjectId
    contact: ContactIn
    subject: Text255 = ""
    text: Body = ""
    html: Html = ""
    # The integrator's id for this message: a repeat returns the same conversation.
    external_id: Text255 = ""


class TagChanges(WriteSchema):
    add: Annotated[list[Text50], Field(max_length=50)] = []
    remove: Annotated[list[Text50], Field(max_length=50)] = []


class ConversationPatch(WriteSchema):
    status: StatusName | None = None
    priority: PriorityName | None = None
    # null unassigns / removes the team; leaving the key out changes nothing.
    assignee_id: ObjectId | None = None
    team_id: ObjectId | None = None
    tags: TagChanges | None = None


class MessageCreate(WriteSchema):
    kind: Literal["reply", "note"]
    text: Body = ""
    html: Html = ""
    # For replies: the status to leave the conversation in (e.g. "pending").
    status: StatusName | None = None


class CustomerMessageCreate(WriteSchema):
    text: Body
    # The client's own id for this message, so a retried send is stored once.
    client_message_id: Text100 = ""


class ContactMerge(WriteSchema):
    into_id: ObjectId


# --- Responses ---------------------------------------------------------------------------------


class ContactSummary(BaseModel):
    id: int
    name: str
    email: str


class ConversationOut(BaseModel):
    id: int
    subject: str
    status: str
    priority: str
    inbox_id: int
    team_id: int | None
    assignee_id: int | None
    contact: ContactSummary
    tags: list[str]
    language: str
    created_at: datetime
    updated_at: datetime
    last_message_at: datetime
    last_seq: int
    follow_up_of_id: int | None
    merged_into_id: int | None


class ConversationPage(BaseModel):
    results: list[ConversationOut]
    next: str | None


class AttachmentOut(BaseModel):
    token: str
    filename: str
    content_type: str
    size: int
    url: str


class AuthorOut(BaseModel):
    kind: Literal["agent", "contact", "system"]
    id: int | None
    name: str


class MessageOut(BaseModel):
    id: int
    uuid: UUID
    seq: int
    direction: str
    author: AuthorOut
    text: str
    html: str
    delivery_status: str
    delivery_error: str
    created_at: datetime
    attachments: list[AttachmentOut]


class MessagePage(BaseModel):
    results: list[MessageOut]
    next: str | None


class IdentityOut(BaseModel):
    kind: str
    value: str
    verified: bool


class ContactOut(BaseModel):
    id: int
    name: str
    email: str
    language: str
    created_at: datetime
    merged_into_id: int | None
    identities: list[IdentityOut]


class ContactPage(BaseModel):
    results: list[ContactOut]
    next: str | None


class EventOut(BaseModel):
    id: int
    kind: str
    created_at: datetime
    conversation_id: int | None
    actor_user_id: int | None
    actor_contact_id: int | None
    data: dict[str, Any]


class EventPage(BaseModel):
    results: list[EventOut]
    next: str | None


class CustomerConversationOut(BaseModel):
    id: int
    subject: str
    status: str
    created_at: datetime
    last_message_at: datetime
    last_seq: int


class CustomerConversationPage(BaseModel):
    results: list[CustomerConversationOut]
    next: str | None


class CustomerMessageOut(BaseModel):
    id: int
    uuid: UUID
    seq: int
    direction: str
    from_customer: bool
    author_name: str
    text: str
    html: str
    created_at: datetime
    attachments: list[AttachmentOut]


class CustomerMessagePage(BaseModel):
    results: list[CustomerMessageOut]
    next: str | None
