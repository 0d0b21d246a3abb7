"""The customer's self-service in the portal, within the same policy as agents' actions.

`/portal/account/`: plan and status, invoices (download), refunds, credits; change the plan and
cancel, each shown as a preview first (what changes, what it costs) and done with the
idempotency key minted for that preview; the access page is one link away. The customer acts as
`CustomerActor(contact)`: the account is the one linked to their verified identities, never an
id from the request. `/portal/account/link/<token>/` opens the single-use links sent to them
(update the card, confirm a withdrawal freeze).
"""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from atiende.accounts import psp, reads
from atiende.accounts.actions import (
    CustomerActor,
    confirm_action,
    do_action,
    open_link,
    preview_action,
    update_payment_method,
)
from atiende.accounts.models import LinkPurpose
from atiende.accounts.money import format_money
from atiende.accounts.views.common import present_summary
from atiende.accounts.views.forms import CANCEL_REASONS, choice_field
from atiende.core.errors import ActionError, NotFound
from atiende.people.models import Contact
from atiende.portal.views.common import customer_required


def _money(amount: int, currency: str) -> str:
    return format_money(amount, currency, get_language() or "en")


class PlanForm(forms.Form):
    plan = forms.ChoiceField(label=gettext_lazy("New plan"))

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "plan").choices = choices


class CancelForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("Why are you leaving?"), choices=CANCEL_REASONS)


class CardForm(forms.Form):
    # Typed by the customer only, handed to the processor and forgotten (never stored, never
    # logged): only brand, last four digits and expiry are kept.
    number = forms.CharField(
        label=gettext_lazy("Card number"),
        max_length=23,
        widget=forms.TextInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
    )
    exp_month = forms.IntegerField(label=gettext_lazy("Expiry month"), min_value=1, max_value=12)
    exp_year = forms.IntegerField(label=gettext_lazy("Expiry year"), min_value=0, max_value=9999)
    cvc = forms.CharField(
        label=gettext_lazy("Security code"),
        max_length=4,
        widget=forms.PasswordInput(attrs={"autocomplete": "cc-csc", "inputmode": "numeric"}),
    )


def _plan_choices(contact: Contact) -> list[tuple[str, str]]:
    summary = reads.summary(contact)
    current = summary.plan.code if summary and summary.plan else ""
    return [
        (plan.code, f"{plan.name} · {_money(plan.price, plan.currency)}")
        for plan in reads.plans()
        if plan.code != current
    ]


def _account_context(contact: Contact) -> dict[str, Any]:
    summary = reads.summary(contact)
    context: dict[str, Any] = {"contact": contact, "summary": summary}
    if summary is None:
        return context
    refunds = reads.refunds(contact)
    context.update(
        {
            "shown": present_summary(summary),
            "invoices": [
                (invoice, _money(invoice.amount, invoice.currency))
                for invoice in reads.invoices(contact)
            ],
            "refunds": [(refund, _money(refund.amount, refund.currency)) for refund in refunds],
            "plan_form": PlanForm(choices=_plan_choices(contact)),
            "cancel_form": CancelForm(),
        }
    )
    return context


@require_GET
@customer_required
def account(request: HttpRequest, contact: Contact) -> HttpResponse:
    return render(request, "accounts/portal/account.html", _account_context(contact))


@require_GET
@customer_required
def invoice(request: HttpRequest, contact: Contact, invoice_id: str) -> HttpResponse:
    try:
        document = reads.invoice_document(contact, invoice_id)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    response = HttpResponse(document.body, content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


def _self_service(
    request: HttpRequest, contact: Contact, verb: str, form: forms.Form, params: dict[str, Any]
) -> HttpResponse:
    """Preview (first post) or do (the post that carries the preview's key)."""
    actor = CustomerActor(contact)
    key = request.POST.get("idempotency_key", "")
    try:
        if not key:
            shown = preview_action(verb, actor, contact, **params)
            context = {
                "contact": contact,
                "preview": shown,
                "cost": _money(abs(shown.amount), shown.currency) if shown.amount else "",
                "pays": shown.amount > 0,
                "form": form,
                "verb": verb,
                "idempotency_key": secrets.token_urlsafe(24),
            }
            return render(request, "accounts/portal/preview.html", context)
        outcome = do_action(verb, actor, contact, idempotency_key=key, **params)
    except ActionError as exc:
        messages.error(request, exc.detail)
        return redirect("accounts:portal_account")
    messages.success(request, outcome.message or _("Done."))
    return redirect("accounts:portal_account")


@require_POST
@customer_required
def change_plan(request: HttpRequest, contact: Contact) -> HttpResponse:
    form = PlanForm(request.POST, choices=_plan_choices(contact))
    if not form.is_valid():
        messages.error(request, _("Choose one of the plans."))
        return redirect("accounts:portal_account")
    summary = reads.summary(contact)
    params = {
        "plan": form.cleaned_data["plan"],
        "from_plan": summary.plan.code if summary and summary.plan else "",
    }
    return _self_service(request, contact, "change_plan", form, params)


@require_POST
@customer_required
def cancel(request: HttpRequest, contact: Contact) -> HttpResponse:
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tell us why you are leaving."))
        return redirect("accounts:portal_account")
    params = {"reason": form.cleaned_data["reason"], "offer": "", "immediately": False}
    return _self_service(request, contact, "cancel", form, params)


@require_http_methods(["GET", "POST"])
def secure_link(request: HttpRequest, token: str) -> HttpResponse:
    """A link from the customer's channel: no sign-in needed, the link is the proof. Opening it
    (GET) spends nothing; the form's POST does."""
    try:
        link = open_link(token)
    except ActionError as exc:
        return render(
            request, "accounts/portal/link_invalid.html", {"detail": exc.detail}, status=400
        )
    card = link.purpose == LinkPurpose.PAYMENT_METHOD
    form = CardForm(request.POST if request.method == "POST" and card else None)
    context: dict[str, Any] = {"link": link, "card": card, "form": form}
    if request.method != "POST":
        return render(request, "accounts/portal/link.html", context)
    try:
        if card:
            if not form.is_valid():
                return render(request, "accounts/portal/link.html", context, status=400)
            card_token = psp.tokenise(
                form.cleaned_data["number"],
                form.cleaned_data["exp_month"],
                form.cleaned_data["exp_year"],
                form.cleaned_data["cvc"],
            )
            update_payment_method(token, card_token=card_token)
            done = _("Your card was updated. Thank you!")
        else:
            confirm_action(token)
            done = _("Confirmed. We have carried out the request.")
    except ActionError as exc:
        context["error"] = exc.detail
        # The typed card number is never sent back into the page.
        context["form"] = CardForm() if card else form
        return render(request, "accounts/portal/link.html", context, status=exc.status_code)
    return render(request, "accounts/portal/link_done.html", {"detail": done})
