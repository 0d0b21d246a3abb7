"""Who may do which account action, and when a supervisor must approve it first.

- Customers (a `CustomerActor`) may change their plan, pause, resume, cancel, update their card
  and manage their family members themselves; never refunds, credits or withdrawal freezes.
- Refunds and credits have per-role limits per customer over a rolling window, read from
  settings (`ATIENDE_REFUND_LIMITS`, `ATIENDE_CREDIT_LIMITS`: role → minor units, `None` for no
  limit; `ATIENDE_ACCOUNT_LIMIT_WINDOW_DAYS`). Above the limit the action waits for approval.
- Freezing or unfreezing crypto withdrawals always needs a supervisor's approval and then the
  customer's confirmation through a single-use link.
- Nobody approves their own request; an approver's own limit must cover the amount.
- A request not decided within `ATIENDE_APPROVAL_MAX_AGE` seconds (48 hours) expires: nobody
  can approve it any more, the action fails with the reason (the agent sees it on the
  conversation's timeline and in the queue) and it stops counting against the limit.

The approval queue is here too: `pending_approvals(actor)`, `approve_request(actor, id)` (which
then carries the action out) and `reject_request(actor, id, reason)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.accounts.models import (
    AccountAction,
    ActionStatus,
    ApprovalRequest,
    ApprovalStatus,
)
from atiende.accounts.types import Outcome
from atiende.core import events
from atiende.core.errors import ActionError, Conflict, NotAllowed, NotFound
from atiende.people.models import Role, User

if TYPE_CHECKING:
    from atiende.accounts.actions.common import Actor

CUSTOMER = "customer"
DEFAULT_LIMITS: dict[str, dict[str, int | None]] = {
    "refund": {Role.AGENT: 5_000, Role.SUPERVISOR: 50_000, Role.ADMIN: None},
    "grant_credit": {Role.AGENT: 2_000, Role.SUPERVISOR: 20_000, Role.ADMIN: None},
}
LIMIT_SETTINGS = {"refund": "ATIENDE_REFUND_LIMITS", "grant_credit": "ATIENDE_CREDIT_LIMITS"}
CUSTOMER_VERBS = frozenset(
    {
        "change_plan",
        "send_payment_link",
        "pause",
        "resume",
        "cancel",
        "add_family_member",
        "remove_family_member",
    }
)
SENSITIVE_VERBS = frozenset({"freeze_withdrawals", "unfreeze_withdrawals"})
MONEY_VERBS = frozenset(LIMIT_SETTINGS)
# Actions counted against a limit: done, or queued (so two requests cannot slip under it).
COUNTED = (ActionStatus.DONE, ActionStatus.RUNNING, ActionStatus.PENDING_APPROVAL)
DEFAULT_APPROVAL_MAX_AGE = 48 * 3600
# Expired requests stay in the queue this long (marked expired), so the agent sees why.
EXPIRED_SHOWN_FOR = timedelta(days=7)


def role_of(actor: Actor) -> str:
    if isinstance(actor, User):
        return Role.ADMIN if actor.is_superuser else str(actor.role)
    return CUSTOMER


def check_allowed(actor: Actor, verb: str) -> None:
    if isinstance(actor, User):
        if not actor.is_active:
            raise NotAllowed(_("This agent is not active."))
        return
    if verb not in CUSTOMER_VERBS:
        raise NotAllowed(_("Please ask our support team to do this for you."))


def limit_for(verb: str, role: str) -> int | None:
    """The role's limit for a money verb; roles missing from the setting get 0 (always ask)."""
    limits: dict[str, Any] = getattr(settings, LIMIT_SETTINGS[verb], None) or DEFAULT_LIMITS[verb]
    if role not in limits:
        return 0
    value = limits[role]
    return None if value is None else int(value)


def window_days() -> int:
    return int(getattr(settings, "ATIENDE_ACCOUNT_LIMIT_WINDOW_DAYS", 30))


def approval_max_age() -> timedelta:
    """How long a request waits for a supervisor (`ATIENDE_APPROVAL_MAX_AGE`, seconds)."""
    seconds = int(getattr(settings, "ATIENDE_APPROVAL_MAX_AGE", DEFAULT_APPROVAL_MAX_AGE))
    return timedelta(seconds=max(60, seconds))


