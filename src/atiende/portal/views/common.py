"""Helpers the customer-side views share: rate-limit answers, the signed-in customer."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render

from atiende.core import ratelimit
from atiende.people.models import Contact
from atiende.portal.session import current_contact

CustomerView = Callable[..., HttpResponseBase]


def over_limit(request: HttpRequest, scope: str, *extra_idents: str) -> bool:
    """Count one attempt per client address (and per extra key, e.g. the target address); True
    when any of them is over the limit."""
    idents = [ratelimit.client_address(request), *extra_idents]
    # Count every key even after one is over, so each counter sees every attempt.
    results = [ratelimit.hit(scope, ident) for ident in idents]
    return not all(results)


def too_many_requests(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/rate_limited.html", status=429)


def customer_required(view: CustomerView) -> CustomerView:
    """Runs the view with the signed-in customer as `contact`; else to the sign-in page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        contact: Contact | None = current_contact(request)
        if contact is None:
            return redirect("portal:signin")
        return view(request, contact, *args, **kwargs)

    return wrapper
