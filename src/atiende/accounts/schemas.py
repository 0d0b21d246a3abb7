"""Request schemas of the accounts API: explicit allowlists (`extra="forbid"`), bounded sizes.
Responses are the provider contract's dataclasses (`types.py`) themselves."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from ninja.params import P, PathEx
from pydantic import BaseModel, ConfigDict, Field

from atiende.accounts.provider import VERBS
from atiende.api.schemas import Storable

Verb = StrEnum("Verb", {verb: verb for verb in VERBS})  # type: ignore[misc]  # built from VERBS
# The provider's invoice id in a path: short, plain characters.
InvoicePath = PathEx[str, P(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]
Short = Annotated[str, Storable, Field(max_length=200)]
Code = Annotated[str, Storable, Field(max_length=40)]
Amount = Annotated[int, Field(ge=-(10**12), le=10**12)]


class WriteSchema(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ActionIn(WriteSchema):
    """The parameters of any action; each verb reads only its own (see docs/accounts.md)."""

    conversation_id: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = None
    idempotency_key: Annotated[str, Storable, Field(min_length=8, max_length=200)] | None = None
    plan: Code | None = None
    from_plan: Code | None = None
    months: Annotated[int, Field(ge=-100, le=100)] | None = None
    reason: Short | None = None
    offer: Code | None = None
    immediately: bool | None = None
    charge_id: Annotated[str, Storable, Field(max_length=100)] | None = None
    amount: Amount | None = None
    currency: Annotated[str, Storable, Field(max_length=3)] | None = None
    expires_in_days: Annotated[int, Field(ge=-10_000, le=10_000)] | None = None
    email: Annotated[str, Storable, Field(max_length=254)] | None = None
    name: Short | None = None

    def params(self) -> dict[str, object]:
        return self.model_dump(exclude_none=True, exclude={"conversation_id", "idempotency_key"})


class RejectIn(WriteSchema):
    reason: Annotated[str, Storable, Field(min_length=1, max_length=500)]


class ApprovalOut(BaseModel):
    id: int
    status: str
    reason: str
    verb: str
    title: str
    amount: int | None
    currency: str
    contact_id: int
    conversation_id: int | None
    requested_by: str
    created_at: datetime
    # Past this nobody may approve it; `status` is then "expired" and `note` says why.
    expires_at: datetime
    note: str


class ActivityIn(WriteSchema):
    event_id: Annotated[str, Storable, Field(min_length=1, max_length=100)]
    user_id: Annotated[str, Storable, Field(min_length=1, max_length=100)]
    kind: Annotated[str, Storable, Field(min_length=1, max_length=40)]
    occurred_at: datetime
    is_error: bool = False
    device: Annotated[str, Storable, Field(max_length=100)] = ""
    app_version: Annotated[str, Storable, Field(max_length=40)] = ""
    country: Annotated[str, Storable, Field(max_length=2)] = ""
    code: Annotated[str, Storable, Field(max_length=60)] = ""
    message: Annotated[str, Storable, Field(max_length=500)] = ""


class ActivityBatch(WriteSchema):
    events: Annotated[list[ActivityIn], Field(min_length=1, max_length=1000)]


class PlanIn(WriteSchema):
    code: Annotated[str, Storable, Field(pattern=r"^[a-z0-9_-]{1,40}$")]
    name: Annotated[str, Storable, Field(min_length=1, max_length=100)]
    price: Annotated[int, Field(ge=0, le=10**12)]
    currency: Annotated[str, Storable, Field(min_length=3, max_length=3)]
    interval: Annotated[str, Storable, Field(pattern="^(month|year)$")] = "month"
    max_members: Annotated[int, Field(ge=1, le=100)] = 1
    requires_student_verification: bool = False
    list_price: Annotated[int, Field(ge=0, le=10**12)] = 0
    position: Annotated[int, Field(ge=0, le=1000)] = 0


class AccountIn(WriteSchema):
    user_id: Annotated[str, Storable, Field(min_length=1, max_length=100)]
    email: Annotated[str, Storable, Field(min_length=3, max_length=254)]
    name: Short = ""
    kind: Annotated[str, Storable, Field(pattern="^(subscription|exchange)$")] = "subscription"
    country: Annotated[str, Storable, Field(max_length=2)] = ""
    currency: Annotated[str, Storable, Field(min_length=3, max_length=3)] = "USD"
    plan: Code | None = None
    status: Annotated[str, Storable, Field(pattern="^(active|past_due|paused|canceled)$")] = (
        "active"
    )
    period_start: datetime | None = None
    period_end: datetime | None = None
    student_verified_until: datetime | None = None


class ChargeIn(WriteSchema):
    charge_id: Annotated[str, Storable, Field(min_length=1, max_length=100)]
    user_id: Annotated[str, Storable, Field(min_length=1, max_length=100)]
    amount: Annotated[int, Field(ge=0, le=10**12)]
    currency: Annotated[str, Storable, Field(min_length=3, max_length=3)]
    status: Annotated[str, Storable, Field(pattern="^(succeeded|failed)$")] = "succeeded"
    description: Short = ""
    card: Annotated[str, Storable, Field(max_length=40)] = ""
    failure_reason: Short = ""
    created_at: datetime | None = None


class TransactionIn(WriteSchema):
    transaction_id: Annotated[str, Storable, Field(min_length=1, max_length=100)]
    user_id: Annotated[str, Storable, Field(min_length=1, max_length=100)]
    kind: Annotated[str, Storable, Field(pattern="^(deposit|withdrawal|transfer)$")]
    status: Annotated[
        str, Storable, Field(pattern="^(pending|confirming|completed|on_hold|failed|canceled)$")
    ]
    asset: Annotated[str, Storable, Field(min_length=1, max_length=12)]
    network: Annotated[str, Storable, Field(min_length=1, max_length=40)]
    amount: Annotated[int, Field(ge=0, le=9 * 10**18)]  # fits a 64-bit column
    decimals: Annotated[int, Field(ge=0, le=30)] = 8
    tx_hash: Annotated[str, Storable, Field(max_length=100)] = ""
    confirmations: Annotated[int, Field(ge=0, le=10**9)] = 0
    required_confirmations: Annotated[int, Field(ge=0, le=10**9)] = 0
    address: Annotated[str, Storable, Field(max_length=120)] = ""
    created_at: datetime | None = None


class UpdateBatch(WriteSchema):
    """Built-in provider updates from the business, applied in this order: plans, accounts
    (with their subscription), charges, crypto transactions."""

    plans: Annotated[list[PlanIn], Field(max_length=100)] = []
    accounts: Annotated[list[AccountIn], Field(max_length=1000)] = []
    charges: Annotated[list[ChargeIn], Field(max_length=1000)] = []
    transactions: Annotated[list[TransactionIn], Field(max_length=1000)] = []


class IngestOut(BaseModel):
    created: int
    updated: int
    duplicates: int
    errors: list[str]
