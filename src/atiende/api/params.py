"""Path and query parameters shared by the routes, each bounded so no value can overflow a
database integer or reach a query unchecked."""

from __future__ import annotations

from ninja.params import P, PathEx
from pydantic import BaseModel, ConfigDict, Field, field_validator

from atiende.api.schemas import BIGINT_MAX, ObjectId, StatusName, Text50, Text200

IdPath = PathEx[int, P(ge=1, le=BIGINT_MAX)]
TokenPath = PathEx[str, P(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class Filters(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Page(Filters):
    limit: int = Field(25, ge=1, le=100)


class ConversationFilters(Page):
    status: StatusName | None = None
    # "me", "none" or an agent's id.
    assignee: str | None = Field(None, pattern=r"^(me|none|[1-9][0-9]{0,18})$")
    team: ObjectId | None = None
    inbox: ObjectId | None = None
    tag: Text50 | None = None
    q: Text200 | None = None
    cursor: str | None = Field(None, max_length=200)

    @field_validator("assignee")
    @classmethod
    def _assignee_in_range(cls, value: str | None) -> str | None:
        if value is not None and value.isdigit() and int(value) > BIGINT_MAX:
            raise ValueError("no such agent id")
        return value


class CursorPage(Page):
    cursor: str | None = Field(None, max_length=200)


class MessageFilters(Filters):
    after_seq: int = Field(0, ge=0, le=2**31 - 1)
    limit: int = Field(100, ge=1, le=500)


class ContactFilters(Page):
    q: Text200 | None = None
    offset: int = Field(0, ge=0, le=1_000_000)


class EventFilters(Filters):
    conversation_id: ObjectId
    after_id: int = Field(0, ge=0, le=BIGINT_MAX)
    limit: int = Field(100, ge=1, le=500)
