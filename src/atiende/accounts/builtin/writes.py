"""The built-in provider's writes. Each runs in one transaction holding the account's row lock
(PostgreSQL `SELECT ... FOR UPDATE`; SQLite's BEGIN IMMEDIATE serialises writers anyway),
re-checks the quote under that lock, and is idempotent on the action's key."""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.accounts.builtin.quotes import PERIOD, charge_of, quote, subscription_of
from atiende.accounts.models import (
    Account,
    Charge,
    ChargeStatus,
    Credit,
    CryptoTransaction,
    FamilyMember,
    Invoice,
    PaymentMethod,
    Plan,
    ProviderReceipt,
    Refund,
    Subscription,
    SubscriptionStatus,
    TransactionKind,
    TransactionStatus,
)
from atiende.accounts.types import AccountRef, Applied
from atiende.core.errors import Conflict, NotFound


def locked_account(ref: AccountRef) -> Account:
    rows = Account.objects.filter(external_id=ref.account_id)
    if connection.features.has_select_for_update:
        rows = rows.select_for_update()
    account = rows.first()
    if account is None:
        raise NotFound(_("Account not found."))
    return account


def _bump(subscription: Subscription, **fields: Any) -> None:
    """Conditional UPDATE on the version read: a concurrent change makes this one fail."""
    updated = Subscription.objects.filter(pk=subscription.pk, version=subscription.version).update(
        version=F("version") + 1, **fields
    )
    if updated != 1:
        raise Conflict(_("The subscription changed meanwhile; look at the account again."))


def invoice_number(moment: datetime) -> str:
    """A new invoice's number: the month it bills, then a random part (unique, unguessable)."""
    return f"INV-{moment:%Y%m}-{secrets.token_hex(4).upper()}"


def _invoice_and_charge(account: Account, amount: int, description: str, key: str) -> Charge:
    method = PaymentMethod.objects.filter(account=account).first()
    now = timezone.now()
    invoice = Invoice.objects.create(
        account=account,
        number=invoice_number(now),
        amount=amount,
        currency=account.currency,
        description=description,
        issued_at=now,
    )
    return Charge.objects.create(
        account=account,
        external_id=f"ch_{key[:60]}",
        amount=amount,
        currency=account.currency,
        description=description,
        card=str(method) if method else "",
        invoice=invoice,
    )


def change_plan(account: Account, params: dict[str, Any], key: str) -> Applied:
    subscription = subscription_of(account)
    quoted = quote(account, "change_plan", params)
    plan = Plan.objects.get(code=params["plan"])
    now = timezone.now()
    fields: dict[str, Any] = {"plan": plan, "status": SubscriptionStatus.ACTIVE}
    if subscription.status == SubscriptionStatus.CANCELED:
        fields |= {"current_period_start": now, "current_period_end": now + PERIOD[plan.interval]}
    elif quoted.proration is not None and quoted.proration.restarts_period:
        # Monthly <-> annual: a whole period of the new plan starts now (the quote charged it).
        from atiende.accounts.builtin.billing import next_period_end  # billing imports us

        fields |= {
            "current_period_start": now,
            "current_period_end": next_period_end(now, plan.interval),
            "billing_anchor": now,
        }
    fields |= {"cancel_at_period_end": False, "cancel_reason": ""}
    _bump(subscription, **fields)
    reference = ""
    description = _("Plan change: %(old)s → %(new)s") % {
        "old": subscription.plan.name,
        "new": plan.name,
    }
    if quoted.amount > 0:
        reference = _invoice_and_charge(account, quoted.amount, description, key).external_id
    elif quoted.amount < 0:
        credit = Credit.objects.create(
            account=account,
            amount=-quoted.amount,
            remaining=-quoted.amount,
            currency=account.currency,
            reason=description,
            idempotency_key=key,
        )
        reference = f"credit_{credit.pk}"
    return Applied(reference=reference, details={"plan": plan.code, "amount": quoted.amount})


def pause(account: Account, params: dict[str, Any]) -> Applied:
    subscription = subscription_of(account)
    quoted = quote(account, "pause", params)
    until = quoted.details["until"]
    left = max(timedelta(0), subscription.current_period_end - timezone.now())
    _bump(
        subscription,
        status=SubscriptionStatus.PAUSED,
        paused_until=until,
        current_period_end=until + left,
    )
    return Applied(details={"paused_until": until.isoformat()})


def resume(account: Account, params: dict[str, Any]) -> Applied:
    subscription = subscription_of(account)
    quote(account, "resume", params)
    now = timezone.now()
    paused_until = subscription.paused_until or now
    left = max(timedelta(0), subscription.current_period_end - max(paused_until, now))
    _bump(
        subscription,
        status=SubscriptionStatus.ACTIVE,
        paused_until=None,
        current_period_end=now + left,
    )
    return Applied()


