"""REST endpoints of the accounts app, mounted at /api/accounts/ by atiende.api.main.

Agents (token or session) read a contact's account and preview / do every action; supervisors
work the approval queue; the signed-in customer uses `/me/...` for self-service within the same
policy; the business's back end posts activity and updates to `/ingest/...` with an admin's API
token. The detailed activity log is not here: it needs the customer's grant, and is served by
the consent app's endpoints.
"""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Header, Router

from atiende.accounts import actions, policy, reads
from atiende.accounts.actions import CustomerActor
from atiende.accounts.ingest import ingest_activity, ingest_updates
from atiende.accounts.models import ApprovalRequest, ApprovalStatus
from atiende.accounts.schemas import (
    ActionIn,
    ActivityBatch,
    ApprovalOut,
    IngestOut,
    InvoicePath,
    RejectIn,
    UpdateBatch,
    Verb,
)
from atiende.accounts.types import (
    AccountSummary,
    ChargeInfo,
    CreditInfo,
    InvoiceInfo,
    MemberInfo,
    Outcome,
    PlanInfo,
    Preview,
    RefundInfo,
    TransactionInfo,
)
from atiende.api.auth import AGENT_AUTH, CUSTOMER_AUTH, agent_of, customer_of, token_auth
from atiende.api.params import IdPath
from atiende.api.schemas import Error
from atiende.conversations.access import (
    access_contact_by_id,
    access_conversation_by_id,
    access_customer_conversation,
)
from atiende.conversations.models import Conversation
from atiende.core.errors import ActionError, NotAllowed, NotFound
from atiende.people.models import Contact, Role, User

