"""Account actions from the panel: a form, then a preview, then confirm or cancel.

`action_form` shows the action's parameters; `preview` asks `preview_action` what would happen
(what changes, what it costs, what the customer is told) and mints the idempotency key the
confirm button carries; `confirm` calls `do_action` with that key, so a double click or a
repeated post makes one action. The result says what happened: done, sent for a supervisor's
approval, or waiting for the customer's confirmation.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from atiende.accounts.actions import do_action, preview_action
from atiende.accounts.money import format_money
from atiende.accounts.views.common import Account, linked, load
from atiende.accounts.views.forms import ACTIONS, ActionForm
from atiende.consent import grants
from atiende.consent.models import Scope
from atiende.conversations.models import Conversation
from atiende.core.errors import ActionError, NotAllowed
from atiende.people.models import User


def _form_context(account: Account) -> dict[str, Any]:
    """What the action forms offer as choices: plans, refundable charges, members."""
    if account.provider is None or account.ref is None or account.summary is None:
        return {}
    provider, ref = account.provider, account.ref
    plan = account.summary.plan
    return {
        "plans": provider.plans(),
        "current_plan": plan.code if plan else "",
        "charges": provider.charges(ref)[:20],
        "members": provider.members(ref),
        "currency": account.summary.currency,
    }


def _setup(
    request: HttpRequest, conversation_id: int, verb: str
) -> tuple[User, Conversation, Account, type[ActionForm], str]:
    if verb not in ACTIONS:
        raise Http404(_("Unknown action."))
    user, conversation = load(request, conversation_id)
    account = linked(conversation)
    if account.summary is None:
        raise Http404(_("No account is linked to this customer's verified identities."))
    form_class, label, _needs_settings, kinds = ACTIONS[verb]
    if account.kind not in kinds:
        raise Http404(_("Unknown action."))
    return user, conversation, account, form_class, str(label)


def _settings_grant(user: User, account: Account, verb: str) -> None:
    """Family members are account settings: changing them needs a "settings" grant."""
    if ACTIONS[verb][2]:
        grant = grants.require_grant(user, account.contact, Scope.SETTINGS)
        grants.record_use(grant, "settings.change", verb)


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(request, f"accounts/panel/{template}", context, status=status)


@require_GET
@login_required
def action_form(request: HttpRequest, conversation_id: int, verb: str) -> HttpResponse:
    _user, conversation, account, form_class, label = _setup(request, conversation_id, verb)
    form = form_class(context=_form_context(account))
    context = {"conversation": conversation, "verb": verb, "label": label, "form": form}
    return _render(request, "_action_form.html", context)


@require_POST
@login_required
def preview(request: HttpRequest, conversation_id: int, verb: str) -> HttpResponse:
    user, conversation, account, form_class, label = _setup(request, conversation_id, verb)
    form = form_class(request.POST, context=_form_context(account))
    context: dict[str, Any] = {
        "conversation": conversation,
        "verb": verb,
        "label": label,
        "form": form,
    }
    if not form.is_valid():
        return _render(request, "_action_form.html", context, status=400)
    try:
        if ACTIONS[verb][2] and grants.active_grant(user, account.contact, Scope.SETTINGS) is None:
            raise NotAllowed(_("This needs the customer's permission: request access first."))
        shown = preview_action(verb, user, account.contact, conversation, **form.params())
    except ActionError as exc:
        context["error"] = exc.detail
        return _render(request, "_action_form.html", context, status=exc.status_code)
    context.update(
        {
            "preview": shown,
            "cost": (
                format_money(abs(shown.amount), shown.currency, get_language() or "en")
                if shown.amount
                else ""
            ),
            "charges": shown.amount > 0,
            # Minted now: the confirm button carries it, so a double click makes one action.
            "idempotency_key": secrets.token_urlsafe(24),
        }
    )
    return _render(request, "_preview.html", context)


@require_POST
@login_required
def confirm(request: HttpRequest, conversation_id: int, verb: str) -> HttpResponse:
    user, conversation, account, form_class, label = _setup(request, conversation_id, verb)
    form = form_class(request.POST, context=_form_context(account))
    context: dict[str, Any] = {"conversation": conversation, "verb": verb, "label": label}
    if not form.is_valid():
        context["form"] = form
        return _render(request, "_action_form.html", context, status=400)
    try:
        _settings_grant(user, account, verb)
        outcome = do_action(
            verb,
            user,
            account.contact,
            idempotency_key=request.POST.get("idempotency_key", ""),
            conversation=conversation,
            **form.params(),
        )
    except ActionError as exc:
        context.update({"form": form, "error": exc.detail})
        return _render(request, "_action_form.html", context, status=exc.status_code)
    context["outcome"] = outcome
    return _render(request, "_result.html", context)
