"""The built-in provider's quotes: what an action would do and cost, with every check that can
be made before doing it. `apply` (writes.py) re-runs the same checks under a lock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.accounts.models import (
    Account,
    AccountKind,
    Charge,
    ChargeStatus,
    FamilyMember,
    Interval,
    PaymentMethod,
    Plan,
    Subscription,
    SubscriptionStatus,
)
from atiende.accounts.money import check_amount, check_currency, same_currency
from atiende.accounts.types import Proration, Quote
from atiende.core.errors import ActionError, Conflict, NotFound

PERIOD: dict[str, timedelta] = {
    Interval.MONTH: timedelta(days=30),
    Interval.YEAR: timedelta(days=365),
}
OFFERS = ("free_month", "half_price_3_months")


def subscription_of(account: Account) -> Subscription:
    subscription = Subscription.objects.select_related("plan").filter(account=account).first()
    if subscription is None:
        raise Conflict(_("This account has no subscription."))
    return subscription


def prorate(subscription: Subscription, plan: Plan) -> Proration:
    """Credit the unused part of the old price, charge the rest of the period at the new one.

    Between plans of different intervals (monthly and annual) the rest of the current period
    means nothing at the new price: the unused part of the old price is credited and a whole
    period of the new plan is charged, starting now.
    """
    now = timezone.now()
    start, end = subscription.current_period_start, subscription.current_period_end
    total = max(1, int((end - start).total_seconds()))
    left = min(total, max(0, int((end - now).total_seconds())))
    canceled = subscription.status == SubscriptionStatus.CANCELED
    old = subscription.plan.price if not canceled else 0
    restarts = not canceled and plan.interval != subscription.plan.interval
    # In price-seconds of the current period: what is due now minus what is still unused.
    difference = plan.price * total - old * left if restarts else (plan.price - old) * left
    # Round half away from zero, in integers.
    amount = (abs(difference) * 2 + total) // (2 * total) * (1 if difference >= 0 else -1)
    return Proration(
        days_left=left // 86400,
        period_days=total // 86400,
        old_price=old,
        new_price=plan.price,
        amount=amount,
        restarts_period=restarts,
    )


def quote_change_plan(account: Account, params: dict[str, Any]) -> Quote:
    subscription = subscription_of(account)
    plan = Plan.objects.filter(code=params.get("plan", "")).first()
    if plan is None:
        raise NotFound(_("No such plan."))
    expected = params.get("from_plan") or ""
    if expected and expected != subscription.plan.code:
        raise Conflict(_("The plan changed meanwhile; look at the account again."))
    if plan.pk == subscription.plan_id and subscription.status != SubscriptionStatus.CANCELED:
        raise Conflict(_("The account is already on that plan."))
    if subscription.status == SubscriptionStatus.PAUSED:
        raise Conflict(_("The subscription is paused; resume it before changing the plan."))
    same_currency(account.currency, plan.currency)
    today = timezone.localdate()
    if plan.requires_student_verification and (
        account.student_verified_until is None or account.student_verified_until < today
    ):
        raise ActionError(_("The Student plan needs a current student verification."))
    members = 1 + FamilyMember.objects.filter(account=account).count()
    if members > plan.max_members:
        raise Conflict(
            _("The account has %(count)s members; that plan allows %(max)s. Remove members first.")
            % {"count": members, "max": plan.max_members}
        )
    proration = prorate(subscription, plan)
    if proration.amount > 0:
        method = PaymentMethod.objects.filter(account=account).first()
        if method is None or method.expired:
            raise Conflict(
                _("The card on file is missing or expired: send a link to update it first.")
            )
    return Quote(
        amount=proration.amount,
        currency=account.currency,
        proration=proration,
        effective_at=timezone.now(),
        details={"from_plan": subscription.plan.code, "to_plan": plan.code},
    )


def quote_pause(account: Account, params: dict[str, Any]) -> Quote:
    subscription = subscription_of(account)
    months = params.get("months", 1)
    if not isinstance(months, int) or not 1 <= months <= 3:
        raise ActionError(_("A subscription can be paused for one to three months."))
    if subscription.status != SubscriptionStatus.ACTIVE:
        raise Conflict(_("Only an active subscription can be paused."))
    if subscription.plan.price == 0:
        raise Conflict(_("A free plan has nothing to pause."))
    until = timezone.now() + timedelta(days=30 * months)
    return Quote(currency=account.currency, effective_at=timezone.now(), details={"until": until})


def quote_resume(account: Account, params: dict[str, Any]) -> Quote:
    subscription = subscription_of(account)
    if subscription.status != SubscriptionStatus.PAUSED:
        raise Conflict(_("The subscription is not paused."))
    return Quote(currency=account.currency, effective_at=timezone.now())


def quote_cancel(account: Account, params: dict[str, Any]) -> Quote:
    subscription = subscription_of(account)
    if subscription.status == SubscriptionStatus.CANCELED or subscription.cancel_at_period_end:
        raise Conflict(_("The subscription is already cancelled."))
    if subscription.plan.price == 0:
        raise Conflict(_("A free plan has nothing to cancel."))
    offer = params.get("offer") or ""
    if offer:
        if offer not in OFFERS:
            raise ActionError(_("Unknown retention offer."))
        price = subscription.plan.price
        credit = price if offer == "free_month" else price * 3 // 2
        return Quote(amount=-credit, currency=account.currency, details={"offer": offer})
    effective = timezone.now() if params.get("immediately") else subscription.current_period_end
    return Quote(currency=account.currency, effective_at=effective)


def charge_of(account: Account, charge_id: object) -> Charge:
    charge = Charge.objects.filter(account=account, external_id=str(charge_id or "")).first()
    if charge is None:
        raise NotFound(_("Charge not found."))
    return charge


def quote_refund(account: Account, params: dict[str, Any]) -> Quote:
    charge = charge_of(account, params.get("charge_id"))
    if charge.status != ChargeStatus.SUCCEEDED:
        raise Conflict(_("That charge failed: there is nothing to refund."))
    if charge.refundable == 0:
        raise Conflict(_("That charge has already been refunded in full."))
    currency = check_currency(params.get("currency") or charge.currency)
    same_currency(charge.currency, currency)
    amount = params.get("amount")
    amount = charge.refundable if amount is None else check_amount(amount)
    if amount > charge.refundable:
        raise ActionError(
            _("At most %(left)s can still be refunded on that charge.")
            % {"left": charge.refundable}
        )
    return Quote(
        amount=-amount,
        currency=charge.currency,
        details={"charge_id": charge.external_id, "refundable": charge.refundable},
    )


def quote_credit(account: Account, params: dict[str, Any]) -> Quote:
    amount = check_amount(params.get("amount"))  # type: ignore[arg-type]  # checked inside
    same_currency(account.currency, params.get("currency") or account.currency)
    days = params.get("expires_in_days") or 365
    if not isinstance(days, int) or not 1 <= days <= 730:
        raise ActionError(_("A credit expires in one day to two years."))
    return Quote(
        amount=-amount,
        currency=account.currency,
        details={"expires_at": timezone.now() + timedelta(days=days)},
    )


def quote_add_member(account: Account, params: dict[str, Any]) -> Quote:
    subscription = subscription_of(account)
    email = str(params.get("email") or "").strip().lower()
    if "@" not in email or len(email) > 254:
        raise ActionError(_("Give the new member's email address."))
    if email == account.email.lower():
        raise Conflict(_("The manager is already on the plan."))
    members = FamilyMember.objects.filter(account=account)
    if members.filter(email=email).exists():
        raise Conflict(_("That person is already on the plan."))
    if 1 + members.count() >= subscription.plan.max_members:
        raise Conflict(
            _("The %(plan)s plan allows %(max)s members, the manager included.")
            % {"plan": subscription.plan.name, "max": subscription.plan.max_members}
        )
    return Quote(currency=account.currency, details={"email": email})


def quote_remove_member(account: Account, params: dict[str, Any]) -> Quote:
    email = str(params.get("email") or "").strip().lower()
    if not FamilyMember.objects.filter(account=account, email=email).exists():
        raise NotFound(_("That person is not on the plan."))
    return Quote(currency=account.currency, details={"email": email})


def quote_freeze(account: Account, params: dict[str, Any], *, freeze: bool) -> Quote:
    if account.kind != AccountKind.EXCHANGE:
        raise ActionError(_("Only exchange accounts have withdrawals to freeze."))
    if freeze and account.withdrawals_frozen:
        raise Conflict(_("Withdrawals are already frozen."))
    if not freeze and not account.withdrawals_frozen:
        raise Conflict(_("Withdrawals are not frozen."))
    return Quote(currency=account.currency, effective_at=timezone.now())


def quote(account: Account, verb: str, params: dict[str, Any]) -> Quote:
    if verb == "change_plan":
        return quote_change_plan(account, params)
    if verb == "send_payment_link":
        return Quote(currency=account.currency)
    if verb == "pause":
        return quote_pause(account, params)
    if verb == "resume":
        return quote_resume(account, params)
    if verb == "cancel":
        return quote_cancel(account, params)
    if verb == "refund":
        return quote_refund(account, params)
    if verb == "grant_credit":
        return quote_credit(account, params)
    if verb == "add_family_member":
        return quote_add_member(account, params)
    if verb == "remove_family_member":
        return quote_remove_member(account, params)
    if verb in {"freeze_withdrawals", "unfreeze_withdrawals"}:
        return quote_freeze(account, params, freeze=verb == "freeze_withdrawals")
    raise ActionError(_("Unknown action."))