def cancel(account: Account, params: dict[str, Any], key: str) -> Applied:
    subscription = subscription_of(account)
    quoted = quote(account, "cancel", params)
    reason = str(params.get("reason") or "")[:40]
    if quoted.details.get("offer"):
        credit = Credit.objects.create(
            account=account,
            amount=-quoted.amount,
            remaining=-quoted.amount,
            currency=account.currency,
            reason=_("Retention offer"),
            idempotency_key=key,
        )
        _bump(subscription, cancel_reason="")
        return Applied(reference=f"credit_{credit.pk}", details={"retained": True})
    if params.get("immediately"):
        _bump(subscription, status=SubscriptionStatus.CANCELED, cancel_reason=reason)
    else:
        _bump(subscription, cancel_at_period_end=True, cancel_reason=reason)
    return Applied(details={"retained": False})


def refund(account: Account, params: dict[str, Any], key: str) -> Applied:
    done = Refund.objects.filter(idempotency_key=key).first()
    if done is not None:
        return Applied(reference=f"re_{done.pk}", details={"amount": done.amount})
    quoted = quote(account, "refund", params)
    amount = -quoted.amount
    charge = charge_of(account, params.get("charge_id"))
    # The invariant, in one statement: refunded + amount <= captured, whatever ran concurrently.
    updated = Charge.objects.filter(
        pk=charge.pk, status=ChargeStatus.SUCCEEDED, refunded__lte=F("amount") - amount
    ).update(refunded=F("refunded") + amount)
    if updated != 1:
        raise Conflict(_("That charge cannot be refunded by that much any more."))
    created = Refund.objects.create(
        charge=charge,
        amount=amount,
        currency=charge.currency,
        reason=str(params.get("reason") or "")[:200],
        idempotency_key=key,
    )
    return Applied(reference=f"re_{created.pk}", details={"amount": amount})


def grant_credit(account: Account, params: dict[str, Any], key: str) -> Applied:
    done = Credit.objects.filter(idempotency_key=key).first()
    if done is not None:
        return Applied(reference=f"credit_{done.pk}")
    quoted = quote(account, "grant_credit", params)
    credit = Credit.objects.create(
        account=account,
        amount=-quoted.amount,
        remaining=-quoted.amount,
        currency=account.currency,
        reason=str(params.get("reason") or "")[:200],
        expires_at=quoted.details["expires_at"],
        idempotency_key=key,
    )
    return Applied(reference=f"credit_{credit.pk}")


def freeze(account: Account, params: dict[str, Any], *, frozen: bool) -> Applied:
    quote(account, "freeze_withdrawals" if frozen else "unfreeze_withdrawals", params)
    Account.objects.filter(pk=account.pk).update(withdrawals_frozen=frozen)
    pending = CryptoTransaction.objects.filter(account=account, kind=TransactionKind.WITHDRAWAL)
    now = timezone.now()
    if frozen:
        held = pending.filter(status=TransactionStatus.PENDING).update(
            status=TransactionStatus.ON_HOLD, updated_at=now
        )
    else:
        held = pending.filter(status=TransactionStatus.ON_HOLD).update(
            status=TransactionStatus.PENDING, updated_at=now
        )
    return Applied(details={"withdrawals": held})


def _apply(account: Account, verb: str, params: dict[str, Any], key: str) -> Applied:
    if verb == "change_plan":
        return change_plan(account, params, key)
    if verb == "pause":
        return pause(account, params)
    if verb == "resume":
        return resume(account, params)
    if verb == "cancel":
        return cancel(account, params, key)
    if verb == "refund":
        return refund(account, params, key)
    if verb == "grant_credit":
        return grant_credit(account, params, key)
    if verb == "add_family_member":
        quoted = quote(account, verb, params)
        FamilyMember.objects.create(
            account=account,
            email=quoted.details["email"],
            name=str(params.get("name") or "")[:200],
        )
        return Applied()
    if verb == "remove_family_member":
        quoted = quote(account, verb, params)
        FamilyMember.objects.filter(account=account, email=quoted.details["email"]).delete()
        return Applied()
    if verb in {"freeze_withdrawals", "unfreeze_withdrawals"}:
        return freeze(account, params, frozen=verb == "freeze_withdrawals")
    # send_payment_link: atiende's own single-use link page serves the built-in provider.
    quote(account, verb, params)
    return Applied()


def apply(ref: AccountRef, verb: str, params: dict[str, Any], key: str) -> Applied:
    """Do `verb` once per key: a key applied before returns its receipt, unchanged."""
    with transaction.atomic():
        account = locked_account(ref)
        receipt = ProviderReceipt.objects.filter(idempotency_key=key).first()
        if receipt is not None:
            return Applied(reference=receipt.reference, details=receipt.details)
        applied = _apply(account, verb, params, key)
        ProviderReceipt.objects.create(
            idempotency_key=key,
            verb=verb,
            reference=applied.reference,
            details=json.loads(json.dumps(applied.details, default=str)),
        )
        return applied
