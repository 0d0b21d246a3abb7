"""The forms behind the account panel: one per action (its parameters), the access request, and
the activity filters. Each action form turns into the `params` dict the actions take."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from atiende.accounts.money import format_money, parse_amount
from atiende.accounts.types import ChargeInfo, MemberInfo, PlanInfo
from atiende.consent.models import Scope

CANCEL_REASONS = (
    ("too_expensive", _("Too expensive")),
    ("not_using", _("Not using it enough")),
    ("technical", _("Technical problems")),
    ("switching", _("Switching to another service")),
    ("other", _("Other")),
)
OFFERS = (
    ("", _("No offer")),
    ("free_month", _("One month free")),
    ("half_price_3_months", _("Half price for three months")),
)


class AmountField(forms.CharField):
    """An amount typed in the currency's units ("12.50", "12,50", "€12,50"), cleaned to minor
    units (1250) for the actions; the currency comes from the form (`set_currency`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        super().__init__(*args, **kwargs)
        self.currency = "USD"
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            amount = parse_amount(text, self.currency)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="amount") from exc
        if amount <= 0:
            raise forms.ValidationError(gettext("The amount must be more than zero."), code="min")
        return amount


def amount_field(form: ActionForm, name: str, label: str) -> None:
    """Point the form's AmountField at the account's currency and name it in the label."""
    field = form.fields[name]
    assert isinstance(field, AmountField)
    field.currency = form.context.get("currency") or "USD"
    field.label = label % {"currency": field.currency}


def choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


