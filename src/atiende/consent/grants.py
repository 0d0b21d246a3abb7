"""Every change to an access grant, and the checks every read under one goes through.

An agent asks (`request_grant`); the customer who owns the account approves or denies, either
with the single-use link sent to them (the token proves they hold the channel it went to) or
signed in to the portal (`approve_grant`, `deny_grant`); either side ends it (`revoke_grant`);
time ends it anyway. Whether a grant is in force is read from the database on every call of
`active_grant` / `require_grant`: nothing is cached, so a revoke or an expiry takes effect on
the very next request (pages, fragments and API tokens alike). Events on the conversation push
the change to the agent's open page.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from atiende.consent.models import Grant, GrantStatus, GrantUse, Scope
from atiende.conversations.access import access_contact_by_id, can_see_conversation
from atiende.conversations.models import Conversation
from atiende.core import events, tasks
from atiende.core.errors import ActionError, Conflict, NotAllowed, NotFound
from atiende.core.languages import site_language
from atiende.people.lookup import surviving
from atiende.people.models import Contact, User

logger = logging.getLogger(__name__)

MAX_DURATION = timedelta(hours=24)
MIN_DURATION = timedelta(minutes=1)
MAX_REASON = 500

# What can never be changed under a grant, whatever its scope (SECURITY.md).
PROTECTED_SETTINGS = frozenset(
    {
        "email",
        "password",
        "2fa",
        "two_factor",
        "mfa",
        "payout_address",
        "withdrawal_address",
        "api_keys",
        "api_key",
    }
)


def request_max_age() -> timedelta:
    """How long the customer has to answer a request (its link dies with it)."""
    return timedelta(seconds=getattr(settings, "ATIENDE_GRANT_REQUEST_MAX_AGE", 24 * 3600))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _customer_language(contact: Contact, conversation: Conversation | None) -> str:
    return site_language(getattr(conversation, "language", ""), contact.language)


def approval_link(grant: Grant, token: str) -> str:
    return f"{settings.SITE_URL}/portal/grants/{grant.pk}/{token}/"


def request_grant(
    agent: User,
    contact: Contact,
    *,
    scope: str,
    duration: timedelta,
    reason: str,
    conversation: Conversation | None = None,
) -> Grant:
    """Ask `contact` for `scope` access for `duration`; the request reaches them in their channel.

    The returned grant carries the raw single-use token in `approval_token` (it is stored only
    as a hash).
    """
    if scope not in Scope.values:
        raise ActionError(_("Unknown access scope."))
    if duration > MAX_DURATION:
        raise ActionError(_("Access can be asked for at most 24 hours."))
    if duration < MIN_DURATION:
        raise ActionError(_("Access must last at least one minute."))
    reason = reason.strip()
    if not reason:
        raise ActionError(_("Say why you need access: the customer reads it."))
    if len(reason) > MAX_REASON:
        raise ActionError(_("The reason is too long."))
    contact = surviving(contact)
    # Raises NotFound for a contact the agent may not see.
    access_contact_by_id(agent, contact.pk)
    if conversation is not None and (
        surviving(conversation.contact).pk != contact.pk
        or not can_see_conversation(agent, conversation)
    ):
        raise NotFound(_("Conversation not found."))
    token = secrets.token_urlsafe(32)  # 256 bits
    now = timezone.now()
    with transaction.atomic():
        grant = Grant.objects.create(
            agent=agent,
            contact=contact,
            conversation=conversation,
            scope=scope,
            duration=duration,
            reason=reason,
            token_hash=_hash(token),
            requested_at=now,
            request_expires_at=now + request_max_age(),
        )
        grant.approval_token = token
        events.record(
            "consent.requested",
            conversation=conversation,
            contact=contact,
            actor_user=agent,
            data=_event_data(grant),
        )
        if conversation is not None:
            _tell_customer(agent, conversation, grant, token)
    return grant


def _tell_customer(agent: User, conversation: Conversation, grant: Grant, token: str) -> None:
    """A public reply on the conversation, in the customer's language, without the token; the
    single-use link goes by email to the customer's own address, which agents never see."""
    from atiende.consent import messages
    from atiende.conversations.actions import send_reply

    language = _customer_language(grant.contact, conversation)
    with translation.override(language):
        text = messages.request_text(grant, f"{settings.SITE_URL}/portal/account/access/")
        subject, body = messages.link_email(grant, approval_link(grant, token))
    message = send_reply(agent, conversation, text=text)
    grant.request_message_id = message.pk
    grant.save(update_fields=["request_message_id"])
    address = grant.contact.email
    if address:
        transaction.on_commit(lambda: _send_link(subject, body, address))


def _send_link(subject: str, body: str, address: str) -> None:
    # The request stands without the email (chat buttons, the account page): a mail server
    # that refuses it is logged, never an error for the agent.
    try:
        send_mail(subject, body, None, [address])
    except Exception:
        logger.exception("could not email an access request link")


