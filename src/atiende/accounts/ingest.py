"""What the business's back end reports to the built-in provider: activity events, and account,
charge and crypto-transaction updates. Idempotent on the business's own ids: posting the same
batch twice changes nothing the second time (activity events are insert-only; updates set the
current state, and a charge's refunded amount is never lowered by an update)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.accounts.models import (
    Account,
    ActivityEvent,
    Charge,
    CryptoTransaction,
    Plan,
    Subscription,
)
from atiende.accounts.money import check_currency
from atiende.accounts.provider import provider_url
from atiende.accounts.schemas import AccountIn, ActivityIn, ChargeIn, PlanIn, TransactionIn
from atiende.core.errors import ActionError, Conflict


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)


def _builtin_only() -> None:
    if provider_url():
        raise Conflict(_("Accounts live at the HTTP provider; post updates to it instead."))


def _accounts(user_ids: set[str]) -> dict[str, Account]:
    return {item.external_id: item for item in Account.objects.filter(external_id__in=user_ids)}


def ingest_activity(events: list[ActivityIn]) -> Report:
    _builtin_only()
    report = Report()
    accounts = _accounts({event.user_id for event in events})
    known = set(
        ActivityEvent.objects.filter(event_id__in=[event.event_id for event in events]).values_list(
            "event_id", flat=True
        )
    )
    rows: dict[str, ActivityEvent] = {}
    for event in events:
        account = accounts.get(event.user_id)
        if account is None:
            report.errors.append(f"{event.event_id}: unknown user_id")
            continue
        if event.event_id in known or event.event_id in rows:
            report.duplicates += 1
            continue
        rows[event.event_id] = ActivityEvent(
            account=account,
            event_id=event.event_id,
            kind=event.kind,
            occurred_at=event.occurred_at,
            is_error=event.is_error,
            device=event.device,
            app_version=event.app_version,
            country=event.country.upper(),
            code=event.code,
            message=event.message,
        )
    with transaction.atomic():
        # A concurrent post of the same events loses the race harmlessly (unique event_id).
        ActivityEvent.objects.bulk_create(rows.values(), ignore_conflicts=True)
    report.created = len(rows)
    return report


def _upsert_account(item: AccountIn, report: Report) -> None:
    currency = check_currency(item.currency)
    account, created = Account.objects.update_or_create(
        external_id=item.user_id,
        defaults={
            "email": item.email.strip().lower(),
            "name": item.name,
            "kind": item.kind,
            "country": item.country.upper(),
            "currency": currency,
            "student_verified_until": (
                item.student_verified_until.date() if item.student_verified_until else None
            ),
        },
    )
    report.created += created
    report.updated += not created
    if item.plan is None:
        return
    plan = Plan.objects.filter(code=item.plan).first()
    if plan is None:
        report.errors.append(f"{item.user_id}: unknown plan")
        return
    start = item.period_start or timezone.now()
    Subscription.objects.update_or_create(
        account=account,
        defaults={
            "plan": plan,
            "status": item.status,
            "current_period_start": start,
            "current_period_end": item.period_end or start + timedelta(days=30),
        },
    )


def _upsert_charge(item: ChargeIn, account: Account, report: Report) -> None:
    currency = check_currency(item.currency)
    existing = Charge.objects.filter(external_id=item.charge_id).first()
    if existing is None:
        Charge.objects.create(
            account=account,
            external_id=item.charge_id,
            amount=item.amount,
            currency=currency,
            status=item.status,
            description=item.description,
            card=item.card,
            failure_reason=item.failure_reason,
            created_at=item.created_at or timezone.now(),
        )
        report.created += 1
        return
    if existing.account_id != account.pk or existing.currency != currency:
        report.errors.append(f"{item.charge_id}: account or currency differs")
        return
    if item.amount < existing.refunded:
        report.errors.append(f"{item.charge_id}: amount below what was refunded")
        return
    Charge.objects.filter(pk=existing.pk).update(
        amount=item.amount,
        status=item.status,
        description=item.description,
        failure_reason=item.failure_reason,
    )
    report.updated += 1


def _upsert_transaction(item: TransactionIn, account: Account, report: Report) -> None:
    existing = CryptoTransaction.objects.filter(external_id=item.transaction_id).first()
    if existing is not None and existing.account_id != account.pk:
        report.errors.append(f"{item.transaction_id}: belongs to another account")
        return
    fields = {
        "account": account,
        "kind": item.kind,
        "status": item.status,
        "asset": item.asset.upper(),
        "network": item.network,
        "amount": item.amount,
        "decimals": item.decimals,
        "tx_hash": item.tx_hash,
        "confirmations": item.confirmations,
        "required_confirmations": item.required_confirmations,
        "address": item.address,
        "updated_at": timezone.now(),
    }
    _row, created = CryptoTransaction.objects.update_or_create(
        external_id=item.transaction_id,
        defaults=fields,
        create_defaults={**fields, "created_at": item.created_at or timezone.now()},
    )
    report.created += created
    report.updated += not created


def _upsert_plan(item: PlanIn, report: Report) -> None:
    _plan, created = Plan.objects.update_or_create(
        code=item.code,
        defaults={
            "name": item.name,
            "price": item.price,
            "currency": check_currency(item.currency),
            "interval": item.interval,
            "max_members": item.max_members,
            "requires_student_verification": item.requires_student_verification,
            "list_price": item.list_price,
            "position": item.position,
        },
    )
    report.created += created
    report.updated += not created


def ingest_updates(
    accounts: list[AccountIn],
    charges: list[ChargeIn],
    transactions: list[TransactionIn],
    plans: list[PlanIn] | None = None,
) -> Report:
    _builtin_only()
    report = Report()
    with transaction.atomic():
        for plan in plans or []:
            try:
                _upsert_plan(plan, report)
            except ActionError as error:
                report.errors.append(f"{plan.code}: {error.detail}")
        for account_item in accounts:
            try:
                _upsert_account(account_item, report)
            except ActionError as error:
                report.errors.append(f"{account_item.user_id}: {error.detail}")
        known = _accounts(
            {item.user_id for item in charges} | {item.user_id for item in transactions}
        )
        for charge in charges:
            if charge.user_id not in known:
                report.errors.append(f"{charge.charge_id}: unknown user_id")
                continue
            try:
                _upsert_charge(charge, known[charge.user_id], report)
            except ActionError as error:
                report.errors.append(f"{charge.charge_id}: {error.detail}")
        for item in transactions:
            if item.user_id not in known:
                report.errors.append(f"{item.transaction_id}: unknown user_id")
                continue
            _upsert_transaction(item, known[item.user_id], report)
    return report
