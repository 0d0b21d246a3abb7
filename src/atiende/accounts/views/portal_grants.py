"""The customer's access page in the portal: requests waiting for an answer, grants in force
(with their time left and a revoke button), past grants, and every read and action done under
each one. Ids from the URL are checked against the signed-in customer (another's is a 404)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from atiende.consent import grants
from atiende.consent.messages import scope_label, use_label
from atiende.consent.models import GrantStatus
from atiende.core.errors import ActionError, NotFound
from atiende.people.models import Contact
from atiende.portal.views.common import customer_required


@require_GET
@customer_required
def grant_list(request: HttpRequest, contact: Contact) -> HttpResponse:
    rows = []
    for grant in grants.grants_for_contact(contact):
        rows.append(
            {
                "grant": grant,
                "status": grant.effective_status(),
                "scope": scope_label(grant.scope),
                "minutes": int(grant.duration.total_seconds() // 60),
                "uses": [(use, use_label(use.what)) for use in grant.uses.all()],
            }
        )
    context = {
        "contact": contact,
        "pending": [row for row in rows if row["status"] == GrantStatus.PENDING],
        "active": [row for row in rows if row["status"] == GrantStatus.ACTIVE],
        "past": [
            row for row in rows if row["status"] not in {GrantStatus.PENDING, GrantStatus.ACTIVE}
        ],
    }
    return render(request, "accounts/portal/grants.html", context)


def _answer(request: HttpRequest, contact: Contact, grant_id: int, verb: str) -> HttpResponse:
    try:
        # Scoped first: another customer's grant id is a 404, never "not yours".
        grant = grants.access_grant_for_contact(contact, grant_id)
        if verb == "approve":
            grants.approve_grant(contact, grant.pk)
            messages.success(request, _("Access approved."))
        elif verb == "deny":
            grants.deny_grant(contact, grant.pk)
            messages.success(request, _("Access denied."))
        else:
            grants.revoke_grant(contact, grant.pk)
            messages.success(request, _("Access revoked. The agent can no longer see it."))
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    except ActionError as exc:
        messages.error(request, exc.detail)
    return redirect("accounts:portal_grants")


@require_POST
@customer_required
def approve(request: HttpRequest, contact: Contact, grant_id: int) -> HttpResponse:
    return _answer(request, contact, grant_id, "approve")


@require_POST
@customer_required
def deny(request: HttpRequest, contact: Contact, grant_id: int) -> HttpResponse:
    return _answer(request, contact, grant_id, "deny")


@require_POST
@customer_required
def revoke(request: HttpRequest, contact: Contact, grant_id: int) -> HttpResponse:
    return _answer(request, contact, grant_id, "revoke")
