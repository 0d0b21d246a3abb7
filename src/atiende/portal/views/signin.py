"""Signing in to the portal with a one-time link sent by email, and signing out.

Opening a link (GET) only shows a button: mail clients' link scanners fetch links, and must not
spend a single-use one. Pressing the button (POST) redeems it.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_http_methods, require_POST

from atiende.conversations.access import access_customer_conversation
from atiende.core.errors import NotFound
from atiende.portal import actions
from atiende.portal.forms import SignInForm
from atiende.portal.links import InvalidLink, check, contact_for_email, redeem
from atiende.portal.session import current_contact, sign_in, sign_out
from atiende.portal.views.common import over_limit, too_many_requests


@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        if current_contact(request) is not None:
            return redirect("portal:conversations")
        return render(request, "portal/signin.html", {"form": SignInForm()})
    form = SignInForm(request.POST)
    if not form.is_valid():
        return render(request, "portal/signin.html", {"form": form}, status=400)
    email = form.cleaned_data["email"]
    # Per address as well as per client: nobody can flood someone else's mailbox.
    if over_limit(request, "portal_link", f"email:{email.lower()}"):
        return too_many_requests(request)
    actions.request_signin_link(email, language=translation.get_language() or "")
    # The same answer whether or not the address is known (no account enumeration).
    return render(request, "portal/signin_sent.html", {"email": email})


@require_http_methods(["GET", "POST"])
def redeem_link(request: HttpRequest, token: str) -> HttpResponse:
    if request.method != "POST":
        try:
            check(token)
        except InvalidLink:
            return _invalid(request)
        return render(request, "portal/signin_confirm.html")
    try:
        claim = redeem(token)
    except InvalidLink:
        return _invalid(request)
    contact = contact_for_email(claim.email)
    if contact is None:
        return _invalid(request)
    sign_in(request, contact)
    if claim.conversation_id is not None:
        try:
            conversation = access_customer_conversation(contact, claim.conversation_id)
        except NotFound:
            return redirect("portal:conversations")
        return redirect("portal:conversation", conversation.pk)
    return redirect("portal:conversations")


def _invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/signin_invalid.html", {"form": SignInForm()}, status=400)


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    sign_out(request)
    return redirect("portal:signin")
