"""Single-use links sent to customers: update the payment method, confirm a withdrawal freeze.

Each link carries 256 random bits; only their SHA-256 is stored. A link works once (a
conditional UPDATE marks it used, so a replay or a double click is refused) and expires (24 hours
for the card page, 30 minutes for a confirmation). Opening one needs no sign-in: the link is the
proof, sent to the customer's own channel.

The pages that open them (in `accounts/views/`) call `open_link`, `update_payment_method` and
`confirm_action` here; the JSON API offers the same under `/api/accounts/links/`.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from atiende.accounts import psp
from atiende.accounts.actions import texts
from atiende.accounts.models import (
    Account,
    AccountAction,
    ActionStatus,
    LinkPurpose,
    PaymentMethod,
    SecureLink,
)
from atiende.accounts.types import Outcome
from atiende.core import events
from atiende.core.errors import ActionError, Conflict, NotFound
from atiende.people.models import ContactIdentity, IdentityKind

logger = logging.getLogger(__name__)

PAYMENT_LINK_TTL = timedelta(hours=24)
CONFIRM_LINK_TTL = timedelta(minutes=30)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def url_for(token: str) -> str:
    try:
        path = reverse("accounts:link", args=[token])
    except NoReverseMatch:
        path = f"/account/link/{token}/"
    return f"{settings.SITE_URL}{path}"


def _create(action: AccountAction, purpose: str, ttl: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    SecureLink.objects.create(
        purpose=purpose,
        token_hash=_hash(token),
        contact=action.contact,
        account_id=action.account_id,
        action=action,
        expires_at=timezone.now() + ttl,
    )
    return url_for(token)


def payment_link(action: AccountAction) -> str:
    return _create(action, LinkPurpose.PAYMENT_METHOD, PAYMENT_LINK_TTL)


def confirmation_link(action: AccountAction) -> str:
    return _create(action, LinkPurpose.CONFIRM_ACTION, CONFIRM_LINK_TTL)


def confirmation_email(action: AccountAction) -> str:
    """Where a confirmation link goes when `ATIENDE_ACCOUNT_CONFIRM_CHANNEL` is "email": the
    contact's verified address (empty: fall back to the conversation)."""
    if getattr(settings, "ATIENDE_ACCOUNT_CONFIRM_CHANNEL", "email") != "email":
        return ""
    identity = (
        ContactIdentity.objects.filter(
            contact=action.contact, kind=IdentityKind.EMAIL, verified=True
        )
        .order_by("pk")
        .first()
    )
    return identity.value if identity is not None else ""


def send_confirmation(email: str, language: str, verb: str, url: str) -> None:
    """Mail the confirmation link after the commit that created it; a mail failure is logged."""

    def send() -> None:
        with translation.override(language):
            subject = _("Confirm the request on your account")
            body = texts.confirmation_request(verb, url)
        try:
            send_mail(subject, body, None, [email])
        except (OSError, smtplib.SMTPException):
            logger.exception("could not send an account confirmation")

    transaction.on_commit(send)


def open_link(token: str) -> SecureLink:
    """The link behind `token` if it can still be used; a clear error otherwise."""
    if not token or len(token) > 100:
        raise NotFound(_("This link is not valid."))
    link = (
        SecureLink.objects.select_related("action", "contact")
        .filter(token_hash=_hash(token))
        .first()
    )
    if link is None:
        raise NotFound(_("This link is not valid."))
    if link.used_at is not None:
        raise Conflict(_("This link has already been used."))
    if link.expires_at <= timezone.now():
        _expire(link)
        raise Conflict(_("This link has expired; ask us for a new one."))
    return link


def _expire(link: SecureLink) -> None:
    """A confirmation that came too late ends its request: the agent starts a new one."""
    action = link.action
    if link.purpose != LinkPurpose.CONFIRM_ACTION or action is None:
        return
    with transaction.atomic():
        ended = AccountAction.objects.filter(
            pk=action.pk, status=ActionStatus.AWAITING_CUSTOMER
        ).update(
            status=ActionStatus.FAILED,
            error=_("The customer did not confirm in time."),
            updated_at=timezone.now(),
        )
        if ended:
            events.record(
                "account.action_failed",
                conversation=action.conversation,
                contact=action.contact,
                data={
                    "action_id": action.pk,
                    "verb": action.verb,
                    "title": action.result.get("title", ""),
                    "error": _("The customer did not confirm in time."),
                },
            )


def _use(link: SecureLink) -> None:
    used = SecureLink.objects.filter(pk=link.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if used != 1:
        raise Conflict(_("This link has already been used."))


def update_payment_method(token: str, *, card_token: str) -> SecureLink:
    """Store the card behind a processor token as the account's payment method (built-in)."""
    link = open_link(token)
    if link.purpose != LinkPurpose.PAYMENT_METHOD:
        raise NotFound(_("This link is not valid."))
    with transaction.atomic():
        _use(link)
        card = psp.redeem(card_token)
        account = Account.objects.filter(external_id=link.account_id).first()
        if account is None:
            raise ActionError(_("The account no longer exists."))
        PaymentMethod.objects.filter(account=account).update(is_default=False)
        PaymentMethod.objects.create(
            account=account,
            brand=card.brand,
            last4=card.last4,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
        )
        events.record(
            "account.payment_method_updated",
            conversation=link.action.conversation if link.action else None,
            contact=link.contact,
            actor_contact=link.contact,
            data={"brand": card.brand, "last4": card.last4},
        )
    return link


def confirm_action(token: str) -> Outcome:
    """The customer confirms a sensitive action (re-verification); it is then carried out."""
    from atiende.accounts.actions.common import execute

    link = open_link(token)
    action = link.action
    if link.purpose != LinkPurpose.CONFIRM_ACTION or action is None:
        raise NotFound(_("This link is not valid."))
    with transaction.atomic():
        _use(link)
        moved = AccountAction.objects.filter(
            pk=action.pk, status=ActionStatus.AWAITING_CUSTOMER
        ).update(status=ActionStatus.RUNNING, updated_at=timezone.now())
        if moved != 1:
            raise Conflict(_("This request is no longer waiting for you."))
        events.record(
            "account.customer_confirmed",
            conversation=action.conversation,
            contact=action.contact,
            actor_contact=link.contact,
            data={"action_id": action.pk, "verb": action.verb},
        )
    action.refresh_from_db()
    return execute(action)