class ActionForm(forms.Form):
    """An action without parameters."""

    def __init__(self, *args: Any, context: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.context = context or {}

    def params(self) -> dict[str, Any]:
        return {}


class ChangePlanForm(ActionForm):
    plan = forms.ChoiceField(label=_("New plan"))
    from_plan = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plans: list[PlanInfo] = self.context.get("plans", [])
        current = self.context.get("current_plan", "")
        choice_field(self, "plan").choices = [(p.code, p.name) for p in plans if p.code != current]
        self.fields["from_plan"].initial = current

    def params(self) -> dict[str, Any]:
        return {"plan": self.cleaned_data["plan"], "from_plan": self.cleaned_data["from_plan"]}


class PauseForm(ActionForm):
    months = forms.TypedChoiceField(
        label=_("Pause for"),
        coerce=int,
        choices=[(1, _("1 month")), (2, _("2 months")), (3, _("3 months"))],
    )

    def params(self) -> dict[str, Any]:
        return {"months": self.cleaned_data["months"]}


class CancelForm(ActionForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=CANCEL_REASONS)
    offer = forms.ChoiceField(label=_("Retention offer"), choices=OFFERS, required=False)
    immediately = forms.BooleanField(label=_("End now instead of at renewal"), required=False)

    def params(self) -> dict[str, Any]:
        return {
            "reason": self.cleaned_data["reason"],
            "offer": self.cleaned_data["offer"],
            "immediately": self.cleaned_data["immediately"],
        }


def charge_label(charge: ChargeInfo) -> str:
    """A charge as agents pick it: its date, what it was for, what is left to refund in the
    currency (not in cents), and the provider's id (two charges can share the rest)."""
    language = translation.get_language() or "en"
    left = format_money(charge.refundable, charge.currency, language)
    if charge.refunded:
        left = gettext("%(left)s left of %(amount)s") % {
            "left": left,
            "amount": format_money(charge.amount, charge.currency, language),
        }
    when = date_format(charge.created_at, "DATE_FORMAT")
    return " · ".join(part for part in (when, charge.description, left, charge.id) if part)


class RefundForm(ActionForm):
    charge_id = forms.ChoiceField(label=_("Charge"))
    amount = AmountField(required=False)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        amount_field(self, "amount", gettext("Amount in %(currency)s (empty: what is left)"))
        charges: list[ChargeInfo] = self.context.get("charges", [])
        choice_field(self, "charge_id").choices = [
            (c.id, charge_label(c)) for c in charges if c.refundable > 0
        ]

    def params(self) -> dict[str, Any]:
        return {
            "charge_id": self.cleaned_data["charge_id"],
            "amount": self.cleaned_data["amount"],
            "reason": self.cleaned_data["reason"],
        }


class CreditForm(ActionForm):
    amount = AmountField()
    expires_in_days = forms.IntegerField(
        label=_("Expires in (days)"), min_value=1, max_value=730, initial=365
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        amount_field(self, "amount", gettext("Amount in %(currency)s"))

    def params(self) -> dict[str, Any]:
        return {
            "amount": self.cleaned_data["amount"],
            "expires_in_days": self.cleaned_data["expires_in_days"],
            "reason": self.cleaned_data["reason"],
        }


class AddMemberForm(ActionForm):
    email = forms.EmailField(label=_("Member's email"))

    def params(self) -> dict[str, Any]:
        return {"email": self.cleaned_data["email"].lower()}


class RemoveMemberForm(ActionForm):
    email = forms.ChoiceField(label=_("Member"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members: list[MemberInfo] = self.context.get("members", [])
        choice_field(self, "email").choices = [(m.email, m.email) for m in members]

    def params(self) -> dict[str, Any]:
        return {"email": self.cleaned_data["email"]}


class FreezeForm(ActionForm):
    reason = forms.CharField(label=_("Why"), max_length=200)

    def params(self) -> dict[str, Any]:
        return {"reason": self.cleaned_data["reason"]}


# verb → (form, label, needs a "settings" grant, account kinds it applies to)
ACTIONS: dict[str, tuple[type[ActionForm], Any, bool, frozenset[str]]] = {
    "change_plan": (ChangePlanForm, _("Change plan"), False, frozenset({"subscription"})),
    "send_payment_link": (
        ActionForm,
        _("Send a link to update the card"),
        False,
        frozenset({"subscription"}),
    ),
    "pause": (PauseForm, _("Pause"), False, frozenset({"subscription"})),
    "resume": (ActionForm, _("Resume"), False, frozenset({"subscription"})),
    "cancel": (CancelForm, _("Cancel the subscription"), False, frozenset({"subscription"})),
    "refund": (RefundForm, _("Refund"), False, frozenset({"subscription"})),
    "grant_credit": (CreditForm, _("Grant credit"), False, frozenset({"subscription"})),
    "add_family_member": (
        AddMemberForm,
        _("Add a family member"),
        True,
        frozenset({"subscription"}),
    ),
    "remove_family_member": (
        RemoveMemberForm,
        _("Remove a family member"),
        True,
        frozenset({"subscription"}),
    ),
    "freeze_withdrawals": (FreezeForm, _("Freeze withdrawals"), False, frozenset({"exchange"})),
    "unfreeze_withdrawals": (
        FreezeForm,
        _("Unfreeze withdrawals"),
        False,
        frozenset({"exchange"}),
    ),
}


DURATIONS = (
    (15, _("15 minutes")),
    (60, _("1 hour")),
    (240, _("4 hours")),
    (1440, _("24 hours")),
)


class AccessRequestForm(forms.Form):
    scope = forms.ChoiceField(label=_("Access to"), choices=Scope.choices)
    minutes = forms.TypedChoiceField(label=_("For"), coerce=int, choices=DURATIONS, initial=60)
    reason = forms.CharField(
        label=_("Reason (the customer reads it)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def duration(self) -> timedelta:
        return timedelta(minutes=self.cleaned_data["minutes"])


WINDOWS = (
    ("1h", _("Last hour"), timedelta(hours=1)),
    ("24h", _("Last 24 hours"), timedelta(hours=24)),
    ("7d", _("Last 7 days"), timedelta(days=7)),
    ("30d", _("Last 30 days"), timedelta(days=30)),
)


class ActivityFilterForm(forms.Form):
    only_errors = forms.BooleanField(label=_("Errors only"), required=False)
    device = forms.CharField(label=_("Device"), required=False, max_length=100)
    window = forms.ChoiceField(
        label=_("Time window"),
        required=False,
        choices=[(code, label) for code, label, _delta in WINDOWS],
        initial="7d",
    )

    def window_delta(self) -> timedelta:
        code = self.cleaned_data.get("window") or "7d"
        return next(delta for key, _label, delta in WINDOWS if key == code)

    def window_label(self) -> str:
        code = self.cleaned_data.get("window") or "7d"
        return str(next(label for key, label, _delta in WINDOWS if key == code))
