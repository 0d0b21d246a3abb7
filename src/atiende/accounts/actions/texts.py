"""What each action says: its title and list of changes (for the agent, in the agent's
language) and the notice the customer receives (in the customer's language).

Texts are built here from the verb, its parameters and the provider's quote, so the customer is
told the same words whichever provider is configured.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from atiende.accounts.money import format_money
from atiende.accounts.types import PlanInfo, Quote

CANCEL_REASONS = ("too_expensive", "not_using", "technical", "switching", "other")


@dataclass(frozen=True)
class Context:
    verb: str
    params: dict[str, Any]
    quote: Quote
    plans: dict[str, PlanInfo]
    # Payment links: the masked verified address the link is emailed to.
    email: str = ""


def _money(amount: int, currency: str) -> str:
    return format_money(amount, currency, translation.get_language() or "en")


def _plan(context: Context, code: str) -> str:
    plan = context.plans.get(code)
    return plan.name if plan else code


def _when(context: Context, *, until: bool = False) -> str:
    """The quote's date: when the action takes effect, or (`until`) when a pause ends."""
    details = context.quote.details
    moment: object = details.get("until") if until else None
    moment = moment or context.quote.effective_at or details.get("until")
    if isinstance(moment, str):  # a provider over HTTP sends dates as ISO 8601 text
        moment = parse_datetime(moment)
    return date_format(moment, "DATE_FORMAT") if isinstance(moment, datetime) else ""


def title(context: Context) -> str:
    verb, params = context.verb, context.params
    amount = abs(context.quote.amount)
    currency = context.quote.currency
    if verb == "change_plan":
        return _("Change the plan from %(old)s to %(new)s") % {
            "old": _plan(context, str(context.quote.details.get("from_plan", ""))),
            "new": _plan(context, str(params.get("plan", ""))),
        }
    if verb == "refund":
        return _("Refund %(amount)s of charge %(charge)s") % {
            "amount": _money(amount, currency),
            "charge": params.get("charge_id", ""),
        }
    if verb == "grant_credit":
        return _("Grant %(amount)s of account credit") % {"amount": _money(amount, currency)}
    if verb == "cancel" and params.get("offer"):
        return _("Keep the subscription with a retention offer")
    if verb in {"add_family_member", "remove_family_member"}:
        template = (
            _("Add %(email)s to the plan")
            if verb == "add_family_member"
            else _("Remove %(email)s from the plan")
        )
        return template % {"email": params.get("email", "")}
    titles = {
        "send_payment_link": _("Send a secure link to update the payment method"),
        "pause": _("Pause the subscription"),
        "resume": _("Resume the subscription"),
        "cancel": _("Cancel the subscription"),
        "freeze_withdrawals": _("Freeze withdrawals"),
        "unfreeze_withdrawals": _("Unfreeze withdrawals"),
    }
    return titles.get(verb, verb)


def changes(context: Context) -> list[str]:
    verb, quote = context.verb, context.quote
    lines: list[str] = []
    if quote.proration is not None and quote.proration.restarts_period:
        proration = quote.proration
        lines.append(
            _(
                "The new plan bills over another interval: the unused %(days)s of %(period)s days "
                "at %(old)s are credited and a new period at %(new)s starts now."
            )
            % {
                "days": proration.days_left,
                "period": proration.period_days,
                "old": _money(proration.old_price, quote.currency),
                "new": _money(proration.new_price, quote.currency),
            }
        )
    elif quote.proration is not None:
        proration = quote.proration
        lines.append(
            _("%(days)s of %(period)s days left in the period; price %(old)s → %(new)s.")
            % {
                "days": proration.days_left,
                "period": proration.period_days,
                "old": _money(proration.old_price, quote.currency),
                "new": _money(proration.new_price, quote.currency),
            }
        )
    if quote.amount > 0:
        lines.append(
            _("The card on file is charged %(amount)s now.")
            % {"amount": _money(quote.amount, quote.currency)}
        )
    elif quote.amount < 0 and verb != "refund":
        lines.append(
            _("%(amount)s is added to the account's credit.")
            % {"amount": _money(-quote.amount, quote.currency)}
        )
    elif quote.amount < 0:
        lines.append(
            _("%(amount)s goes back to the card that paid.")
            % {"amount": _money(-quote.amount, quote.currency)}
        )
    if verb == "pause":
        lines.append(_("No charges until %(date)s.") % {"date": _when(context, until=True)})
    if verb == "cancel" and not context.params.get("offer"):
        lines.append(_("The subscription ends on %(date)s.") % {"date": _when(context)})
    if verb == "send_payment_link":
        lines.append(
            _(
                "The link is emailed to %(email)s only; it works once, expires in 24 hours and "
                "asks the customer to confirm it is them. Agents never see the link or the card."
            )
            % {"email": context.email}
        )
    if verb in {"freeze_withdrawals", "unfreeze_withdrawals"}:
        lines.append(_("A supervisor approves, then the customer confirms through a link."))
    return lines


