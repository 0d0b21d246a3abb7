"""Single-use links sent to customers: update the payment method, confirm a withdrawal freeze.

Each link carries 256 random bits; only their SHA-256 is stored. A link works once (a
conditional UPDATE marks it used, so a replay or a double click is refused) and expires (24 hours
for the card page, 30 minutes for a confirmation).

A payment-method link is the customer's alone:
- it is emailed to the account's verified address only; the conversation (which agents read)
  gets a notice saying a secure link was sent, never the link;
- it is bound to the account's owner: opening it needs the customer's verified identity, either
  signed in to the portal as that contact or a one-time code mailed to the verified address
  (`send_code` / `check_code`: 6 digits, 10 minutes, 5 tries, 5 codes per link);
- every step is audited on the conversation: code sent, identity verified, a refused attempt
  (wrong person, wrong code, replayed or expired link), the card updated or the hand-off to an
  HTTP provider's own card page (`handoff`).

The pages that open them (in `accounts/views/portal.py`) call `open_link`, `send_code`,
`check_code`, `update_payment_method`, `handoff` and `confirm_action` here.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import smtplib
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from atiende.accounts import psp
from atiende.accounts.actions import texts
from atiende.accounts.builtin.billing import settle_open_invoices
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
from atiende.core.errors import ActionError, Conflict, NotAllowed, NotFound
from atiende.core.models import Event
from atiende.people.lookup import surviving
from atiende.people.models import Contact, ContactIdentity, IdentityKind

logger = logging.getLogger(__name__)

PAYMENT_LINK_TTL = timedelta(hours=24)
CONFIRM_LINK_TTL = timedelta(minutes=30)
CODE_TTL = timedelta(minutes=10)
CODE_TRIES = 5
CODES_PER_LINK = 5
CODE_INTERVAL = timedelta(seconds=30)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def url_for(token: str) -> str:
    try:
        path = reverse("accounts:link", args=[token])
    except NoReverseMatch:
        path = f"/account/link/{token}/"
    return f"{settings.SITE_URL}{path}"


def _create(action: AccountAction, purpose: str, ttl: timedelta, handoff_url: str = "") -> str:
    token = secrets.token_urlsafe(32)
    SecureLink.objects.create(
        purpose=purpose,
        token_hash=_hash(token),
        contact=action.contact,
        account_id=action.account_id,
        action=action,
        expires_at=timezone.now() + ttl,
        handoff_url=handoff_url,
    )
    return url_for(token)


def payment_link(action: AccountAction, handoff_url: str = "") -> str:
    """A new payment-method link for the action's customer (`handoff_url`: the HTTP provider's
    own card page, where the verified customer is sent)."""
    if urlsplit(handoff_url).scheme not in {"http", "https"} or len(handoff_url) > 2000:
        handoff_url = ""  # off-contract: atiende's own card form instead
    return _create(action, LinkPurpose.PAYMENT_METHOD, PAYMENT_LINK_TTL, handoff_url)


def verified_email(contact: Contact) -> str:
    """The contact's verified email address ("" when there is none)."""
    identity = (
        ContactIdentity.objects.filter(
            contact=surviving(contact), kind=IdentityKind.EMAIL, verified=True
        )
        .order_by("pk")
        .first()
    )
    return identity.value if identity is not None else ""


def mask_email(email: str) -> str:
    name, _sep, domain = email.partition("@")
    return f"{name[:1]}•••@{domain}"


def send_payment_link(email: str, language: str, url: str) -> None:
    """Mail the payment-method link after the commit that created it; a failure is logged."""

    def send() -> None:
        with translation.override(language):
            subject = _("Update your payment method")
            body = texts.payment_link_email(url)
        try:
            send_mail(subject, body, None, [email])
        except (OSError, smtplib.SMTPException):
            logger.exception("could not send a payment-method link")

    transaction.on_commit(send)


def confirmation_link(action: AccountAction) -> str:
    return _create(action, LinkPurpose.CONFIRM_ACTION, CONFIRM_LINK_TTL)


def confirmation_email(action: AccountAction) -> str:
    """Where a confirmation link goes when `ATIENDE_ACCOUNT_CONFIRM_CHANNEL` is "email": the
    contact's verified address (empty: fall back to the conversation)."""
    if getattr(settings, "ATIENDE_ACCOUNT_CONFIRM_CHANNEL", "email") != "email":
        return ""
    return verified_email(action.contact)


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
        refused(link, "used")
        raise Conflict(_("This link has already been used."))
    if link.expires_at <= timezone.now():
        _expire(link)
        refused(link, "expired")
        raise Conflict(_("This link has expired; ask us for a new one."))
    return link


def _audit(link: SecureLink, kind: str, data: dict[str, Any], *, customer: bool = False) -> None:
    """A payment link's step on the conversation's timeline and the audit log."""
    if link.purpose != LinkPurpose.PAYMENT_METHOD:
        return
    action = link.action
    with transaction.atomic():
        events.record(
            kind,
            conversation=action.conversation if action is not None else None,
            contact=link.contact,
            actor_contact=link.contact if customer else None,
            data={"link_id": link.pk, **data},
        )


REFUSAL_QUIET = timedelta(minutes=5)


def refused(link: SecureLink, reason: str) -> None:
    """Audit a refused attempt on a payment link (`used`, `expired`, `not_owner`,
    `not_verified`, `wrong_code`): once per link and reason every few minutes, so reloading a
    spent link (or a mail scanner) does not flood the timeline; wrong codes always count."""
    if reason != "wrong_code" and (
        Event.objects.filter(
            kind="account.payment_link_refused",
            contact=link.contact,
            created_at__gte=timezone.now() - REFUSAL_QUIET,
            data__link_id=link.pk,
            data__reason=reason,
        ).exists()
    ):
        return
    _audit(link, "account.payment_link_refused", {"reason": reason})


