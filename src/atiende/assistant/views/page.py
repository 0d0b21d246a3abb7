"""The bot page for supervisors: counts and rates, content gaps, the live precision-coverage
curve (a PNG), recalibration, and the per-inbox bot settings (admins)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from atiende.assistant import metrics
from atiende.assistant.config import bot_config, update_bot_config
from atiende.assistant.evaluation.curve import render_curve_png
from atiende.assistant.knowledge import calibrate
from atiende.assistant.phrases import sensitive_terms
from atiende.conversations.views.common import agent
from atiende.inboxes.models import Inbox
from atiende.people.models import Role, User

# The built-in sensitive intents as people read them (configured ones show their own name).
INTENT_LABELS = {
    "refunds": pgettext_lazy("sensitive intent", "Refunds"),
    "account_security": pgettext_lazy("sensitive intent", "Account security"),
    "legal": pgettext_lazy("sensitive intent", "Legal matters"),
    "fraud": pgettext_lazy("sensitive intent", "Fraud"),
}


def intent_label(code: str) -> str:
    return str(INTENT_LABELS.get(code, code.replace("_", " ")))


def _supervisor(request: HttpRequest) -> User:
    user = agent(request)
    if not user.sees_everything:
        # Agents do not learn the page exists.
        raise Http404(_("Page not found."))
    return user


def _is_admin(user: User) -> bool:
    return user.role == Role.ADMIN or user.is_superuser


@require_GET
@login_required
def bot_page(request: HttpRequest) -> HttpResponse:
    user = _supervisor(request)
    try:
        days = min(365, max(1, int(request.GET.get("days", "30"))))
    except ValueError:
        days = 30
    policy, points = metrics.live_curve()
    coverage, _threshold = metrics.live_coverage(points)
    inboxes = []
    for inbox in Inbox.objects.filter(is_active=True):
        config = bot_config(inbox)
        labels = [intent_label(code) for code in config.sensitive_intents]
        inboxes.append((inbox, config, labels))
    context = {
        "stats": metrics.bot_stats(days),
        "gaps": metrics.content_gaps(days),
        "policy": policy,
        "points": points,
        "coverage": coverage,
        "inboxes": inboxes,
        "intents": [(code, intent_label(code)) for code in sensitive_terms()],
        "is_admin": _is_admin(user),
        "days": days,
    }
    return render(request, "assistant/bot_page.html", context)


@require_GET
@login_required
def curve_png(request: HttpRequest) -> HttpResponse:
    _supervisor(request)
    policy, points = metrics.live_curve()
    if policy is None or not points:
        raise Http404(_("The bot has not been calibrated yet."))
    threshold = policy.policy.get("threshold") if isinstance(policy.policy, dict) else None
    png = render_curve_png(
        points,
        title=_("Answer bot: precision against coverage (held-out example questions)"),
        threshold=threshold,
    )
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, max-age=60"
    return response


@require_POST
@login_required
def recalibrate(request: HttpRequest) -> HttpResponse:
    user = _supervisor(request)
    row = calibrate(user)
    if row is None:
        messages.error(request, _("No article has two or more example questions to hold out."))
    else:
        messages.success(
            request,
            _("Recalibrated on %(count)d held-out example questions.") % {"count": row.heldout},
        )
    return HttpResponseRedirect(reverse("assistant:page"), status=303)


@require_POST
@login_required
def inbox_settings(request: HttpRequest, inbox_id: int) -> HttpResponse:
    user = _supervisor(request)
    if not _is_admin(user):
        raise Http404(_("Page not found."))
    inbox = Inbox.objects.filter(pk=inbox_id).first()
    if inbox is None:
        raise Http404(_("Page not found."))
    update_bot_config(
        user,
        inbox,
        enabled=request.POST.get("enabled") == "1",
        sensitive_intents=request.POST.getlist("sensitive_intents"),
    )
    messages.success(request, _("Bot settings saved for %(inbox)s.") % {"inbox": inbox.name})
    return HttpResponseRedirect(reverse("assistant:page"), status=303)
