"""Billing cycles of the built-in provider: a subscription renews at the end of its period.

`renew_due(now)` renews every subscription whose period has ended, one period at a time (a
worker that was down catches up, at most `MAX_CATCH_UP` periods per subscription per run):

- the new period starts where the old one ended and lasts one calendar month or one calendar
  year (`Plan.interval`), counted from the subscription's billing anchor: a day a month lacks
  becomes its last day (31 Jan → 28 Feb → 31 Mar; 29 Feb → 28 Feb the next year). The anchor is
  the first renewed period's start, and moves when something else moved the period (a pause,
  a restart);
- an invoice for the plan's price covers the new period (`period_start`, `period_end`);
  account credit in the same currency pays first (the credit expiring soonest first), the card
  on file pays the rest as a charge linked to the invoice;
- no usable card (none, or expired) for what is left: a failed charge, the invoice stays
  unpaid, the subscription becomes `past_due` (it still moves to the new period; the next
  renewal tries again);
- `cancel_at_period_end`: the subscription ends (`canceled`) instead, nothing is charged;
  cancelled subscriptions never renew; a pause that is over ends with the renewal;
- a free plan (price 0) moves to the next period without an invoice;
- when the customer saves a new card (the payment link), `settle_open_invoices` pays what
  failed on the unpaid invoices with it and a `past_due` subscription is `active` again.

Each renewal runs in one transaction under the account's row lock and is idempotent: it writes
a `ProviderReceipt` keyed by the subscription and the end of the period it renews, and moves
the period with the subscription's version check, so two workers renewing at once renew once.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from atiende.accounts.builtin.writes import _bump, invoice_number, locked_account
from atiende.accounts.models import (
    Account,
    Charge,
    ChargeStatus,
    Credit,
    Interval,
    Invoice,
    InvoiceStatus,
    PaymentMethod,
    ProviderReceipt,
    Subscription,
    SubscriptionStatus,
)
from atiende.accounts.types import AccountRef
from atiende.core.errors import Conflict
from atiende.core.languages import site_language
from atiende.people.models import ContactIdentity, IdentityKind

MAX_CATCH_UP = 24
RENEWABLE = (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE, SubscriptionStatus.PAUSED)

RenewalOutcome = Literal["paid", "failed", "free", "canceled"]


@dataclass(frozen=True)
class Renewal:
    account_id: str
    outcome: RenewalOutcome
    period_start: datetime
    period_end: datetime
    invoice: str = ""  # the invoice's number
    charge: str = ""  # the charge's id
    amount: int = 0  # the invoice's total
    credit_used: int = 0
    charged: int = 0  # what the card was asked for (taken when `outcome` is "paid")
    currency: str = ""


def add_months(moment: datetime, months: int) -> datetime:
    """`moment` plus whole calendar months; a missing day becomes the month's last day."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def months_between(earlier: datetime, later: datetime) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def next_period_end(start: datetime, interval: str, anchor: datetime | None = None) -> datetime:
    """The end of the period that starts at `start`, counted from `anchor` when `start` is
    one of the anchor's dates (otherwise from `start` itself)."""
    step = 12 if interval == Interval.YEAR else 1
    if anchor is not None and anchor <= start:
        months = months_between(anchor, start)
        if add_months(anchor, months) == start:
            return add_months(anchor, months + step)
    return add_months(start, step)


def anchor_for(start: datetime, anchor: datetime | None) -> datetime:
    """Keep the anchor while `start` is one of its dates; otherwise start a new one."""
    if (
        anchor is not None
        and anchor <= start
        and add_months(anchor, months_between(anchor, start)) == start
    ):
        return anchor
    return start