router = Router(tags=["accounts"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}
KeyHeader = Annotated[str | None, Header(alias="Idempotency-Key")]


def _key(payload: ActionIn, header: str | None) -> str:
    key = header or payload.idempotency_key
    if not key:
        raise ActionError(_("Send an Idempotency-Key header (or idempotency_key)."))
    return key


def _summary(contact: Contact) -> AccountSummary:
    summary = reads.summary(contact)
    if summary is None:
        raise NotFound(_("No account is linked to this customer's verified identities."))
    return summary


def _document(contact: Contact, invoice_id: str) -> HttpResponse:
    document = reads.invoice_document(contact, invoice_id)
    response = HttpResponse(document.body, content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- agents ---------------------------------------------------------------------------------


@router.get(
    "/plans",
    auth=[*AGENT_AUTH, *CUSTOMER_AUTH],
    response={200: list[PlanInfo], **ERRORS},
    operation_id="account_plans",
)
def list_plans(request: HttpRequest) -> list[PlanInfo]:
    return reads.plans()


@router.get(
    "/contacts/{contact_id}/summary",
    auth=AGENT_AUTH,
    response={200: AccountSummary, **ERRORS},
    operation_id="account_summary",
)
def contact_summary(request: HttpRequest, contact_id: IdPath) -> AccountSummary:
    """Plan, status, renewal, price and the last payment's state (no grant needed)."""
    return _summary(access_contact_by_id(agent_of(request), contact_id))


@router.get(
    "/contacts/{contact_id}/invoices",
    auth=AGENT_AUTH,
    response={200: list[InvoiceInfo], **ERRORS},
    operation_id="account_invoices",
)
def contact_invoices(request: HttpRequest, contact_id: IdPath) -> list[InvoiceInfo]:
    return reads.invoices(access_contact_by_id(agent_of(request), contact_id))


@router.get(
    "/contacts/{contact_id}/invoices/{invoice_id}/document",
    auth=AGENT_AUTH,
    response={200: None, **ERRORS},
    operation_id="account_invoice_document",
)
def contact_invoice_document(
    request: HttpRequest, contact_id: IdPath, invoice_id: InvoicePath
) -> HttpResponse:
    return _document(access_contact_by_id(agent_of(request), contact_id), invoice_id)


@router.get(
    "/contacts/{contact_id}/charges",
    auth=AGENT_AUTH,
    response={200: list[ChargeInfo], **ERRORS},
    operation_id="account_charges",
)
def contact_charges(request: HttpRequest, contact_id: IdPath) -> list[ChargeInfo]:
    return reads.charges(access_contact_by_id(agent_of(request), contact_id))


@router.get(
    "/contacts/{contact_id}/refunds",
    auth=AGENT_AUTH,
    response={200: list[RefundInfo], **ERRORS},
    operation_id="account_refunds",
)
def contact_refunds(request: HttpRequest, contact_id: IdPath) -> list[RefundInfo]:
    return reads.refunds(access_contact_by_id(agent_of(request), contact_id))


@router.get(
    "/contacts/{contact_id}/credits",
    auth=AGENT_AUTH,
    response={200: list[CreditInfo], **ERRORS},
    operation_id="account_credits",
)
def contact_credits(request: HttpRequest, contact_id: IdPath) -> list[CreditInfo]:
    return reads.credits(access_contact_by_id(agent_of(request), contact_id))


@router.get(
    "/contacts/{contact_id}/members",
    auth=AGENT_AUTH,
    response={200: list[MemberInfo], **ERRORS},
    operation_id="account_members",
)
def contact_members(request: HttpRequest, contact_id: IdPath) -> list[MemberInfo]:
    return reads.members(access_contact_by_id(agent_of(request), contact_id))


@router.get(
    "/contacts/{contact_id}/transactions",
    auth=AGENT_AUTH,
    response={200: list[TransactionInfo], **ERRORS},
    operation_id="account_transactions",
)
def contact_transactions(request: HttpRequest, contact_id: IdPath) -> list[TransactionInfo]:
    """Crypto deposits, withdrawals and transfers: status, amount, network, hash, confirmations."""
    return reads.transactions(access_contact_by_id(agent_of(request), contact_id))


def _agent_conversation(user: User, payload: ActionIn) -> Conversation | None:
    if payload.conversation_id is None:
        return None
    return access_conversation_by_id(user, payload.conversation_id)


@router.post(
    "/contacts/{contact_id}/actions/{verb}/preview",
    auth=AGENT_AUTH,
    response={200: Preview, **ERRORS},
    operation_id="account_action_preview",
)
def preview_action(
    request: HttpRequest, contact_id: IdPath, verb: Verb, payload: ActionIn
) -> Preview:
    """What the action would change, what it costs, whether it needs approval, and what the
    customer will be told."""
    user = agent_of(request)
    contact = access_contact_by_id(user, contact_id)
    conversation = _agent_conversation(user, payload)
    return actions.preview_action(str(verb), user, contact, conversation, **payload.params())


@router.post(
    "/contacts/{contact_id}/actions/{verb}",
    auth=AGENT_AUTH,
    response={200: Outcome, **ERRORS},
    operation_id="account_action_do",
)
def do_action(
    request: HttpRequest,
    contact_id: IdPath,
    verb: Verb,
    payload: ActionIn,
    idempotency_key: KeyHeader = None,
) -> Outcome:
    """Do the action (or queue it for approval: `status` is `pending_approval`). Repeating a
    request with the same idempotency key returns the first outcome (`replayed`)."""
    user = agent_of(request)
    contact = access_contact_by_id(user, contact_id)
    return actions.do_action(
        str(verb),
        user,
        contact,
        idempotency_key=_key(payload, idempotency_key),
        conversation=_agent_conversation(user, payload),
        **payload.params(),
    )


def _approval_out(approval: ApprovalRequest) -> ApprovalOut:
    action = approval.action
    return ApprovalOut(
        id=approval.pk,
        status=ApprovalStatus.EXPIRED if policy.approval_expired(approval) else approval.status,
        reason=approval.reason,
        verb=action.verb,
        title=action.title,
        amount=action.amount,
        currency=action.currency,
        contact_id=action.contact_id,
        conversation_id=action.conversation_id,
        requested_by=str(approval.requested_by or ""),
        created_at=approval.created_at,
        expires_at=policy.approval_deadline(approval),
        note=approval.decision_note,
    )


@router.get(
    "/approvals",
    auth=AGENT_AUTH,
    response={200: list[ApprovalOut], **ERRORS},
    operation_id="account_approvals",
)
def list_approvals(request: HttpRequest) -> list[ApprovalOut]:
    """Pending requests: all of them for supervisors and admins, their own for agents."""
    return [_approval_out(item) for item in policy.pending_approvals(agent_of(request))[:200]]


@router.post(
    "/approvals/{approval_id}/approve",
    auth=AGENT_AUTH,
    response={200: Outcome, **ERRORS},
    operation_id="account_approval_approve",
)
def approve(request: HttpRequest, approval_id: IdPath) -> Outcome:
    return policy.approve_request(agent_of(request), approval_id)


@router.post(
    "/approvals/{approval_id}/reject",
    auth=AGENT_AUTH,
    response={200: Outcome, **ERRORS},
    operation_id="account_approval_reject",
)
def reject(request: HttpRequest, approval_id: IdPath, payload: RejectIn) -> Outcome:
    return policy.reject_request(agent_of(request), approval_id, payload.reason)


# --- the signed-in customer -----------------------------------------------------------------


@router.get(
    "/me/summary",
    auth=CUSTOMER_AUTH,
    response={200: AccountSummary, **ERRORS},
    operation_id="my_account_summary",
)
def my_summary(request: HttpRequest) -> AccountSummary:
    return _summary(customer_of(request))


@router.get(
    "/me/invoices",
    auth=CUSTOMER_AUTH,
    response={200: list[InvoiceInfo], **ERRORS},
    operation_id="my_account_invoices",
)
def my_invoices(request: HttpRequest) -> list[InvoiceInfo]:
    return reads.invoices(customer_of(request))


@router.get(
    "/me/invoices/{invoice_id}/document",
    auth=CUSTOMER_AUTH,
    response={200: None, **ERRORS},
    operation_id="my_account_invoice_document",
)
def my_invoice_document(request: HttpRequest, invoice_id: InvoicePath) -> HttpResponse:
    return _document(customer_of(request), invoice_id)


@router.get(
    "/me/refunds",
    auth=CUSTOMER_AUTH,
    response={200: list[RefundInfo], **ERRORS},
    operation_id="my_account_refunds",
)
def my_refunds(request: HttpRequest) -> list[RefundInfo]:
    return reads.refunds(customer_of(request))


def _customer_conversation(contact: Contact, payload: ActionIn) -> Conversation | None:
    if payload.conversation_id is None:
        return None
    return access_customer_conversation(contact, payload.conversation_id)


@router.post(
    "/me/actions/{verb}/preview",
    auth=CUSTOMER_AUTH,
    response={200: Preview, **ERRORS},
    operation_id="my_account_action_preview",
)
def my_preview(request: HttpRequest, verb: Verb, payload: ActionIn) -> Preview:
    contact = customer_of(request)
    conversation = _customer_conversation(contact, payload)
    return actions.preview_action(
        str(verb), CustomerActor(contact), contact, conversation, **payload.params()
    )


@router.post(
    "/me/actions/{verb}",
    auth=CUSTOMER_AUTH,
    response={200: Outcome, **ERRORS},
    operation_id="my_account_action_do",
)
def my_action(
    request: HttpRequest, verb: Verb, payload: ActionIn, idempotency_key: KeyHeader = None
) -> Outcome:
    """Self-service: change plan, pause, resume, cancel, update the card, family members."""
    contact = customer_of(request)
    return actions.do_action(
        str(verb),
        CustomerActor(contact),
        contact,
        idempotency_key=_key(payload, idempotency_key),
        conversation=_customer_conversation(contact, payload),
        **payload.params(),
    )


# --- the business's back end ----------------------------------------------------------------


def _integration(request: HttpRequest) -> User:
    user = agent_of(request)
    if user.role != Role.ADMIN and not user.is_superuser:
        raise NotAllowed(_("Posting account data needs an admin's API token."))
    return user


@router.post(
    "/ingest/activity",
    auth=[token_auth],
    response={200: IngestOut, **ERRORS},
    operation_id="account_ingest_activity",
)
def post_activity(request: HttpRequest, payload: ActivityBatch) -> IngestOut:
    """Activity events (errors, device syncs, logins, app versions...), idempotent by event_id."""
    _integration(request)
    report = ingest_activity(payload.events)
    return IngestOut(
        created=report.created,
        updated=report.updated,
        duplicates=report.duplicates,
        errors=report.errors,
    )


@router.post(
    "/ingest/updates",
    auth=[token_auth],
    response={200: IngestOut, **ERRORS},
    operation_id="account_ingest_updates",
)
def post_updates(request: HttpRequest, payload: UpdateBatch) -> IngestOut:
    """Plans, accounts, subscriptions, charges and crypto transactions for the built-in
    provider, upserted by the business's ids."""
    _integration(request)
    report = ingest_updates(payload.accounts, payload.charges, payload.transactions, payload.plans)
    return IngestOut(
        created=report.created,
        updated=report.updated,
        duplicates=report.duplicates,
        errors=report.errors,
    )
