"""Every action on a customer's account, each with a preview.

`preview_<verb>(actor, contact, **params) -> Preview` says what would change, what it costs and
what the customer will be told; `do_<verb>(actor, contact, *, idempotency_key, conversation=None,
**params) -> Outcome` does it (or queues it for a supervisor). The actor is an agent (`User`) or
the customer themself (`CustomerActor(contact)`); `policy` decides what each may do.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from atiende.accounts.actions.common import Actor, CustomerActor, perform, preview
from atiende.accounts.actions.links import confirm_action, open_link, update_payment_method
from atiende.accounts.actions.texts import CANCEL_REASONS
from atiende.accounts.types import Outcome, Preview
from atiende.conversations.models import Conversation
from atiende.core.errors import ActionError
from atiende.people.models import Contact

__all__ = [
    "CANCEL_REASONS",
    "Actor",
    "CustomerActor",
    "confirm_action",
    "do_action",
    "do_add_family_member",
    "do_cancel",
    "do_change_plan",
    "do_freeze_withdrawals",
    "do_grant_credit",
    "do_pause",
    "do_refund",
    "do_remove_family_member",
    "do_resume",
    "do_send_payment_link",
    "do_unfreeze_withdrawals",
    "open_link",
    "preview_action",
    "preview_add_family_member",
    "preview_cancel",
    "preview_change_plan",
    "preview_freeze_withdrawals",
    "preview_grant_credit",
    "preview_pause",
    "preview_refund",
    "preview_remove_family_member",
    "preview_resume",
    "preview_send_payment_link",
    "preview_unfreeze_withdrawals",
    "update_payment_method",
]


def _text(value: object, name: str, limit: int, *, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ActionError(_("Give the %(field)s.") % {"field": name})
    return text[:limit]


def params_for(verb: str, raw: dict[str, Any]) -> dict[str, Any]:
    """The allowlisted, normalised parameters of each verb (nothing else reaches a provider)."""
    if verb == "change_plan":
        return {
            "plan": _text(raw.get("plan"), "plan", 40),
            "from_plan": _text(raw.get("from_plan"), "from_plan", 40, required=False),
        }
    if verb == "pause":
        return {"months": raw.get("months", 1)}
    if verb == "cancel":
        reason = _text(raw.get("reason"), "reason", 40)
        if reason not in CANCEL_REASONS:
            raise ActionError(
                _("The reason must be one of: %(reasons)s.")
                % {"reasons": ", ".join(CANCEL_REASONS)}
            )
        return {
            "reason": reason,
            "offer": _text(raw.get("offer"), "offer", 40, required=False),
            "immediately": bool(raw.get("immediately", False)),
        }
    if verb == "refund":
        return {
            "charge_id": _text(raw.get("charge_id"), "charge_id", 100),
            "amount": raw.get("amount"),
            "currency": _text(raw.get("currency"), "currency", 3, required=False).upper(),
            "reason": _text(raw.get("reason"), "reason", 200, required=False),
        }
    if verb == "grant_credit":
        return {
            "amount": raw.get("amount"),
            "currency": _text(raw.get("currency"), "currency", 3, required=False).upper(),
            "reason": _text(raw.get("reason"), "reason", 200),
            "expires_in_days": raw.get("expires_in_days", 365),
        }
    if verb == "add_family_member":
        return {
            "email": _text(raw.get("email"), "email", 254).lower(),
            "name": _text(raw.get("name"), "name", 200, required=False),
        }
    if verb == "remove_family_member":
        return {"email": _text(raw.get("email"), "email", 254).lower()}
    if verb in {"freeze_withdrawals", "unfreeze_withdrawals"}:
        return {"reason": _text(raw.get("reason"), "reason", 200)}
    return {}


def preview_action(
    verb: str,
    actor: Actor,
    contact: Contact,
    conversation: Conversation | None = None,
    **params: Any,
) -> Preview:
    return preview(verb, actor, contact, params_for(verb, params), conversation)


def do_action(
    verb: str,
    actor: Actor,
    contact: Contact,
    *,
    idempotency_key: str,
    conversation: Conversation | None = None,
    **params: Any,
) -> Outcome:
    return perform(
        verb,
        actor,
        contact,
        params_for(verb, params),
        idempotency_key=idempotency_key,
        conversation=conversation,
    )


def preview_change_plan(
    actor: Actor,
    contact: Contact,
    *,
    plan: str,
    from_plan: str = "",
    conversation: Conversation | None = None,
) -> Preview:
    return preview_action(
        "change_plan", actor, contact, conversation, plan=plan, from_plan=from_plan
    )


def do_change_plan(
    actor: Actor,
    contact: Contact,
    *,
    idempotency_key: str,
    plan: str,
    from_plan: str = "",
    conversation: Conversation | None = None,
) -> Outcome:
    return do_action(
        "change_plan",
        actor,
        contact,
        idempotency_key=idempotency_key,
        conversation=conversation,
        plan=plan,
        from_plan=from_plan,
    )


def preview_send_payment_link(
    actor: Actor, contact: Contact, *, conversation: Conversation | None = None
) -> Preview:
    return preview_action("send_payment_link", actor, contact, conversation)


def do_send_payment_link(
    actor: Actor,
    contact: Contact,
    *,
    idempotency_key: str,
    conversation: Conversation | None = None,
) -> Outcome:
    return do_action(
        "send_payment_link",
        actor,
        contact,
        idempotency_key=idempotency_key,
        conversation=conversation,
    )


def preview_pause(
    actor: Actor, contact: Contact, *, months: int = 1, conversation: Conversation | None = None
) -> Preview:
    return preview_action("pause", actor, contact, conversation, months=months)


def do_pause(
    actor: Actor,
    contact: Contact,
    *,
    idempotency_key: str,
    months: int = 1,
    conversation: Conversation | None = None,
) -> Outcome:
    return do_action(
        "pause",
        actor,
        contact,
        idempotency_key=idempotency_key,
        conversation=conversation,
        months=months,
    )


def preview_resume(
    actor: Actor, contact: Contact, *, conversation: Conversation | None = None
) -> Preview:
    return preview_action("resume", actor, contact, conversation)


def do_resume(
    actor: Actor,
    contact: Contact,
    *,
    idempotency_key: str,
    conversation: Conversation | None = None,
) -> Outcome:
    return do_action(
        "resume", actor, contact, idempotency_key=idempotency_key, conversation=conversation
    )


def preview_cancel(
    actor: Actor,
    contact: Contact,
    *,
    reason: str,
    offer: str = "",
    immediately: bool = False,
    conversation: Conversation | None = None,
) -> Preview:
    return preview_action(
        "cancel", actor, contact, conversation, reason=reason, offer=offer, immediately=immediately
    )


def do_cancel(
    actor: Actor,
    contact: Contact,
    *,
    idempotency_key: str,
    reason: str,
    offer: str = "",
    immediately: bool = False,
    conversation: Conversation | None = None,
) -> Outcome:
    return do_action(
        "cancel",
        actor,
        contact,
        idempotency_key=idempotency_key,
        conversation=conversation,
        reason=reason,
        offer=offer,
        immediately=immediately,
    )


def preview_refund(
    actor: Actor,
    contact: Contact,
    *,
    charge_id: str,
    amount: int | None = None,
    currency: str = "",
    reason: str = "",
    conversation: Conversation | None = None,
) -> Preview:
    return preview_action(
        "refund",
        actor,
        contact,
        conversation,
        charge_id=charge_id,
        amount=amount,
        currency=currency,
        reason=reason,
    )


def do_refund(
    actor: Actor,
    contact: Contact,
    *,
    idempotency_key: str,
    charge_id: str,
    amount: int | None = None,
    currency: str = "",
    reason: str = "",
    conversation: Conversation | None = None,
) -> Outcome:
    return do_action(
        "refund",
        actor,
        contact,
        idempotency_key=idempotency_key,
        conversation=conversation,
        charge_id=charge_id,
        amount=amount,
        currency=currency,
        reason=reason,
    )


def preview_grant_credit(
    actor: Actor,
    contact: Contact,
    *,
    amount: int,
    reason: str,
    currency: str = "",
    expires_in_days: int = 365,
    conversation: Conversation | None = None,
) -> Preview:
    return preview_action(
        "grant_credit",
        actor,
        contact,
        conversation,
        amount=amount,
        currency=currency,
        reason=reason,
        expires_in_days=expires_in_days,
    )


def do_grant_credit(
    actor: Actor,
    contact: Contact,
    *,
    idempotency_key: str,
    amount: int,
    reason: str,
    currency: str = "",
    expires_in_days: int = 365,
    conversation: Conversation | None = None,
) -> Outcome:
    return do_action(
        "grant_credit",
        actor,
        contact,
        idempotency_key=idempotency_key,
        conversation=conversation,
        amount=amount,
        currency=currency,
        reason=reason,
        expires_in_days=expires_in_days,
    )


def preview_add_family_member(
    actor: Actor,
    contact: Contact,
    *,
    email: str,
    name: str = "",
    conversation: Conversation | None = None,
) -> Preview:
    return preview_action("add_family_member", actor, contact, conversation, email=email, name=name)


def do_add_family_member(
    actor: Actor,
    contact: Contact,
    *,
    idempotency_key: str,
    email: str,
    name: str = "",
    conversation: Conversation | None = None,
) -> Outcome:
    return do_action(
        "add_family_member",
        actor,
        contact,
        idempotency_key=idempotency_key,
        conversation=conversation,
        email=email,
        name=name,
    )


def preview_remove_family_member(
    actor: Actor, contact: Contact, *, email: str, conversation: Conversation | None = None
) -> Preview:
    return preview_action("remove_family_member", actor, contact, conversation, email=email)


def do_remove_family_member(
    actor: Actor,
    contact: Contact,
    *,
    idempotency_key: str,
    email: str,
    conversation: Conversation | None = None,
) -> Outcome:
    return do_action(
        "remove_family_member",
        actor,
        contact,
        idempotency_key=idempotency_key,
        conversation=conversation,
        email=email,
    )


def preview_freeze_withdrawals(
    actor: Actor, contact: Contact, *, reason: str, conversation: Conversation | None = None
) -> Preview:
    return preview_action("freeze_withdrawals", actor, contact, conversation, reason=reason)


def do_freeze_withdrawals(
    actor: Actor,
    contact: Contact,
    *,
    idempotency_key: str,
    reason: str,
    conversation: Conversation | None = None,
) -> Outcome:
    return do_action(
        "freeze_withdrawals",
        actor,
        contact,
        idempotency_key=idempotency_key,
        conversation=conversation,
        reason=reason,
    )


def preview_unfreeze_withdrawals(
    actor: Actor, contact: Contact, *, reason: str, conversation: Conversation | None = None
) -> Preview:
    return preview_action("unfreeze_withdrawals", actor, contact, conversation, reason=reason)


def do_unfreeze_withdrawals(
    actor: Actor,
    contact: Contact,
    *,
    idempotency_key: str,
    reason: str,
    conversation: Conversation | None = None,
) -> Outcome:
    return do_action(
        "unfreeze_withdrawals",
        actor,
        contact,
        idempotency_key=idempotency_key,
        conversation=conversation,
        reason=reason,
    )
