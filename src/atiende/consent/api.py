"""REST endpoints of consented access, mounted at /api/grants/.

Agents (bearer token or session) request, read and end their grants; the signed-in customer
lists theirs and approves, denies or revokes them. Every call reads the grant from the database,
so a token holder loses access the moment the grant is revoked or expires.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from atiende.accounts.linking import account_for_contact
from atiende.accounts.provider import get_provider
from atiende.api.auth import AGENT_AUTH, CUSTOMER_AUTH, agent_of, customer_of
from atiende.api.params import IdPath
from atiende.api.schemas import Error
from atiende.consent import grants
from atiende.consent.messages import use_label
from atiende.consent.models import Grant, Scope
from atiende.conversations.access import access_contact_by_id, access_conversation_by_id
from atiende.core.errors import NotAllowed, NotFound

router = Router(tags=["consent"])

ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}


class GrantRequestIn(Schema):
    contact_id: int = Field(ge=1)
    conversation_id: int | None = Field(default=None, ge=1)
    scope: Literal["activity", "settings"]
    duration_minutes: int = Field(ge=1, le=24 * 60)
    reason: str = Field(min_length=1, max_length=grants.MAX_REASON)


class GrantUseOut(Schema):
    at: datetime
    what: str
    label: str
    detail: str
    # Repeated reads of the same thing within a few minutes share an entry.
    count: int
    last_at: datetime


class GrantOut(Schema):
    id: int
    contact_id: int
    conversation_id: int | None
    agent: str
    scope: str
    status: str
    reason: str
    duration_minutes: int
    requested_at: datetime
    expires_at: datetime | None
    seconds_left: int


class CustomerGrantOut(GrantOut):
    uses: list[GrantUseOut]


class ActivityOut(Schema):
    id: str
    kind: str
    occurred_at: datetime
    is_error: bool
    device: str
    app_version: str
    country: str
    code: str
    message: str


class GrantStatusOut(Schema):
    id: int
    status: str
    seconds_left: int


def present(grant: Grant) -> GrantOut:
    return GrantOut(
        id=grant.pk,
        contact_id=grant.contact_id,
        conversation_id=grant.conversation_id,
        agent=str(grant.agent),
        scope=grant.scope,
        status=grant.effective_status(),
        reason=grant.reason,
        duration_minutes=int(grant.duration.total_seconds() // 60),
        requested_at=grant.requested_at,
        expires_at=grant.expires_at,
        seconds_left=grant.seconds_left(),
    )


def present_for_customer(grant: Grant) -> CustomerGrantOut:
    return CustomerGrantOut(
        **present(grant).model_dump(),
        uses=[
            GrantUseOut(
                at=use.created_at,
                what=use.what,
                label=use_label(use.what),
                detail=use.detail,
                count=use.count,
                last_at=use.last_at,
            )
            for use in grant.uses.all()
        ],
    )


@router.post("", response={201: GrantOut, **ERRORS}, auth=AGENT_AUTH, operation_id="request_grant")
def request_grant(request: HttpRequest, payload: GrantRequestIn) -> Status[GrantOut]:
    """Ask the customer for access; with `conversation_id` the request is sent there."""
    agent = agent_of(request)
    contact = access_contact_by_id(agent, payload.contact_id)
    conversation = (
        access_conversation_by_id(agent, payload.conversation_id)
        if payload.conversation_id is not None
        else None
    )
    grant = grants.request_grant(
        agent,
        contact,
        scope=payload.scope,
        duration=timedelta(minutes=payload.duration_minutes),
        reason=payload.reason,
        conversation=conversation,
    )
    return Status(201, present(grant))


@router.get(
    "", response={200: list[GrantOut], **ERRORS}, auth=AGENT_AUTH, operation_id="list_grants"
)
def list_grants(request: HttpRequest, contact_id: int | None = None) -> list[GrantOut]:
    """The caller's grants (all grants for supervisors), newest first, at most 100."""
    agent = agent_of(request)
    found = Grant.objects.select_related("agent")
    if not agent.sees_everything:
        found = found.filter(agent=agent)
    if contact_id is not None:
        found = found.filter(contact=access_contact_by_id(agent, contact_id))
    return [present(grant) for grant in found[:100]]


