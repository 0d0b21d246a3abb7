"""The account panel beside a conversation, and its access area.

- `panel`: the summary anyone who sees the conversation may see (plan, status, renewal, last
  payment), the action buttons, crypto transactions, the diagnostic checklists, and the access
  area.
- `access`: the part that depends on grants: the active-grant banners with the time left, the
  activity log (with filters) and the account settings under a grant, pending requests, and
  the "Request access" form. The page's script reloads it when the conversation's timeline
  changes (a grant revoked, approved or expired is an event there), when a grant's time runs
  out, and when the grant-status check says it ended.
- `activity`: the activity log alone, filtered (errors, device, time window).

Every read under a grant is logged with `consent.grants.record_use` (the customer sees it).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from atiende.accounts.actions.common import customer_language
from atiende.accounts.models import InvoiceStatus
from atiende.accounts.money import format_asset, format_money
from atiende.accounts.types import AccountSummary
from atiende.accounts.views import checklists
from atiende.accounts.views.common import (
    TRANSACTION_KINDS,
    Account,
    grant_context,
    linked,
    load,
    present_summary,
)
from atiende.accounts.views.forms import ACTIONS, AccessRequestForm, ActivityFilterForm
from atiende.consent import grants
from atiende.consent.models import Grant, Scope
from atiende.conversations.models import Conversation
from atiende.core.errors import ActionError, NotAllowed
from atiende.people.models import User


def _applies(verb: str, summary: AccountSummary) -> bool:
    """Whether the action makes sense in the account's state (the provider still decides):
    no "Resume" for a subscription that is not paused, no "Pause" or "Cancel" for one that is
    not running, no family members on a plan for one, no "Freeze" for withdrawals already
    frozen."""
    paid = summary.plan is not None and summary.plan.price > 0
    if verb == "pause":
        return summary.status == "active" and paid and not summary.cancel_at_period_end
    if verb == "resume":
        return summary.status == "paused"
    if verb == "cancel":
        return (
            summary.status not in {"canceled", "none"}
            and paid
            and not (summary.cancel_at_period_end)
        )
    if verb == "add_family_member":  # only plans with room for more than one account
        return summary.plan is not None and summary.plan.max_members > 1
    if verb == "remove_family_member":
        return summary.members > 1
    if verb == "freeze_withdrawals":
        return not summary.withdrawals_frozen
    if verb == "unfreeze_withdrawals":
        return summary.withdrawals_frozen
    return True


def _actions(account: Account) -> list[dict[str, Any]]:
    if account.summary is None:
        return []
    return [
        {"verb": verb, "label": label, "needs_settings": needs_settings}
        for verb, (_form, label, needs_settings, kinds) in ACTIONS.items()
        if account.kind in kinds and _applies(verb, account.summary)
    ]


def _checklists(conversation: Conversation, account: Account) -> list[dict[str, Any]]:
    if account.kind == "exchange":
        return []  # the checklists are the streaming app's (playback, device sync, ...)
    language = customer_language(account.contact, conversation)
    return [
        {
            "checklist": item,
            "reply": checklists.reply_text(item, language),
            "language": language,
        }
        for item in checklists.CHECKLISTS
    ]


def _transactions(account: Account) -> list[dict[str, Any]]:
    if account.summary is None or account.kind != "exchange" or account.provider is None:
        return []
    assert account.ref is not None
    return [
        {
            "tx": tx,
            "amount": format_asset(tx.amount, tx.decimals, tx.asset),
            "kind": TRANSACTION_KINDS.get(tx.kind, tx.kind),
            "confirmed": tx.confirmations >= tx.required_confirmations,
        }
        for tx in account.provider.transactions(account.ref)[:20]
    ]


INVOICE_STATUSES = dict(InvoiceStatus.choices)


def _settings(user: User, account: Account, grant: Grant | None) -> dict[str, Any]:
    """The account settings under a "settings" grant (logged); nothing without one."""
    if grant is None or account.provider is None or account.ref is None:
        return {}
    grants.record_use(grant, "settings.read")
    language = get_language() or "en"
    return {
        "members": account.provider.members(account.ref),
        "credits": [
            {
                "credit": credit,
                "remaining": format_money(credit.remaining, credit.currency, language),
                "amount": format_money(credit.amount, credit.currency, language),
            }
            for credit in account.provider.credits(account.ref)
        ],
        "invoices": [
            {
                "invoice": invoice,
                "amount": format_money(invoice.amount, invoice.currency, language),
                "status": INVOICE_STATUSES.get(invoice.status, invoice.status),
            }
            for invoice in account.provider.invoices(account.ref)[:10]
        ],
    }


def _activity(account: Account, grant: Grant | None, form: ActivityFilterForm) -> dict[str, Any]:
    """The filtered activity log under an "activity" grant (logged); nothing without one."""
    if grant is None or account.provider is None or account.ref is None or not form.is_valid():
        return {"activity": None}
    errors_only = bool(form.cleaned_data["only_errors"])
    device = form.cleaned_data["device"].strip()
    since = timezone.now() - form.window_delta()
    entries = account.provider.activity(
        account.ref, errors_only=errors_only, since=since, limit=200
    )
    devices = sorted({entry.device for entry in entries if entry.device})
    if device:
        entries = [entry for entry in entries if entry.device == device]
    # Written in the customer's language: they read it on their access page.
    with translation.override(account.contact.language or settings.LANGUAGE_CODE):
        parts = [str(_("errors only") if errors_only else _("all events")), form.window_label()]
    grants.record_use(grant, "activity.read", ", ".join([*parts, device] if device else parts))
    return {"activity": entries, "devices": devices, "filter_form": form}


def access_context(
    user: User, conversation: Conversation, account: Account, filters: dict[str, str]
) -> dict[str, Any]:
    context = grant_context(user, conversation, account)
    form = ActivityFilterForm(filters or {"window": "7d"})
    context.update(_activity(account, context["activity_grant"], form))
    context.update(_settings(user, account, context["settings_grant"]))
    context.update(
        {
            "conversation": conversation,
            "account": account,
            "request_form": AccessRequestForm(),
            "now": timezone.now(),
        }
    )
    return context


@require_GET
@login_required
def panel(request: HttpRequest, conversation_id: int) -> HttpResponse:
    user, conversation = load(request, conversation_id)
    account = linked(conversation)
    context = access_context(user, conversation, account, {})
    context.update(
        {
            "actions": _actions(account),
            "checklists": _checklists(conversation, account),
            "transactions": _transactions(account),
            "summary_shown": present_summary(account.summary),
        }
    )
    return render(request, "accounts/panel/panel.html", context)


@require_GET
@login_required
def access(request: HttpRequest, conversation_id: int) -> HttpResponse:
    user, conversation = load(request, conversation_id)
    account = linked(conversation)
    # The page's reload sends the activity filters the agent chose, so they stay applied.
    context = access_context(user, conversation, account, request.GET.dict())
    return render(request, "accounts/panel/_access.html", context)


@require_GET
@login_required
def activity(request: HttpRequest, conversation_id: int) -> HttpResponse:
    user, conversation = load(request, conversation_id)
    account = linked(conversation)
    grant = grants.active_grant(user, account.contact, Scope.ACTIVITY)
    if grant is None:
        # Checked per request: a revoked or expired grant answers 403 with nothing in it.
        return render(
            request,
            "accounts/panel/_no_access.html",
            {"detail": _("This needs the customer's permission: request access first.")},
            status=403,
        )
    form = ActivityFilterForm(request.GET or {"window": "7d"})
    context = {
        "conversation": conversation,
        "activity_grant": grant,
        **_activity(account, grant, form),
    }
    return render(request, "accounts/panel/_activity_list.html", context)


@require_POST
@login_required
def request_access(request: HttpRequest, conversation_id: int) -> HttpResponse:
    user, conversation = load(request, conversation_id)
    account = linked(conversation)
    form = AccessRequestForm(request.POST)
    notice, error = "", ""
    if form.is_valid():
        try:
            grants.request_grant(
                user,
                account.contact,
                scope=form.cleaned_data["scope"],
                duration=form.duration(),
                reason=form.cleaned_data["reason"],
                conversation=conversation,
            )
        except ActionError as exc:
            error = exc.detail
        else:
            notice = _("Request sent to the customer.")
            form = AccessRequestForm()
    else:
        error = _("Choose what you need, for how long, and say why.")
    context = access_context(user, conversation, account, {})
    context.update({"request_form": form, "notice": notice, "error": error})
    return render(request, "accounts/panel/_access.html", context, status=400 if error else 200)


@require_POST
@login_required
def end_access(request: HttpRequest, conversation_id: int, grant_id: int) -> HttpResponse:
    user, conversation = load(request, conversation_id)
    account = linked(conversation)
    notice, error, status = "", "", 200
    try:
        grant = grants.access_grant_for_agent(user, grant_id)
        if grant.contact_id != account.contact.pk:
            raise NotAllowed(_("That grant is not for this customer."))
        grants.revoke_grant(user, grant.pk)
        notice = _("Access ended.")
    except ActionError as exc:
        error, status = exc.detail, exc.status_code
    context = access_context(user, conversation, account, {})
    context.update({"notice": notice, "error": error})
    return render(request, "accounts/panel/_access.html", context, status=status)