def _event_data(grant: Grant, **extra: Any) -> dict[str, Any]:
    return {
        "grant_id": grant.pk,
        "scope": grant.scope,
        "minutes": int(grant.duration.total_seconds() // 60),
        **extra,
    }


def check_owner(grant: Grant, contact: Contact | None) -> None:
    """The grant's own customer, or nobody (a link alone); any other contact is refused."""
    if contact is not None and surviving(contact).pk != surviving(grant.contact).pk:
        raise NotAllowed(_("Only the account's owner can answer this request."))


def _decide(contact: Contact | None, grant_id: int, token: str | None, *, approve: bool) -> Grant:
    grant = _answer(contact, grant_id, token, approve=approve)
    if grant is None:
        raise Conflict(_("This request has expired; the agent can ask again."))
    return grant


def _answer(
    contact: Contact | None, grant_id: int, token: str | None, *, approve: bool
) -> Grant | None:
    """Approve or deny in one transaction; None when the request turned out to have expired."""
    if contact is None and not token:
        raise NotAllowed(_("Only the account's owner can answer this request."))
    now = timezone.now()
    with transaction.atomic():
        grant = Grant.objects.select_for_update().filter(pk=grant_id).first()
        if grant is None:
            raise NotFound(_("Access request not found."))
        if token is not None and not hmac.compare_digest(grant.token_hash, _hash(token)):
            # The same answer as for a grant that does not exist: ids are not confirmed.
            raise NotFound(_("Access request not found."))
        check_owner(grant, contact)
        if token is not None and grant.token_used_at is not None:
            raise Conflict(_("This link was already used."))
        if grant.status != GrantStatus.PENDING:
            raise Conflict(_("This request was already answered or withdrawn."))
        expired = grant.request_expires_at <= now
        if expired:
            # Kept (not rolled back with an exception): the request is over for good.
            Grant.objects.filter(pk=grant.pk).update(status=GrantStatus.EXPIRED, ended_at=now)
            return None
        grant.token_used_at = now
        grant.decided_at = now
        if approve:
            grant.status = GrantStatus.ACTIVE
            grant.expires_at = now + grant.duration
        else:
            grant.status = GrantStatus.DENIED
            grant.ended_at = now
        grant.save(
            update_fields=["token_used_at", "decided_at", "status", "expires_at", "ended_at"]
        )
        owner = grant.contact
        events.record(
            "consent.approved" if approve else "consent.denied",
            conversation=grant.conversation,
            contact=owner,
            actor_contact=owner,
            data=_event_data(grant),
        )
        if approve:
            tasks.enqueue(
                "consent.expire_grant",
                {"grant_id": grant.pk},
                key=f"consent-expire:{grant.pk}",
                delay=grant.duration.total_seconds(),
            )
    return grant


def approve_grant(contact: Contact | None, grant_id: int, token: str | None = None) -> Grant:
    """The customer says yes: from their link (`token`), or signed in as `contact`, or both."""
    return _decide(contact, grant_id, token, approve=True)


def deny_grant(contact: Contact | None, grant_id: int, token: str | None = None) -> Grant:
    return _decide(contact, grant_id, token, approve=False)


def check_link(grant_id: int, token: str) -> Grant:
    """The pending request a link points to, without spending it (for the confirmation page)."""
    grant = Grant.objects.select_related("agent", "contact").filter(pk=grant_id).first()
    if grant is None or not hmac.compare_digest(grant.token_hash, _hash(token)):
        raise NotFound(_("Access request not found."))
    if grant.token_used_at is not None:
        raise Conflict(_("This link was already used."))
    if grant.effective_status() != GrantStatus.PENDING:
        raise Conflict(_("This request is no longer waiting for an answer."))
    return grant


def revoke_grant(actor: User | Contact, grant_id: int) -> Grant:
    """End a grant (or withdraw a pending request): the agent, a supervisor, or the customer."""
    now = timezone.now()
    with transaction.atomic():
        grant = Grant.objects.select_for_update().filter(pk=grant_id).first()
        if grant is None:
            raise NotFound(_("Access grant not found."))
        if isinstance(actor, Contact):
            if surviving(actor).pk != surviving(grant.contact).pk:
                raise NotFound(_("Access grant not found."))
        elif not actor.is_active or (grant.agent_id != actor.pk and not actor.sees_everything):
            raise NotFound(_("Access grant not found."))
        status = grant.effective_status(now)
        if status not in {GrantStatus.PENDING, GrantStatus.ACTIVE}:
            raise Conflict(_("This access has already ended."))
        grant.status = GrantStatus.REVOKED
        grant.ended_at = now
        if isinstance(actor, Contact):
            grant.ended_by_contact = actor
        else:
            grant.ended_by_user = actor
        grant.save(update_fields=["status", "ended_at", "ended_by_contact", "ended_by_user"])
        events.record(
            "consent.revoked",
            conversation=grant.conversation,
            contact=grant.contact,
            actor_user=actor if isinstance(actor, User) else None,
            actor_contact=actor if isinstance(actor, Contact) else None,
            data=_event_data(grant, was=status),
        )
    return grant


def expire_grant(grant_id: int) -> bool:
    """Mark a grant whose time is up as expired and say so; False if it had already ended.

    Access already stopped at `expires_at` (every check reads it); this records the event that
    refreshes open pages and the customer's list.
    """
    now = timezone.now()
    with transaction.atomic():
        grant = Grant.objects.select_for_update().filter(pk=grant_id).first()
        if grant is None or grant.status != GrantStatus.ACTIVE:
            return False
        if grant.expires_at is not None and grant.expires_at > now:
            raise Conflict("the grant has not expired yet")  # the task retries later
        grant.status = GrantStatus.EXPIRED
        grant.ended_at = grant.expires_at or now
        grant.save(update_fields=["status", "ended_at"])
        events.record(
            "consent.expired",
            conversation=grant.conversation,
            contact=grant.contact,
            data=_event_data(grant),
        )
    return True


def active_grant(agent: User, contact: Contact, scope: str) -> Grant | None:
    """The grant in force right now for this agent, customer and scope (read from the DB)."""
    if not agent.is_active:
        return None
    return (
        Grant.objects.filter(
            agent=agent,
            contact=surviving(contact),
            scope=scope,
            status=GrantStatus.ACTIVE,
            expires_at__gt=timezone.now(),
        )
        .order_by("-expires_at")
        .first()
    )


def require_grant(agent: User, contact: Contact, scope: str) -> Grant:
    grant = active_grant(agent, contact, scope)
    if grant is None:
        raise NotAllowed(_("This needs the customer's permission: request access first."))
    return grant


def check_setting_changeable(setting: str) -> None:
    """Refuse the settings no grant may ever change (email, password, 2FA, payout address,
    API keys)."""
    if setting.strip().lower().replace("-", "_") in PROTECTED_SETTINGS:
        raise NotAllowed(_("This setting can only be changed by the customer."))


DEFAULT_READ_WINDOW = 300


def read_window() -> timedelta:
    """Repeated reads of one thing within this window share a log row
    (`ATIENDE_GRANT_READ_DEDUP_SECONDS`, 300; 0 logs every read on its own row)."""
    return timedelta(
        seconds=max(
            0, int(getattr(settings, "ATIENDE_GRANT_READ_DEDUP_SECONDS", DEFAULT_READ_WINDOW))
        )
    )


def record_use(grant: Grant, what: str, detail: str = "") -> GrantUse:
    """Log a read or an action under `grant` (the customer sees it in the portal).

    Re-checks that the grant is still in force, so nothing is done under a grant that ended
    between the check and the use. An action (anything but `*.read`) always gets its own row
    and a `consent.used` audit event. A read of the same thing (`what` and `detail`) under the
    same grant within `read_window()` of the row's first read is counted on that row (`count`,
    `last_at`) instead: the agent's panel reloads as the conversation moves, and one line per
    reload drowned what the customer needs to see. No event on the conversation: a read must
    not make the agent's page read again.
    """
    what, detail = what[:200], detail[:500]
    with transaction.atomic():
        current = Grant.objects.select_for_update().filter(pk=grant.pk).first()
        if current is None or not current.in_force():
            raise NotAllowed(_("This access has ended."))
        now = timezone.now()
        window = read_window()
        if what.endswith(".read") and window:
            # The grant's row lock serialises concurrent reads: no two rows for one window.
            same = (
                GrantUse.objects.filter(
                    grant=current, what=what, detail=detail, created_at__gte=now - window
                )
                .order_by("-created_at", "-id")
                .first()
            )
            if same is not None:
                GrantUse.objects.filter(pk=same.pk).update(count=F("count") + 1, last_at=now)
                same.refresh_from_db()
                return same
        use = GrantUse.objects.create(
            grant=current, what=what, detail=detail, created_at=now, last_at=now
        )
        events.record(
            "consent.used",
            contact=current.contact,
            actor_user=current.agent,
            data={"grant_id": current.pk, "scope": current.scope, "what": use.what},
            publish=False,
        )
    return use


def grants_for_contact(contact: Contact) -> list[Grant]:
    """All of a customer's grants, newest first (what the portal shows them)."""
    return list(
        Grant.objects.filter(contact=surviving(contact))
        .select_related("agent")
        .prefetch_related("uses")
    )


def access_grant_for_contact(contact: Contact, grant_id: int) -> Grant:
    grant = (
        Grant.objects.select_related("agent")
        .filter(pk=grant_id, contact=surviving(contact))
        .first()
    )
    if grant is None:
        raise NotFound(_("Access grant not found."))
    return grant


def access_grant_for_agent(agent: User, grant_id: int) -> Grant:
    """A grant the agent asked for, or any grant for a supervisor or admin."""
    grant = Grant.objects.select_related("contact", "agent").filter(pk=grant_id).first()
    if (
        grant is None
        or not agent.is_active
        or (grant.agent_id != agent.pk and not agent.sees_everything)
    ):
        raise NotFound(_("Access grant not found."))
    return grant