def customer_notice(context: Context) -> str:
    """The message the customer receives once the action is done."""
    verb, params, quote = context.verb, context.params, context.quote
    amount = abs(quote.amount)
    money = _money(amount, quote.currency)
    if verb == "change_plan":
        text = _("Your plan is now %(plan)s.") % {"plan": _plan(context, str(params["plan"]))}
        if quote.amount > 0:
            text += " " + _("We charged %(amount)s for the rest of this period.") % {
                "amount": money
            }
        elif quote.amount < 0:
            text += " " + _("%(amount)s was added to your account credit.") % {"amount": money}
        return text
    if verb == "send_payment_link":
        # The link itself goes to the verified address only: agents read this conversation.
        return _(
            "We sent a secure link to update your payment method to %(email)s. It works once, "
            "expires in 24 hours and asks you to confirm it is you. We will never ask for your "
            "card number in this conversation."
        ) % {"email": context.email}
    if verb == "pause":
        return _("Your subscription is paused until %(date)s; you will not be charged.") % {
            "date": _when(context, until=True)
        }
    if verb == "resume":
        return _("Your subscription is active again.")
    if verb == "cancel":
        if params.get("offer"):
            return _("You keep your subscription, and %(amount)s was added to your credit.") % {
                "amount": money
            }
        return _("Your subscription is cancelled; it stays active until %(date)s.") % {
            "date": _when(context)
        }
    if verb == "refund":
        return _("We refunded %(amount)s to your card; it can take 5 to 10 days to appear.") % {
            "amount": money
        }
    if verb == "grant_credit":
        return _("We added %(amount)s of credit to your account.") % {"amount": money}
    if verb == "add_family_member":
        return _("%(email)s was invited to your plan.") % {"email": params.get("email", "")}
    if verb == "remove_family_member":
        return _("%(email)s was removed from your plan.") % {"email": params.get("email", "")}
    if verb == "freeze_withdrawals":
        return _("Withdrawals from your account are frozen. Deposits still arrive.")
    return _("Withdrawals from your account are enabled again.")


def confirmation_request(verb: str, link: str) -> str:
    """Sent to the customer when a sensitive action needs their confirmation."""
    what = (
        _("freeze withdrawals from your account")
        if verb == "freeze_withdrawals"
        else _("enable withdrawals from your account again")
    )
    return _(
        "To %(what)s, please confirm here: %(link)s (the link works once and expires in 30 "
        "minutes). We will never ask for your password, recovery phrase or private keys."
    ) % {"what": what, "link": link}


def payment_link_email(link: str) -> str:
    """The email that carries a payment-method link (to the verified address only)."""
    return _(
        "Hello,\n\nUpdate your payment method securely here:\n%(link)s\n\nThe link works once "
        "and expires in 24 hours. Before the card form opens we check it is you: sign in to your "
        "account, or ask for a code by email. Do not forward this email. We will never ask for "
        "your card number in a conversation.\n"
    ) % {"link": link}


def payment_code_email(code: str) -> str:
    return _(
        "Your code to update your payment method is %(code)s. It works for 10 minutes. Nobody "
        "from our team will ever ask you for it.\n"
    ) % {"code": code}


def confirmation_emailed(email: str) -> str:
    name, _sep, domain = email.partition("@")
    masked = f"{name[:1]}•••@{domain}"
    return _(
        "To confirm the request on your account, open the link we just emailed to %(email)s "
        "(it works once and expires in 30 minutes). We will never ask for your password, "
        "recovery phrase or private keys."
    ) % {"email": masked}


def in_language(language: str, build: Any, *args: Any, **kwargs: Any) -> str:
    with translation.override(language):
        return str(build(*args, **kwargs))


def in_languages(build: Any, *args: Any, **kwargs: Any) -> dict[str, str]:
    """`build(...)` in every language the site speaks, by code: what is stored once and read
    by people of either language (a title on the timeline, the approval queue, the portal)."""
    return {code: in_language(code, build, *args, **kwargs) for code, _name in settings.LANGUAGES}
