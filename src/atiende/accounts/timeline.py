"""How account events read on the conversation timeline (and in the audit log)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from atiende.accounts.models.actions import localized_title
from atiende.accounts.money import format_money
from atiende.accounts.provider import VERBS
from atiende.conversations.extensions import register_event

if TYPE_CHECKING:
    from atiende.core.models import Event


def _who(event: Event) -> str:
    if event.actor_user is not None:
        return str(event.actor_user)
    if event.actor_contact is not None:
        return _("the customer")
    return _("atiende")


def _what(event: Event) -> str:
    data = event.data
    if title := localized_title(data):
        return title  # already names the amount when there is one
    amount, currency = data.get("amount"), data.get("currency")
    verb = str(data.get("verb") or "")
    if isinstance(amount, int) and amount and currency:
        return f"{verb} ({format_money(amount, str(currency), get_language() or 'en')})"
    return verb


def describe_done(event: Event) -> str:
    return _("Account: %(what)s — done by %(who)s.") % {"what": _what(event), "who": _who(event)}


def describe_requested(event: Event) -> str:
    return _("Account: %(what)s — waiting for a supervisor's approval.") % {"what": _what(event)}


def describe_approved(event: Event) -> str:
    return _("Account: request approved by %(who)s.") % {"who": _who(event)}


def describe_rejected(event: Event) -> str:
    return _("Account: request rejected by %(who)s: %(note)s") % {
        "who": _who(event),
        "note": event.data.get("note", ""),
    }


def describe_expired(event: Event) -> str:
    return _("Account: %(what)s — %(note)s") % {
        "what": _what(event),
        "note": event.data.get("note", ""),
    }


def describe_failed(event: Event) -> str:
    return _("Account: %(what)s failed: %(error)s") % {
        "what": _what(event),
        "error": event.data.get("error", ""),
    }


def describe_confirmation_sent(event: Event) -> str:
    return _("Account: %(what)s — confirmation link sent to the customer.") % {"what": _what(event)}


def describe_confirmed(event: Event) -> str:
    return _("Account: the customer confirmed the request.")


def describe_payment_method(event: Event) -> str:
    return _("Account: the customer updated their payment method (%(brand)s •••• %(last4)s).") % {
        "brand": event.data.get("brand", ""),
        "last4": event.data.get("last4", ""),
    }


def describe_link_code_sent(event: Event) -> str:
    return _("Account: a code to open the payment link was emailed to %(email)s.") % {
        "email": event.data.get("email", "")
    }


def describe_link_verified(event: Event) -> str:
    if event.data.get("method") == "portal":
        return _("Account: the customer opened the payment link signed in to their account.")
    return _("Account: the customer confirmed their identity with the emailed code.")


def describe_link_refused(event: Event) -> str:
    reason = str(event.data.get("reason", ""))
    reasons = {
        "used": _("the link was already used"),
        "expired": _("the link had expired"),
        "not_owner": _("someone signed in as another customer tried it"),
        "not_verified": _("the identity was not confirmed"),
        "wrong_code": _("a wrong code was typed"),
    }
    return _("Account: the payment link was refused: %(reason)s.") % {
        "reason": reasons.get(reason, reason)
    }


def describe_link_handed_off(event: Event) -> str:
    return _("Account: the customer went on to the payment page to update the card.")


def describe_notice_failed(event: Event) -> str:
    return _("Account: the customer could not be told: %(error)s") % {
        "error": event.data.get("error", "")
    }


def register() -> None:
    for verb in VERBS:
        register_event(f"account.{verb}", describe_done)
    register_event("account.approval_requested", describe_requested)
    register_event("account.approval_approved", describe_approved)
    register_event("account.approval_rejected", describe_rejected)
    register_event("account.action_failed", describe_failed)
    register_event("account.approval_expired", describe_expired)
    register_event("account.confirmation_sent", describe_confirmation_sent)
    register_event("account.customer_confirmed", describe_confirmed)
    register_event("account.payment_method_updated", describe_payment_method)
    register_event("account.notice_failed", describe_notice_failed)
    register_event("account.payment_link_code_sent", describe_link_code_sent)
    register_event("account.payment_link_verified", describe_link_verified)
    register_event("account.payment_link_refused", describe_link_refused)
    register_event("account.payment_link_handed_off", describe_link_handed_off)
