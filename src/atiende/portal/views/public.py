"""The public pages: the support landing page and the Help form."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from atiende.core.errors import ActionError
from atiende.portal import actions
from atiende.portal.forms import HelpForm
from atiende.portal.views.common import over_limit, too_many_requests

SENT_KEY = "atiende_portal_help_sent"


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/landing.html")


@require_http_methods(["GET", "POST"])
def help_form(request: HttpRequest) -> HttpResponse:
    inbox = actions.webform_inbox(request.GET.get("inbox"))
    if inbox is None:
        return render(request, "portal/help_unavailable.html", status=503)
    if request.method != "POST":
        return render(request, "portal/help_form.html", {"form": HelpForm()})
    if over_limit(request, "help_form"):
        return too_many_requests(request)
    form = HelpForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = actions.submit_help_request(
                inbox,
                actions.HelpRequest(
                    name=data["name"],
                    email=data["email"],
                    subject=data["subject"],
                    message=data["message"],
                    files=data["attachments"],
                ),
                language=translation.get_language() or "",
            )
        except ActionError as exc:
            form.add_error(None, exc.detail)
        else:
            # Post/redirect/get: reloading the confirmation does not send the request twice.
            request.session[SENT_KEY] = result.conversation.pk
            return redirect("portal:help_sent")
    return render(request, "portal/help_form.html", {"form": form}, status=400)


def help_sent(request: HttpRequest) -> HttpResponse:
    reference = request.session.get(SENT_KEY)
    if not isinstance(reference, int):
        return redirect("portal:help")
    return render(request, "portal/help_sent.html", {"reference": reference})