def _use_credit(subscription: Subscription, amount: int, now: datetime) -> int:
    """Take up to `amount` from the account's live credit (soonest to expire first)."""
    account = subscription.account
    used = 0
    credits = (
        Credit.objects.filter(account=account, currency=account.currency, remaining__gt=0)
        .exclude(expires_at__lte=now)
        .order_by("expires_at", "created_at", "pk")
    )
    for credit in credits:
        if used >= amount:
            break
        take = min(credit.remaining, amount - used)
        taken = Credit.objects.filter(pk=credit.pk, remaining__gte=take).update(
            remaining=credit.remaining - take
        )
        if taken:
            used += take
    return used


def holder_language(account: Account) -> str:
    """The language of the customer this account belongs to, for what is written for them
    (invoice and charge texts): the language of the contact its user id or email identifies
    (verified), else the site's default."""
    languages = (
        ContactIdentity.objects.filter(verified=True)
        .filter(
            Q(kind=IdentityKind.USER, value=account.external_id)
            | Q(kind=IdentityKind.EMAIL, value=account.email.lower())
        )
        .order_by("-kind", "pk")  # "user" before "email"
        .values_list("contact__language", flat=True)
    )
    return site_language(*languages)


def _no_card(method: PaymentMethod | None, language: str) -> str:
    with translation.override(language):
        if method is not None:
            return _("The card on file has expired.")
        return _("There is no card on file.")


def _period_text(start: datetime, end: datetime) -> str:
    return _("%(start)s to %(end)s") % {
        "start": date_format(timezone.localtime(start), "DATE_FORMAT"),
        "end": date_format(timezone.localtime(end), "DATE_FORMAT"),
    }


def _renew_once(subscription_id: int, now: datetime) -> Renewal | None:
    """Renew one period of one subscription if it is due; None when nothing was due."""
    with transaction.atomic():
        account_id = (
            Subscription.objects.filter(pk=subscription_id)
            .values_list("account__external_id", flat=True)
            .first()
        )
        if account_id is None:
            return None
        locked_account(AccountRef("builtin", account_id))
        subscription = (
            Subscription.objects.select_related("plan", "account")
            .filter(pk=subscription_id)
            .first()
        )
        if (
            subscription is None
            or subscription.status not in RENEWABLE
            or subscription.current_period_end > now
            or (subscription.paused_until is not None and subscription.paused_until > now)
        ):
            return None
        start = subscription.current_period_end
        key = f"renewal:{subscription.pk}:{start.isoformat()}"
        if ProviderReceipt.objects.filter(idempotency_key=key).exists():
            return None
        account, plan = subscription.account, subscription.plan
        if subscription.cancel_at_period_end:
            _bump(subscription, status=SubscriptionStatus.CANCELED, paused_until=None)
            renewal = Renewal(account.external_id, "canceled", start, start)
            _receipt(key, renewal)
            return renewal
        anchor = anchor_for(start, subscription.billing_anchor)
        end = next_period_end(start, plan.interval, anchor)
        fields: dict[str, object] = {
            "billing_anchor": anchor,
            "current_period_start": start,
            "current_period_end": end,
            "paused_until": None,
            "status": SubscriptionStatus.ACTIVE,
        }
        if plan.price == 0:
            _bump(subscription, **fields)
            renewal = Renewal(account.external_id, "free", start, end, currency=plan.currency)
            _receipt(key, renewal)
            return renewal
        credit_used = _use_credit(subscription, plan.price, now)
        due = plan.price - credit_used
        language = holder_language(account)
        with translation.override(language):
            description = _("%(plan)s, %(period)s") % {
                "plan": plan.name,
                "period": _period_text(start, end),
            }
        invoice = Invoice.objects.create(
            account=account,
            number=invoice_number(start),
            amount=plan.price,
            currency=plan.currency,
            status=InvoiceStatus.PAID,
            description=description,
            period_start=start,
            period_end=end,
            issued_at=now,
        )
        outcome: RenewalOutcome = "paid"
        charge_id = ""
        if due > 0:
            method = PaymentMethod.objects.filter(account=account).first()
            usable = method is not None and not method.expired
            charge = Charge.objects.create(
                account=account,
                external_id=f"ch_renewal_{subscription.pk}_{start:%Y%m%d%H%M%S}",
                amount=due,
                currency=plan.currency,
                status=ChargeStatus.SUCCEEDED if usable else ChargeStatus.FAILED,
                description=description,
                card=str(method) if method is not None else "",
                failure_reason="" if usable else _no_card(method, language),
                invoice=invoice,
                created_at=now,
            )
            charge_id = charge.external_id
            if not usable:
                outcome = "failed"
                invoice.status = InvoiceStatus.OPEN
                invoice.save(update_fields=["status"])
                fields["status"] = SubscriptionStatus.PAST_DUE
        _bump(subscription, **fields)
        renewal = Renewal(
            account.external_id,
            outcome,
            start,
            end,
            invoice=invoice.number,
            charge=charge_id,
            amount=plan.price,
            credit_used=credit_used,
            charged=due,
            currency=plan.currency,
        )
        _receipt(key, renewal)
        return renewal