def is_owner(link: SecureLink, contact: Contact | None) -> bool:
    return contact is not None and surviving(contact).pk == surviving(link.contact).pk


def require_owner(link: SecureLink, customer: Contact | None) -> None:
    """Only the account's owner, with a verified identity, may use a payment link."""
    if customer is None:
        refused(link, "not_verified")
        raise NotAllowed(
            _("Confirm it is you first: sign in to your account or enter the code we email you.")
        )
    if not is_owner(link, customer):
        refused(link, "not_owner")
        raise NotAllowed(_("This link belongs to another customer's account."))


def _code_digest(link: SecureLink, code: str) -> str:
    key = f"{settings.SECRET_KEY}:secure-link-code:{link.pk}".encode()
    return hmac.new(key, code.encode("ascii", "replace"), hashlib.sha256).hexdigest()


def send_code(link: SecureLink) -> str:
    """Mail a one-time code to the account's verified address; the masked address."""
    if link.purpose != LinkPurpose.PAYMENT_METHOD:
        raise NotFound(_("This link is not valid."))
    email = verified_email(link.contact)
    if not email:
        raise ActionError(
            _("There is no verified email address to send a code to; sign in to your account.")
        )
    now = timezone.now()
    if link.codes_sent >= CODES_PER_LINK:
        raise Conflict(_("Too many codes were sent for this link; ask us for a new link."))
    if link.code_sent_at is not None and link.code_sent_at > now - CODE_INTERVAL:
        raise Conflict(_("We just sent a code; wait a moment before asking for another."))
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        sent = SecureLink.objects.filter(
            pk=link.pk, used_at__isnull=True, codes_sent=link.codes_sent
        ).update(
            code_hash=_code_digest(link, code),
            code_expires_at=now + CODE_TTL,
            code_attempts=0,
            codes_sent=link.codes_sent + 1,
            code_sent_at=now,
        )
        if sent != 1:
            raise Conflict(_("We just sent a code; wait a moment before asking for another."))
        _audit(link, "account.payment_link_code_sent", {"email": mask_email(email)})
        language = str((link.action.result if link.action else {}).get("language") or "en")

        def mail() -> None:
            with translation.override(language):
                subject = _("Your code to update your payment method")
                body = texts.payment_code_email(code)
            try:
                send_mail(subject, body, None, [email])
            except (OSError, smtplib.SMTPException):
                logger.exception("could not send a payment-link code")

        transaction.on_commit(mail)
    link.refresh_from_db()
    return mask_email(email)


def check_code(link: SecureLink, code: str) -> None:
    """The code the customer typed; the link is then verified for their browser session."""
    code = "".join((code or "").split())
    now = timezone.now()
    if not link.code_hash or link.code_expires_at is None:
        raise ActionError(_("Ask for a code first."))
    if link.code_expires_at <= now:
        raise Conflict(_("This code has expired; ask for a new one."))
    # Count the try first (conditional: concurrent guesses cannot exceed the limit).
    counted = SecureLink.objects.filter(
        pk=link.pk, code_hash=link.code_hash, code_attempts__lt=CODE_TRIES
    ).update(code_attempts=F("code_attempts") + 1)
    if counted != 1:
        raise Conflict(_("Too many wrong codes; ask for a new one."))
    if not (len(code) == 6 and hmac.compare_digest(_code_digest(link, code), link.code_hash)):
        refused(link, "wrong_code")
        raise ActionError(_("That code is not right; check the email and try again."))
    SecureLink.objects.filter(pk=link.pk).update(code_hash="", verified_at=now)
    _audit(link, "account.payment_link_verified", {"method": "code"}, customer=True)
    link.refresh_from_db()


def portal_verified(link: SecureLink) -> None:
    """Audit that the owner opened the link signed in to the portal."""
    _audit(link, "account.payment_link_verified", {"method": "portal"}, customer=True)


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
                    "titles": action.result.get("titles", {}),
                    "error": _("The customer did not confirm in time."),
                },
            )


def _use(link: SecureLink) -> None:
    used = SecureLink.objects.filter(pk=link.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if used != 1:
        raise Conflict(_("This link has already been used."))


def _payment_link(token: str, customer: Contact | None) -> SecureLink:
    link = open_link(token)
    if link.purpose != LinkPurpose.PAYMENT_METHOD:
        raise NotFound(_("This link is not valid."))
    require_owner(link, customer)
    return link


def update_payment_method(token: str, *, card_token: str, customer: Contact | None) -> SecureLink:
    """Store the card behind a processor token as the account's payment method (built-in).

    `customer`: the contact whose identity the page verified (signed in to the portal, or the
    emailed code); anyone else, or nobody, is refused.
    """
    link = _payment_link(token, customer)
    if link.handoff_url:
        raise ActionError(_("Your card is updated on our payment page; open the link again."))
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
        # What failed for want of a card is paid with the new one.
        link.paid_invoices = settle_open_invoices(account)
        events.record(
            "account.payment_method_updated",
            conversation=link.action.conversation if link.action else None,
            contact=link.contact,
            actor_contact=link.contact,
            data={
                "brand": card.brand,
                "last4": card.last4,
                "link_id": link.pk,
                "paid_invoices": link.paid_invoices,
            },
        )
    return link


def handoff(token: str, *, customer: Contact | None) -> str:
    """Spend the link and return the HTTP provider's own card page for the verified customer."""
    link = _payment_link(token, customer)
    if not link.handoff_url:
        raise ActionError(_("This link is not valid."))
    with transaction.atomic():
        _use(link)
        _audit(link, "account.payment_link_handed_off", {}, customer=True)
    return link.handoff_url


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
