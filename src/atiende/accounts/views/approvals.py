"""The approval queue: actions above an agent's limit (and withdrawal freezes) waiting for a
supervisor, each shown with what it does, what it costs and what the customer will be told;
approve (the action is then carried out) or reject with a reason. Agents see their own pending
requests here, read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from atiende.accounts import policy
from atiende.accounts.models import ApprovalRequest
from atiende.accounts.money import format_money
from atiende.conversations.views.common import agent
from atiende.conversations.views.inbox import Selection, navigation
from atiende.core.errors import ActionError, NotFound


def _row(user: Any, approval: ApprovalRequest) -> dict[str, Any]:
    action = approval.action
    return {
        "approval": approval,
        "action": action,
        "title": action.title,
        "notice": action.result.get("notice", ""),
        "amount": (
            format_money(action.amount, action.currency, get_language() or "en")
            if action.amount
            else ""
        ),
        "can_decide": policy.can_approve(user, approval),
        "expired": policy.approval_expired(approval),
        "deadline": policy.approval_deadline(approval),
    }


@require_GET
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    user = agent(request)
    views, statuses = navigation(user, Selection("", None, ""))
    rows = [_row(user, approval) for approval in policy.pending_approvals(user)[:200]]
    context = {"views": views, "statuses": statuses, "rows": rows}
    return render(request, "accounts/approvals.html", context)


def _decide(request: HttpRequest, approval_id: int, *, approve: bool) -> HttpResponse:
    user = agent(request)
    try:
        # Scoped first: a request the user may not see is a 404, never "not yours".
        approval = policy.access_approval(user, approval_id)
        if approve:
            outcome = policy.approve_request(user, approval.pk)
            if outcome.status == "awaiting_customer":
                messages.success(request, _("Approved: the customer was asked to confirm."))
            else:
                messages.success(request, _("Approved and carried out."))
        else:
            policy.reject_request(user, approval.pk, request.POST.get("reason", ""))
            messages.success(request, _("Rejected; the agent sees your reason."))
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    except ActionError as exc:
        messages.error(request, exc.detail)
        return redirect("accounts:approvals")
    return redirect("accounts:approvals")


@require_POST
@login_required
def approve(request: HttpRequest, approval_id: int) -> HttpResponse:
    return _decide(request, approval_id, approve=True)


@require_POST
@login_required
def reject(request: HttpRequest, approval_id: int) -> HttpResponse:
    return _decide(request, approval_id, approve=False)