def _receipt(key: str, renewal: Renewal) -> None:
    ProviderReceipt.objects.create(
        idempotency_key=key,
        verb="renew",
        reference=renewal.invoice,
        details={
            "outcome": renewal.outcome,
            "period_end": renewal.period_end.isoformat(),
            "charge": renewal.charge,
            "credit_used": renewal.credit_used,
        },
    )


def renew_subscription(subscription: Subscription, now: datetime | None = None) -> list[Renewal]:
    """Renew `subscription` period by period until its period is current again."""
    now = now or timezone.now()
    done: list[Renewal] = []
    for _period in range(MAX_CATCH_UP):
        try:
            renewal = _renew_once(subscription.pk, now)
        except (Conflict, IntegrityError):
            break  # another worker renewed it at the same moment: it is done there
        if renewal is None:
            break
        done.append(renewal)
        if renewal.outcome == "canceled":
            break
    return done


def renew_due(now: datetime | None = None, *, limit: int = 1000) -> list[Renewal]:
    """Renew every subscription whose period has ended (at most `limit` of them per run)."""
    now = now or timezone.now()
    due = Subscription.objects.filter(status__in=RENEWABLE, current_period_end__lte=now).order_by(
        "current_period_end", "pk"
    )[:limit]
    done: list[Renewal] = []
    for subscription in due:
        done.extend(renew_subscription(subscription, now))
    return done


def settle_open_invoices(account: Account, now: datetime | None = None) -> list[str]:
    """Pay the account's unpaid invoices with its (new) default card; their numbers.

    Call inside the transaction that saved the card. What is paid is what failed (the credit
    applied at renewal stays applied); a `past_due` subscription with nothing left unpaid
    becomes `active`.
    """
    now = now or timezone.now()
    method = PaymentMethod.objects.filter(account=account).first()
    if method is None or method.expired:
        return []
    paid: list[str] = []
    for invoice in Invoice.objects.filter(account=account, status=InvoiceStatus.OPEN).order_by(
        "issued_at", "pk"
    ):
        failed = invoice.charges.filter(status=ChargeStatus.FAILED).order_by("-created_at").first()
        amount = failed.amount if failed is not None else invoice.amount
        if not Invoice.objects.filter(pk=invoice.pk, status=InvoiceStatus.OPEN).update(
            status=InvoiceStatus.PAID
        ):
            continue
        Charge.objects.create(
            account=account,
            external_id=f"ch_settle_{invoice.pk}_{now:%Y%m%d%H%M%S%f}",
            amount=amount,
            currency=invoice.currency,
            description=invoice.description,
            card=str(method),
            invoice=invoice,
            created_at=now,
        )
        paid.append(invoice.number)
    subscription = Subscription.objects.filter(account=account).first()
    if (
        subscription is not None
        and subscription.status == SubscriptionStatus.PAST_DUE
        and not Invoice.objects.filter(account=account, status=InvoiceStatus.OPEN).exists()
    ):
        _bump(subscription, status=SubscriptionStatus.ACTIVE)
    return paid
