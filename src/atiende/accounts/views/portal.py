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
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from atiende.accounts import psp, reads
from atiende.accounts.actions import (
    CustomerActor,
    confirm_action,
    do_action,
    links,
    open_link,
    preview_action,
    update_payment_method,
)
from atiende.accounts.models import LinkPurpose, SecureLink
from atiende.accounts.money import format_money
from atiende.accounts.views.common import present_summary
from atiende.accounts.views.forms import choice_field
from atiende.core.errors import ActionError, NotFound
from atiende.people.models import Contact
from atiende.portal.session import current_contact
from atiende.portal.views.common import customer_required


def _money(amount: int, currency: str) -> str:
    return format_money(amount, currency, get_language() or "en")


class PlanForm(forms.Form):
    plan = forms.ChoiceField(label=gettext_lazy("New plan"))

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "plan").choices = choices


# The reasons of the agent's form (CANCEL_REASONS, said of the customer: "Not using it
# enough", in Spanish "No lo usa lo suficiente"), as the customer says them.
CUSTOMER_CANCEL_REASONS = (
    ("too_expensive", pgettext_lazy("customer cancel reason", "It's too expensive")),
    ("not_using", pgettext_lazy("customer cancel reason", "I'm not using it enough")),
    ("technical", pgettext_lazy("customer cancel reason", "Technical problems")),
    ("switching", pgettext_lazy("customer cancel reason", "I'm switching to another service")),
    ("other", pgettext_lazy("customer cancel reason", "Another reason")),
)


class CancelForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("Why are you leaving?"), choices=CUSTOMER_CANCEL_REASONS
    )


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


RECENT_LINK = timedelta(minutes=5)


@require_POST
@customer_required
def update_card(request: HttpRequest, contact: Contact) -> HttpResponse:
    """Self-service: email the signed-in customer a secure link to update their card (the same
    action and policy as an agent's; opened in this browser, it needs nothing more)."""
    recent = SecureLink.objects.filter(
        contact=contact,
        purpose=LinkPurpose.PAYMENT_METHOD,
        used_at__isnull=True,
        created_at__gte=timezone.now() - RECENT_LINK,
    ).exists()
    if recent:
        messages.info(request, _("We emailed you a link a moment ago; check your inbox."))
        return redirect("accounts:portal_account")
    try:
        outcome = do_action(
            "send_payment_link",
            CustomerActor(contact),
            contact,
            idempotency_key=f"portal-card-{secrets.token_urlsafe(18)}",
        )
    except ActionError as exc:
        messages.error(request, exc.detail)
        return redirect("accounts:portal_account")
    messages.success(request, outcome.message or _("Done."))
    return redirect("accounts:portal_account")


# The payment links this browser session proved it may use with an emailed code.
VERIFIED_LINKS = "atiende_verified_payment_links"
# The payment links this session opened signed in as their owner (audited once).
SEEN_SIGNED_IN = "atiende_payment_links_opened_signed_in"


def _verified_customer(request: HttpRequest, link: SecureLink) -> Contact | None:
    """The account's owner, when this request proves it: signed in to the portal as them, or
    this session entered the code mailed to their verified address for this link."""
    contact = current_contact(request)
    if links.is_owner(link, contact):
        return contact
    verified = request.session.get(VERIFIED_LINKS) or []
    if link.verified_at is not None and link.pk in verified:
        return link.contact
    return None


def _invalid(request: HttpRequest, detail: str, status: int) -> HttpResponse:
    return render(request, "accounts/portal/link_invalid.html", {"detail": detail}, status=status)


def _verify_step(
    request: HttpRequest, link: SecureLink, token: str, *, status: int = 200, **extra: Any
) -> HttpResponse:
    context: dict[str, Any] = {
        "link": link,
        "token": token,
        "code_sent": bool(link.code_hash),
        "can_email": bool(links.verified_email(link.contact)),
        **extra,
    }
    return render(request, "accounts/portal/link_verify.html", context, status=status)


def _payment_link(request: HttpRequest, link: SecureLink, token: str) -> HttpResponse:
    """The payment-method page: prove it is you, then the card form (or the provider's page)."""
    signed_in = current_contact(request)
    if signed_in is not None and not links.is_owner(link, signed_in):
        links.refused(link, "not_owner")
        return _invalid(request, _("This link belongs to another customer's account."), 403)
    step = request.POST.get("step", "") if request.method == "POST" else ""
    try:
        if step == "send_code":
            email = links.send_code(link)
            return _verify_step(request, link, token, sent_to=email)
        if step == "check_code":
            links.check_code(link, request.POST.get("code", ""))
            verified = [*(request.session.get(VERIFIED_LINKS) or []), link.pk][-20:]
            request.session[VERIFIED_LINKS] = verified
            return redirect("accounts:link", token=token)
    except ActionError as exc:
        link.refresh_from_db()
        return _verify_step(request, link, token, status=exc.status_code, error=exc.detail)
    customer = _verified_customer(request, link)
    if customer is None:
        if step:
            links.refused(link, "not_verified")
            return _verify_step(
                request, link, token, status=403, error=_("Confirm it is you first.")
            )
        return _verify_step(request, link, token)
    if request.method != "POST" and signed_in is not None:
        seen = request.session.get(SEEN_SIGNED_IN) or []
        if link.pk not in seen:  # audited once per browser session, not on every reload
            links.portal_verified(link)
            request.session[SEEN_SIGNED_IN] = [*seen, link.pk][-20:]
    form = CardForm(request.POST if step == "card" else None)
    context: dict[str, Any] = {"link": link, "card": True, "form": form}
    if link.handoff_url:
        context["handoff"] = True
    if not step:
        return render(request, "accounts/portal/link.html", context)
    try:
        if step == "handoff":
            return redirect(links.handoff(token, customer=customer))
        if not form.is_valid():
            return render(request, "accounts/portal/link.html", context, status=400)
        card_token = psp.tokenise(
            form.cleaned_data["number"],
            form.cleaned_data["exp_month"],
            form.cleaned_data["exp_year"],
            form.cleaned_data["cvc"],
        )
        updated = update_payment_method(token, card_token=card_token, customer=customer)
    except ActionError as exc:
        context["error"] = exc.detail
        # The typed card number is never sent back into the page.
        context["form"] = CardForm()
        return render(request, "accounts/portal/link.html", context, status=exc.status_code)
    done = (
        _("Your card was updated, and it paid your unpaid invoices. Thank you!")
        if updated.paid_invoices
        else _("Your card was updated. Thank you!")
    )
    return render(request, "accounts/portal/link_done.html", {"detail": done})


@require_http_methods(["GET", "POST"])
def secure_link(request: HttpRequest, token: str) -> HttpResponse:
    """A link the customer received. Opening it (GET) spends nothing; the form's POST does.
    A payment-method link also needs the owner's verified identity (see `_payment_link`)."""
    try:
        link = open_link(token)
    except ActionError as exc:
        return _invalid(request, exc.detail, 400)
    if link.purpose == LinkPurpose.PAYMENT_METHOD:
        return _payment_link(request, link, token)
    context: dict[str, Any] = {"link": link, "card": False}
    if request.method != "POST":
        return render(request, "accounts/portal/link.html", context)
    try:
        confirm_action(token)
    except ActionError as exc:
        context["error"] = exc.detail
        return render(request, "accounts/portal/link.html", context, status=exc.status_code)
    return render(
        request,
        "accounts/portal/link_done.html",
        {"detail": _("Confirmed. We have carried out the request.")},
    )
