"""The built-in provider's reads: its rows turned into the provider contract's shapes."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from atiende.accounts.models import (
    Account,
    ActivityEvent,
    Charge,
    Credit,
    CryptoTransaction,
    FamilyMember,
    Invoice,
    PaymentMethod,
    Plan,
    Refund,
    Subscription,
)
from atiende.accounts.money import format_money
from atiende.accounts.types import (
    AccountRef,
    AccountSummary,
    ActivityInfo,
    ChargeInfo,
    CreditInfo,
    InvoiceDocument,
    InvoiceInfo,
    MemberInfo,
    PaymentMethodInfo,
    PlanInfo,
    RefundInfo,
    TransactionInfo,
)
from atiende.core.errors import NotFound


def account_of(ref: AccountRef) -> Account:
    account = Account.objects.filter(external_id=ref.account_id).first()
    if account is None:
        raise NotFound(_("Account not found."))
    return account


def plan_info(plan: Plan) -> PlanInfo:
    return PlanInfo(
        code=plan.code,
        name=plan.name,
        price=plan.price,
        currency=plan.currency,
        interval=plan.interval,
        max_members=plan.max_members,
        requires_student_verification=plan.requires_student_verification,
        list_price=plan.list_price,
    )


def payment_method_info(method: PaymentMethod) -> PaymentMethodInfo:
    return PaymentMethodInfo(
        brand=method.brand,
        last4=method.last4,
        exp_month=method.exp_month,
        exp_year=method.exp_year,
        expired=method.expired,
    )


def credit_balance(account: Account, currency: str) -> int:
    now = timezone.now()
    total = (
        Credit.objects.filter(account=account, currency=currency, remaining__gt=0)
        .exclude(expires_at__lt=now)
        .aggregate(total=Sum("remaining"))["total"]
    )
    return int(total or 0)


def summary(ref: AccountRef) -> AccountSummary:
    account = account_of(ref)
    subscription = Subscription.objects.select_related("plan").filter(account=account).first()
    method = PaymentMethod.objects.filter(account=account).first()
    last_charge = Charge.objects.filter(account=account).first()
    return AccountSummary(
        account_id=account.external_id,
        kind=account.kind,
        plan=plan_info(subscription.plan) if subscription else None,
        status=subscription.status if subscription else "none",
        renews_at=subscription.current_period_end if subscription else None,
        cancel_at_period_end=subscription.cancel_at_period_end if subscription else False,
        paused_until=subscription.paused_until if subscription else None,
        last_payment=last_charge.status if last_charge else "none",
        last_payment_at=last_charge.created_at if last_charge else None,
        payment_method=payment_method_info(method) if method else None,
        credit_balance=credit_balance(account, account.currency),
        currency=account.currency,
        members=1 + FamilyMember.objects.filter(account=account).count(),
        withdrawals_frozen=account.withdrawals_frozen,
    )


def plans() -> list[PlanInfo]:
    return [plan_info(plan) for plan in Plan.objects.all()]


def invoice_info(invoice: Invoice) -> InvoiceInfo:
    return InvoiceInfo(
        id=str(invoice.pk),
        number=invoice.number,
        amount=invoice.amount,
        currency=invoice.currency,
        status=invoice.status,
        description=invoice.description,
        issued_at=invoice.issued_at,
    )


def invoices(ref: AccountRef) -> list[InvoiceInfo]:
    return [invoice_info(item) for item in Invoice.objects.filter(account=account_of(ref))[:100]]


def invoice_document(ref: AccountRef, invoice_id: str) -> InvoiceDocument:
    """A plain-text invoice: readable anywhere, nothing to render, nothing to sanitise."""
    account = account_of(ref)
    invoice = (
        Invoice.objects.filter(account=account, pk=int(invoice_id)).first()
        if invoice_id.isdigit() and len(invoice_id) < 19
        else None
    )
    if invoice is None:
        raise NotFound(_("Invoice not found."))
    language = translation.get_language() or "en"
    lines = [
        _("INVOICE %(number)s") % {"number": invoice.number},
        "",
        _("Issued: %(date)s") % {"date": f"{invoice.issued_at:%Y-%m-%d}"},
        _("Customer: %(name)s <%(email)s>") % {"name": account.name, "email": account.email},
        _("Account: %(id)s") % {"id": account.external_id},
        "",
        f"{invoice.description}",
    ]
    if invoice.period_start and invoice.period_end:
        lines.append(
            _("Period: %(start)s to %(end)s")
            % {"start": f"{invoice.period_start:%Y-%m-%d}", "end": f"{invoice.period_end:%Y-%m-%d}"}
        )
    lines += [
        "",
        _("Total: %(amount)s")
        % {"amount": format_money(invoice.amount, invoice.currency, language)},
        _("Status: %(status)s") % {"status": invoice.get_status_display()},
        "",
    ]
    return InvoiceDocument(
        filename=f"invoice-{invoice.number}.txt",
        content_type="text/plain; charset=utf-8",
        body="\n".join(lines),
    )


def charge_info(charge: Charge) -> ChargeInfo:
    return ChargeInfo(
        id=charge.external_id,
        amount=charge.amount,
        refunded=charge.refunded,
        currency=charge.currency,
        status=charge.status,
        description=charge.description,
        card=charge.card,
        failure_reason=charge.failure_reason,
        created_at=charge.created_at,
    )


def charges(ref: AccountRef) -> list[ChargeInfo]:
    return [charge_info(item) for item in Charge.objects.filter(account=account_of(ref))[:100]]


def refunds(ref: AccountRef) -> list[RefundInfo]:
    rows = Refund.objects.select_related("charge").filter(charge__account=account_of(ref))[:100]
    return [
        RefundInfo(
            id=str(item.pk),
            charge_id=item.charge.external_id,
            amount=item.amount,
            currency=item.currency,
            reason=item.reason,
            created_at=item.created_at,
        )
        for item in rows
    ]


def credits(ref: AccountRef) -> list[CreditInfo]:
    return [
        CreditInfo(
            id=str(item.pk),
            amount=item.amount,
            remaining=item.remaining,
            currency=item.currency,
            reason=item.reason,
            expires_at=item.expires_at,
            created_at=item.created_at,
        )
        for item in Credit.objects.filter(account=account_of(ref))[:100]
    ]


def members(ref: AccountRef) -> list[MemberInfo]:
    return [
        MemberInfo(email=item.email, name=item.name, added_at=item.added_at)
        for item in FamilyMember.objects.filter(account=account_of(ref))
    ]


def activity(
    ref: AccountRef,
    *,
    kinds: tuple[str, ...] = (),
    errors_only: bool = False,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
) -> list[ActivityInfo]:
    rows = ActivityEvent.objects.filter(account=account_of(ref))
    if kinds:
        rows = rows.filter(kind__in=kinds)
    if errors_only:
        rows = rows.filter(is_error=True)
    if since is not None:
        rows = rows.filter(occurred_at__gte=since)
    if until is not None:
        rows = rows.filter(occurred_at__lt=until)
    return [
        ActivityInfo(
            id=item.event_id,
            kind=item.kind,
            occurred_at=item.occurred_at,
            is_error=item.is_error,
            device=item.device,
            app_version=item.app_version,
            country=item.country,
            code=item.code,
            message=item.message,
        )
        for item in rows[: max(1, min(limit, 1000))]
    ]


def transactions(ref: AccountRef) -> list[TransactionInfo]:
    return [
        TransactionInfo(
            id=item.external_id,
            kind=item.kind,
            status=item.status,
            asset=item.asset,
            network=item.network,
            amount=item.amount,
            decimals=item.decimals,
            tx_hash=item.tx_hash,
            confirmations=item.confirmations,
            required_confirmations=item.required_confirmations,
            address=item.address,
            created_at=item.created_at,
            updated_at=item.updated_at,
        )
        for item in CryptoTransaction.objects.filter(account=account_of(ref))[:200]
    ]