def approval_deadline(approval: ApprovalRequest) -> datetime:
    return approval.expires_at or approval.created_at + approval_max_age()


def approval_expired(approval: ApprovalRequest, now: datetime | None = None) -> bool:
    """Expired, or pending past its deadline (not yet recorded)."""
    if approval.status == ApprovalStatus.EXPIRED:
        return True
    return approval.status == ApprovalStatus.PENDING and approval_deadline(approval) <= (
        now or timezone.now()
    )


def expiry_message() -> str:
    hours = max(1, round(approval_max_age().total_seconds() / 3600))
    return _(
        "The approval request expired: no supervisor decided within %(hours)s hours. Ask again "
        "if it is still needed."
    ) % {"hours": hours}


def _overdue(now: datetime) -> Q:
    return Q(expires_at__lte=now) | Q(
        expires_at__isnull=True, created_at__lte=now - approval_max_age()
    )


def expire_approvals(*, account_id: str | None = None, approval_id: int | None = None) -> int:
    """Record the expiry of pending requests past their deadline; how many expired.

    Each one: the request becomes `expired` (conditional update: a supervisor deciding at the
    same moment either wins or is told it expired), its action `failed` with the reason, and an
    `account.approval_expired` event tells the requesting agent on the conversation.
    """
    now = timezone.now()
    overdue = ApprovalRequest.objects.filter(status=ApprovalStatus.PENDING).filter(_overdue(now))
    if account_id is not None:
        overdue = overdue.filter(action__account_id=account_id)
    if approval_id is not None:
        overdue = overdue.filter(pk=approval_id)
    expired = 0
    for approval in overdue.select_related("action", "action__conversation", "action__contact"):
        message = expiry_message()
        with transaction.atomic():
            ended = ApprovalRequest.objects.filter(
                pk=approval.pk, status=ApprovalStatus.PENDING
            ).update(status=ApprovalStatus.EXPIRED, decided_at=now, decision_note=message)
            if not ended:
                continue
            action = approval.action
            AccountAction.objects.filter(pk=action.pk, status=ActionStatus.PENDING_APPROVAL).update(
                status=ActionStatus.FAILED, error=message[:500], updated_at=now
            )
            events.record(
                "account.approval_expired",
                conversation=action.conversation,
                contact=action.contact,
                data={
                    "action_id": action.pk,
                    "approval_id": approval.pk,
                    "verb": action.verb,
                    "title": action.result.get("title", ""),
                    "note": message,
                },
            )
            expired += 1
    return expired


def used_in_window(verb: str, account_id: str, currency: str, *, exclude: int | None = None) -> int:
    since = timezone.now() - timedelta(days=window_days())
    rows = AccountAction.objects.filter(
        account_id=account_id,
        verb=verb,
        currency=currency,
        status__in=COUNTED,
        created_at__gte=since,
    )
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return int(rows.aggregate(total=Sum("amount"))["total"] or 0)


@dataclass(frozen=True)
class Decision:
    needs_approval: bool
    reason: str = ""


def decide(actor: Actor, verb: str, *, account_id: str, amount: int, currency: str) -> Decision:
    """Whether `actor` may do this at once or must wait for a supervisor."""
    check_allowed(actor, verb)
    if verb in SENSITIVE_VERBS:
        return Decision(True, _("Withdrawal freezes always need a supervisor's approval."))
    if verb not in MONEY_VERBS:
        return Decision(False)
    limit = limit_for(verb, role_of(actor))
    if limit is None:
        return Decision(False)
    expire_approvals(account_id=account_id)  # an expired request no longer counts
    used = used_in_window(verb, account_id, currency)
    if used + amount > limit:
        return Decision(
            True,
            _(
                "Above your limit: %(used)s already in the last %(days)s days for this customer, "
                "limit %(limit)s (minor units, %(currency)s)."
            )
            % {"used": used, "days": window_days(), "limit": limit, "currency": currency},
        )
    return Decision(False)