@router.get(
    "/mine",
    response={200: list[CustomerGrantOut], **ERRORS},
    auth=CUSTOMER_AUTH,
    operation_id="my_grants",
)
def my_grants(request: HttpRequest) -> list[CustomerGrantOut]:
    """The signed-in customer's grants with every read and action done under them."""
    return [
        present_for_customer(grant) for grant in grants.grants_for_contact(customer_of(request))
    ]


@router.get(
    "/{grant_id}", response={200: GrantOut, **ERRORS}, auth=AGENT_AUTH, operation_id="get_grant"
)
def get_grant(request: HttpRequest, grant_id: IdPath) -> GrantOut:
    return present(grants.access_grant_for_agent(agent_of(request), grant_id))


@router.get(
    "/{grant_id}/status",
    response={200: GrantStatusOut, **ERRORS},
    auth=AGENT_AUTH,
    operation_id="grant_status",
)
def grant_status(request: HttpRequest, grant_id: IdPath) -> GrantStatusOut:
    """Cheap check an open page polls: whether the grant is still in force."""
    grant = grants.access_grant_for_agent(agent_of(request), grant_id)
    return GrantStatusOut(
        id=grant.pk, status=grant.effective_status(), seconds_left=grant.seconds_left()
    )


@router.post(
    "/{grant_id}/revoke",
    response={200: GrantOut, **ERRORS},
    auth=AGENT_AUTH,
    operation_id="revoke_grant",
)
def revoke_grant(request: HttpRequest, grant_id: IdPath) -> GrantOut:
    return present(grants.revoke_grant(agent_of(request), grant_id))


@router.post(
    "/mine/{grant_id}/approve",
    response={200: GrantOut, **ERRORS},
    auth=CUSTOMER_AUTH,
    operation_id="approve_my_grant",
)
def approve_my_grant(request: HttpRequest, grant_id: IdPath) -> GrantOut:
    return present(grants.approve_grant(customer_of(request), grant_id))


@router.post(
    "/mine/{grant_id}/deny",
    response={200: GrantOut, **ERRORS},
    auth=CUSTOMER_AUTH,
    operation_id="deny_my_grant",
)
def deny_my_grant(request: HttpRequest, grant_id: IdPath) -> GrantOut:
    return present(grants.deny_grant(customer_of(request), grant_id))


@router.post(
    "/mine/{grant_id}/revoke",
    response={200: GrantOut, **ERRORS},
    auth=CUSTOMER_AUTH,
    operation_id="revoke_my_grant",
)
def revoke_my_grant(request: HttpRequest, grant_id: IdPath) -> GrantOut:
    return present(grants.revoke_grant(customer_of(request), grant_id))


@router.get(
    "/{grant_id}/activity",
    response={200: list[ActivityOut], **ERRORS},
    auth=AGENT_AUTH,
    operation_id="grant_activity",
)
def grant_activity(
    request: HttpRequest,
    grant_id: IdPath,
    only_errors: bool = False,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[ActivityOut]:
    """The customer's activity log, read under the caller's own "activity" grant (logged for
    the customer). Refused (403) the moment the grant is revoked or expires."""
    agent = agent_of(request)
    grant = grants.access_grant_for_agent(agent, grant_id)
    if grant.agent_id != agent.pk:
        raise NotAllowed(_("Only the agent the customer approved may read under a grant."))
    if grant.scope != Scope.ACTIVITY:
        raise NotAllowed(_("This grant does not cover the activity log."))
    current = grants.require_grant(agent, grant.contact, Scope.ACTIVITY)
    provider = get_provider()
    ref = account_for_contact(grant.contact, provider)
    if ref is None:
        raise NotFound(_("No account is linked to this customer."))
    entries = provider.activity(ref, errors_only=only_errors, since=since, until=until)
    grants.record_use(current, "activity.read", "API")
    return [ActivityOut(**asdict(entry)) for entry in entries]
