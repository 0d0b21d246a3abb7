"""The engine every account action runs through.

preview: authorise → find the linked account → ask the provider for a quote → policy → texts.
do: the same, then one `AccountAction` per idempotency key (unique: a repeated or concurrent
request with the same key gets the first one's outcome), then either a supervisor approval
request or the provider's `apply` (with the same key), then an event on the conversation (or the
contact) and the notice to the customer in their language.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from atiende.accounts import policy
from atiende.accounts.actions import texts
from atiende.accounts.linking import account_for_contact
from atiende.accounts.models import AccountAction, ActionStatus, ApprovalRequest
from atiende.accounts.provider import VERBS, AccountProvider, get_provider
from atiende.accounts.types import AccountRef, Outcome, Preview, Quote
from atiende.conversations.access import access_contact_by_id, can_see_conversation
from atiende.conversations.models import Conversation
from atiende.core import events, tasks
from atiende.core.errors import ActionError, Conflict, NotFound
from atiende.core.languages import site_language
from atiende.people.lookup import surviving
from atiende.people.models import Contact, User

MIN_KEY, MAX_KEY = 8, 200
# How long a duplicate request waits for the first one with its key to finish.
REPLAY_WAIT_SECONDS = 15.0
# A request still "running" after this long died midway (a crash, a killed worker): a retry with
# its key takes it over. Safe because providers apply a key at most once.
STALE_AFTER = timedelta(minutes=2)


@dataclass(frozen=True)
class CustomerActor:
    """The customer acting on their own account (the portal's self-service)."""

    contact: Contact


Actor = User | CustomerActor


def customer_language(contact: Contact, conversation: Conversation | None) -> str:
    return site_language(getattr(conversation, "language", ""), contact.language)


def authorize(
    actor: Actor, contact: Contact, conversation: Conversation | None, verb: str
) -> tuple[Contact, Conversation | None]:
    """The contact (after merges) the actor may act on, and the conversation, checked."""
    if verb not in VERBS:
        raise ActionError(_("Unknown action."))
    policy.check_allowed(actor, verb)
    contact = surviving(contact)
    if isinstance(actor, User):
        contact = access_contact_by_id(actor, contact.pk)
        if conversation is not None and not can_see_conversation(actor, conversation):
            raise NotFound(_("Conversation not found."))
    elif surviving(actor.contact).pk != contact.pk:
        raise NotFound(_("Account not found."))
    if conversation is not None and surviving(conversation.contact).pk != contact.pk:
        raise ActionError(_("That conversation is not this customer's."))
    return contact, conversation


def linked_account(contact: Contact, provider: AccountProvider) -> AccountRef:
    ref = account_for_contact(contact, provider)
    if ref is None:
        raise NotFound(_("No account is linked to this customer's verified identities."))
    return ref


def money_amount(verb: str, quote: Quote) -> int:
    """What counts against a limit: the amount refunded or credited."""
    return -quote.amount if verb in policy.MONEY_VERBS and quote.amount < 0 else 0


def digest(verb: str, params: dict[str, Any]) -> str:
    canonical = json.dumps([verb, params], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _context(
    provider: AccountProvider, verb: str, params: dict[str, Any], quote: Quote, contact: Contact
) -> Any:
    plans = {plan.code: plan for plan in provider.plans()} if verb == "change_plan" else {}
    email = ""
    if verb == "send_payment_link":
        from atiende.accounts.actions import links

        # The link goes to the verified address alone (agents read the conversation).
        address = links.verified_email(contact)
        if not address:
            raise ActionError(
                _(
                    "This customer has no verified email address to send the secure link to; "
                    "ask them to update the card from their account page instead."
                )
            )
        email = links.mask_email(address)
    return texts.Context(verb, params, quote, plans, email)


def preview(
    verb: str,
    actor: Actor,
    contact: Contact,
    params: dict[str, Any],
    conversation: Conversation | None = None,
) -> Preview:
    contact, conversation = authorize(actor, contact, conversation, verb)
    provider = get_provider()
    ref = linked_account(contact, provider)
    quote = provider.quote(ref, verb, params)
    decision = policy.decide(
        actor,
        verb,
        account_id=ref.account_id,
        amount=money_amount(verb, quote),
        currency=quote.currency,
    )
    context = _context(provider, verb, params, quote, contact)
    language = customer_language(contact, conversation)
    return Preview(
        verb=verb,
        title=texts.title(context),
        changes=texts.changes(context),
        amount=quote.amount,
        currency=quote.currency,
        proration=quote.proration,
        customer_notice=texts.in_language(language, texts.customer_notice, context),
        customer_language=language,
        needs_approval=decision.needs_approval,
        approval_reason=decision.reason,
        needs_customer_confirmation=verb in policy.SENSITIVE_VERBS,
        params=params,
    )


def outcome_of(action: AccountAction, *, replayed: bool = False) -> Outcome:
    approval = ApprovalRequest.objects.filter(action=action).values_list("pk", flat=True).first()
    status = {
        ActionStatus.DONE: "done",
        ActionStatus.PENDING_APPROVAL: "pending_approval",
        ActionStatus.AWAITING_CUSTOMER: "awaiting_customer",
        ActionStatus.REJECTED: "rejected",
    }.get(ActionStatus(action.status))
    if status is None:
        raise ActionError(action.error or _("This action failed."))
    return Outcome(
        status=status,  # type: ignore[arg-type]  # one of the literals above
        verb=action.verb,
        action_id=action.pk,
        approval_id=approval,
        reference=str(action.result.get("reference", "")),
        message=str(action.result.get("notice", "")),
        replayed=replayed,
    )


def replay(key: str, verb: str, params_digest: str, contact: Contact) -> Outcome:
    """The outcome of the first request with this key, waiting while it is still running."""
    deadline = time.monotonic() + REPLAY_WAIT_SECONDS
    while True:
        action = AccountAction.objects.filter(idempotency_key=key).first()
        if action is None:
            raise Conflict(_("Another request with this idempotency key failed; use a new key."))
        if action.verb != verb or action.params_digest != params_digest:
            raise Conflict(_("This idempotency key was already used for a different action."))
        if action.contact_id != contact.pk:
            raise Conflict(_("This idempotency key was already used for a different action."))
        if action.status != ActionStatus.RUNNING:
            return outcome_of(action, replayed=True)
        if action.updated_at < timezone.now() - STALE_AFTER and _take_over(action):
            return execute(action)
        if time.monotonic() > deadline:
            raise Conflict(_("The same action is still being carried out; try again shortly."))
        time.sleep(0.05)


def _take_over(action: AccountAction) -> bool:
    """Claim a stale running action (one of several retries wins)."""
    now = timezone.now()
    claimed = AccountAction.objects.filter(
        pk=action.pk, status=ActionStatus.RUNNING, updated_at=action.updated_at
    ).update(updated_at=now)
    action.updated_at = now
    return claimed == 1


def check_key(key: str) -> str:
    key = (key or "").strip()
    if not MIN_KEY <= len(key) <= MAX_KEY or not key.isprintable():
        raise ActionError(_("Give an idempotency key of 8 to 200 printable characters."))
    return key


def perform(
    verb: str,
    actor: Actor,
    contact: Contact,
    params: dict[str, Any],
    *,
    idempotency_key: str,
    conversation: Conversation | None = None,
) -> Outcome:
    key = check_key(idempotency_key)
    contact, conversation = authorize(actor, contact, conversation, verb)
    params_digest = digest(verb, params)
    if AccountAction.objects.filter(idempotency_key=key).exists():
        return replay(key, verb, params_digest, contact)
    provider = get_provider()
    ref = linked_account(contact, provider)
    quote = provider.quote(ref, verb, params)
    context = _context(provider, verb, params, quote, contact)
    language = customer_language(contact, conversation)
    amount = money_amount(verb, quote)
    user = actor if isinstance(actor, User) else None
    try:
        with transaction.atomic():
            if connection.features.has_select_for_update:
                # One decision at a time per customer, so two requests cannot both slip under
                # the limit (SQLite's BEGIN IMMEDIATE already serialises).
                list(Contact.objects.select_for_update().filter(pk=contact.pk).values("pk"))
            decision = policy.decide(
                actor, verb, account_id=ref.account_id, amount=amount, currency=quote.currency
            )
            action = AccountAction.objects.create(
                idempotency_key=key,
                verb=verb,
                params=json.loads(json.dumps(params, default=str)),
                params_digest=params_digest,
                contact=contact,
                conversation=conversation,
                actor_user=user,
                actor_contact=None if user else contact,
                account_id=ref.account_id,
                status=(
                    ActionStatus.PENDING_APPROVAL
                    if decision.needs_approval
                    else ActionStatus.RUNNING
                ),
                amount=amount or None,
                currency=quote.currency,
                result={
                    "notice": texts.in_language(language, texts.customer_notice, context),
                    "language": language,
                    "title": texts.title(context),
                    "titles": texts.in_languages(texts.title, context),
                },
            )
            if decision.needs_approval:
                approval = ApprovalRequest.objects.create(
                    action=action,
                    reason=decision.reason[:300],
                    requested_by=user,
                    expires_at=timezone.now() + policy.approval_max_age(),
                )
                _record(action, "account.approval_requested", user, {"approval_id": approval.pk})
                tasks.enqueue(
                    "accounts.expire_approval",
                    {"approval_id": approval.pk},
                    key=f"accounts-approval-expiry:{approval.pk}",
                    # A little after the deadline, so the check inside sees it passed.
                    delay=policy.approval_max_age().total_seconds() + 1,
                )
    except IntegrityError:
        return replay(key, verb, params_digest, contact)
    if decision.needs_approval:
        return outcome_of(action)
    return execute(action, provider=provider, ref=ref)


def _record(
    action: AccountAction, kind: str, user: User | None, extra: dict[str, Any] | None = None
) -> None:
    events.record(
        kind,
        conversation=action.conversation,
        contact=action.contact,
        actor_user=user,
        actor_contact=action.actor_contact,
        data={
            "action_id": action.pk,
            "verb": action.verb,
            "title": action.result.get("title", ""),
            "titles": action.result.get("titles", {}),
            "amount": action.amount,
            "currency": action.currency,
            **(extra or {}),
        },
    )


def execute(
    action: AccountAction,
    *,
    provider: AccountProvider | None = None,
    ref: AccountRef | None = None,
    by: User | None = None,
) -> Outcome:
    """Carry out an action that is allowed (at once, approved, or confirmed by the customer)."""
    from atiende.accounts.actions import links

    provider = provider or get_provider()
    ref = ref or AccountRef(provider.name, action.account_id)
    try:
        applied = provider.apply(
            ref, action.verb, action.params, idempotency_key=action.idempotency_key
        )
    except ActionError as error:
        AccountAction.objects.filter(pk=action.pk).update(
            status=ActionStatus.FAILED, error=str(error.detail)[:500], updated_at=timezone.now()
        )
        with transaction.atomic():
            _record(
                action, "account.action_failed", by or action.actor_user, {"error": error.detail}
            )
        raise
    result = dict(action.result)
    result["reference"] = applied.reference
    with transaction.atomic():
        if action.verb == "send_payment_link":
            # An HTTP provider's own card page is kept on the link, behind the customer's
            # verification; neither URL is stored on the action or shown in the conversation.
            handoff_url = str(applied.details.get("url") or "")
            url = links.payment_link(action, handoff_url=handoff_url)
            email = links.verified_email(action.contact)
            if email:  # checked by the quote; a removed address leaves the portal route
                links.send_payment_link(email, str(result.get("language") or "en"), url)
        action.status = ActionStatus.DONE
        action.result = result
        action.updated_at = timezone.now()
        action.save(update_fields=["status", "result", "updated_at"])
        _record(action, f"account.{action.verb}", by or action.actor_user, {"done": True})
    tell_customer(action, str(result.get("notice", "")), by)
    return outcome_of(action)


def tell_customer(action: AccountAction, text: str, by: User | None = None) -> bool:
    """A public reply in the action's conversation, through the outbox (the customer's channel).

    Self-service actions (no agent) and actions without a conversation are only shown on the
    timeline and in the portal. A closed conversation cannot take the reply: that is recorded.
    """
    from atiende.conversations.actions import send_reply

    author = action.actor_user or by
    if action.conversation is None or author is None or not text:
        return False
    try:
        send_reply(author, action.conversation, text=text)
    except ActionError as error:
        with transaction.atomic():
            _record(action, "account.notice_failed", author, {"error": error.detail})
        return False
    return True


def after_approval(approval: ApprovalRequest, approver: User) -> Outcome:
    """An approved request: sensitive actions wait for the customer, the rest run now."""
    from atiende.accounts.actions import links

    action = approval.action
    if action.verb in policy.SENSITIVE_VERBS:
        with transaction.atomic():
            AccountAction.objects.filter(pk=action.pk).update(
                status=ActionStatus.AWAITING_CUSTOMER, updated_at=timezone.now()
            )
            action.status = ActionStatus.AWAITING_CUSTOMER
            url = links.confirmation_link(action)
            email = links.confirmation_email(action)
            _record(
                action,
                "account.confirmation_sent",
                approver,
                {"channel": "email" if email else "conversation"},
            )
        language = str(action.result.get("language") or "en")
        if email:
            # The link goes only to the verified address: agents reading the conversation never
            # hold it, so nobody but the customer can confirm.
            links.send_confirmation(email, language, action.verb, url)
            notice = texts.in_language(language, texts.confirmation_emailed, email)
        else:
            notice = texts.in_language(language, texts.confirmation_request, action.verb, url)
        tell_customer(action, notice, approver)
        return outcome_of(action)
    return execute(action, by=approver)
