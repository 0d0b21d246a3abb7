"""What the customer and the timeline read about grants (translated; no HTML)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from atiende.consent.models import Grant, Scope
from atiende.core.models import Event

USE_LABELS = {
    "activity.read": lambda: _("Viewed your activity log"),
    "settings.read": lambda: _("Viewed your account settings"),
    "settings.change": lambda: _("Changed an account setting"),
    "transactions.read": lambda: _("Viewed your transactions"),
}


def scope_label(scope: str) -> str:
    return str(Scope(scope).label) if scope in Scope.values else scope


def duration_text(minutes: int) -> str:
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def request_text(grant: Grant, page: str) -> str:
    """The public message that asks the customer for access.

    It carries no single-use link: agents read the conversation, and a link there would let the
    agent approve their own request. The customer answers with the chat buttons, on their
    account page (signing in proves who they are), or from the link emailed to them alone.
    """
    minutes = int(grant.duration.total_seconds() // 60)
    return _(
        "%(agent)s is asking for temporary access to your %(scope)s for %(duration)s, to help "
        "with this request.\n\nReason: %(reason)s\n\nTo approve or deny, sign in to your "
        "account page: %(page)s (if you wrote by email, we have also sent you a one-time "
        "link there).\n\nYou can revoke the access at any time from your account page. We "
        "will never ask for your password, recovery phrase or private keys."
    ) % {
        "agent": str(grant.agent),
        "scope": scope_label(grant.scope).lower(),
        "duration": duration_text(minutes),
        "reason": grant.reason,
        "page": page,
    }


def link_email(grant: Grant, link: str) -> tuple[str, str]:
    """Subject and body of the private email with the single-use approval link."""
    minutes = int(grant.duration.total_seconds() // 60)
    subject = _("Access request to your account")
    body = _(
        "%(agent)s is asking for temporary access to your %(scope)s for %(duration)s.\n\n"
        "Reason: %(reason)s\n\nTo approve or deny, open this link (it works once, and only "
        "you received it): %(link)s\n\nIf you did not expect this, deny it: nothing is "
        "shared without your approval."
    ) % {
        "agent": str(grant.agent),
        "scope": scope_label(grant.scope).lower(),
        "duration": duration_text(minutes),
        "reason": grant.reason,
        "link": link,
    }
    return str(subject), body


def use_label(what: str) -> str:
    label = USE_LABELS.get(what)
    return label() if label is not None else what


def describe(event: Event) -> str:
    """Timeline text for consent.* events."""
    data = event.data or {}
    scope = scope_label(str(data.get("scope", "")))
    values = {
        "scope": scope,
        "duration": duration_text(int(data.get("minutes", 0) or 0)),
        "agent": str(event.actor_user) if event.actor_user_id else "",
        "customer": str(event.actor_contact) if event.actor_contact_id else "",
    }
    if event.kind == "consent.requested":
        return _("%(agent)s requested access (%(scope)s, %(duration)s).") % values
    if event.kind == "consent.approved":
        return _("The customer approved access (%(scope)s) for %(duration)s.") % values
    if event.kind == "consent.denied":
        return _("The customer denied access (%(scope)s).") % values
    if event.kind == "consent.revoked":
        if event.actor_contact_id:
            return _("The customer revoked access (%(scope)s).") % values
        return _("%(agent)s ended access (%(scope)s).") % values
    if event.kind == "consent.expired":
        return _("Access (%(scope)s) expired.") % values
    return event.kind


TIMELINE_KINDS = (
    "consent.requested",
    "consent.approved",
    "consent.denied",
    "consent.revoked",
    "consent.expired",
)