def can_approve(user: User, approval: ApprovalRequest) -> bool:
    if not user.is_active or role_of(user) not in {Role.SUPERVISOR, Role.ADMIN}:
        return False
    if approval.status != ApprovalStatus.PENDING or approval_expired(approval):
        return False
    action = approval.action
    if action.actor_user_id == user.pk:
        return False
    if action.verb not in MONEY_VERBS:
        return True
    limit = limit_for(action.verb, role_of(user))
    if limit is None:
        return True
    used = used_in_window(action.verb, action.account_id, action.currency, exclude=action.pk)
    return used + int(action.amount or 0) <= limit


def pending_approvals(actor: User) -> QuerySet[ApprovalRequest]:
    """The queue: supervisors and admins see every pending request, agents their own; requests
    that expired in the last days stay listed (as expired) so everyone sees what happened."""
    expire_approvals()
    shown = Q(status=ApprovalStatus.PENDING) | Q(
        status=ApprovalStatus.EXPIRED, decided_at__gte=timezone.now() - EXPIRED_SHOWN_FOR
    )
    rows = ApprovalRequest.objects.filter(shown).select_related(
        "action", "action__contact", "action__conversation", "requested_by"
    )
    if not actor.is_active:
        return rows.none()
    if role_of(actor) in {Role.SUPERVISOR, Role.ADMIN}:
        return rows
    return rows.filter(requested_by=actor)


def access_approval(actor: User, request_id: int) -> ApprovalRequest:
    approval = (
        ApprovalRequest.objects.select_related("action", "action__contact", "requested_by")
        .filter(pk=request_id)
        .first()
    )
    if approval is None or not (
        role_of(actor) in {Role.SUPERVISOR, Role.ADMIN} or approval.requested_by_id == actor.pk
    ):
        raise NotFound(_("Approval request not found."))
    return approval


def _decide_request(actor: User, request_id: int, status: str, note: str) -> ApprovalRequest:
    approval = access_approval(actor, request_id)
    if approval_expired(approval):
        expire_approvals(approval_id=approval.pk)
        raise Conflict(expiry_message())
    if approval.status != ApprovalStatus.PENDING:
        raise Conflict(_("This request has already been decided."))
    if not can_approve(actor, approval):
        raise NotAllowed(_("You may not decide on this request."))
    with transaction.atomic():
        # Conditional: of two supervisors deciding at once, one wins and the other is told;
        # a request whose deadline passed meanwhile is not approved either.
        now = timezone.now()
        updated = (
            ApprovalRequest.objects.filter(pk=approval.pk, status=ApprovalStatus.PENDING)
            .exclude(_overdue(now))
            .update(status=status, decided_by=actor, decided_at=now, decision_note=note[:500])
        )
        if updated == 1:
            approval.refresh_from_db()
            action = approval.action
            events.record(
                "account.approval_approved"
                if status == ApprovalStatus.APPROVED
                else "account.approval_rejected",
                conversation=action.conversation,
                contact=action.contact,
                actor_user=actor,
                data={
                    "action_id": action.pk,
                    "approval_id": approval.pk,
                    "verb": action.verb,
                    "note": note[:500],
                },
            )
    if updated != 1:
        if expire_approvals(approval_id=approval.pk):
            raise Conflict(expiry_message())
        raise Conflict(_("This request has already been decided."))
    return approval


def approve_request(actor: User, request_id: int) -> Outcome:
    """Approve and carry out the action (a withdrawal freeze then waits for the customer)."""
    from atiende.accounts.actions.common import after_approval

    approval = _decide_request(actor, request_id, ApprovalStatus.APPROVED, "")
    return after_approval(approval, actor)


def reject_request(actor: User, request_id: int, reason: str) -> Outcome:
    reason = (reason or "").strip()
    if not reason:
        raise ActionError(_("Say why the request is rejected."))
    approval = _decide_request(actor, request_id, ApprovalStatus.REJECTED, reason)
    AccountAction.objects.filter(pk=approval.action_id).update(
        status=ActionStatus.REJECTED, error=reason[:500], updated_at=timezone.now()
    )
    return Outcome(
        status="rejected",
        verb=approval.action.verb,
        action_id=approval.action_id,
        approval_id=approval.pk,
        message=reason,
    )
