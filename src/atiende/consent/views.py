"""The approval link a customer opens from their channel (chat, email, portal message).

Opening the link (GET) only shows the request and two buttons: link scanners fetch links and
must not spend a single-use token. Pressing a button (POST) answers. Someone signed in to the
portal as another customer is refused: the link is bound to the grant and to its customer.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from atiende.consent import grants
from atiende.consent.messages import scope_label
from atiende.core.errors import ActionError
from atiende.portal.session import current_contact


@require_http_methods(["GET", "POST"])
def answer_link(request: HttpRequest, grant_id: int, token: str) -> HttpResponse:
    contact = current_contact(request)
    if request.method != "POST":
        try:
            grant = grants.check_link(grant_id, token)
            grants.check_owner(grant, contact)
        except ActionError as exc:
            return _refused(request, exc)
        context = {
            "grant": grant,
            "scope": scope_label(grant.scope),
            "minutes": int(grant.duration.total_seconds() // 60),
        }
        return render(request, "consent/answer.html", context)
    approve = request.POST.get("answer") == "approve"
    try:
        if approve:
            grant = grants.approve_grant(contact, grant_id, token)
        else:
            grant = grants.deny_grant(contact, grant_id, token)
    except ActionError as exc:
        return _refused(request, exc)
    return render(
        request,
        "consent/answered.html",
        {"grant": grant, "approved": approve, "scope": scope_label(grant.scope)},
    )


def _refused(request: HttpRequest, exc: ActionError) -> HttpResponse:
    return render(request, "consent/refused.html", {"detail": exc.detail}, status=exc.status_code)
