"""URL routes of the accounts app (mounted at the site root): the agent's account panel and
approval queue under /inbox/, the customer's self-service under /portal/account/."""

from __future__ import annotations

from typing import Any

from django.urls import path

from atiende.accounts.views import actions, approvals, panel, portal, portal_grants

app_name = "accounts"

PANEL = "inbox/c/<int:conversation_id>/account/"

urlpatterns: list[Any] = [
    # The agent's panel beside a conversation.
    path(PANEL, panel.panel, name="panel"),
    path(f"{PANEL}access/", panel.access, name="access"),
    path(f"{PANEL}access/request/", panel.request_access, name="request_access"),
    path(f"{PANEL}access/<int:grant_id>/end/", panel.end_access, name="end_access"),
    path(f"{PANEL}activity/", panel.activity, name="activity"),
    path(f"{PANEL}actions/<str:verb>/", actions.action_form, name="action_form"),
    path(f"{PANEL}actions/<str:verb>/preview/", actions.preview, name="preview"),
    path(f"{PANEL}actions/<str:verb>/confirm/", actions.confirm, name="confirm"),
    # Supervisors' approval queue.
    path("inbox/approvals/", approvals.queue, name="approvals"),
    path("inbox/approvals/<int:approval_id>/approve/", approvals.approve, name="approve"),
    path("inbox/approvals/<int:approval_id>/reject/", approvals.reject, name="reject"),
    # The customer's self-service in the portal.
    path("portal/account/", portal.account, name="portal_account"),
    path("portal/account/invoices/<str:invoice_id>/", portal.invoice, name="portal_invoice"),
    path("portal/account/plan/", portal.change_plan, name="portal_change_plan"),
    path("portal/account/cancel/", portal.cancel, name="portal_cancel"),
    path("portal/account/card/", portal.update_card, name="portal_update_card"),
    path("portal/account/link/<str:token>/", portal.secure_link, name="link"),
    path("portal/account/access/", portal_grants.grant_list, name="portal_grants"),
    path(
        "portal/account/access/<int:grant_id>/approve/",
        portal_grants.approve,
        name="portal_grant_approve",
    ),
    path(
        "portal/account/access/<int:grant_id>/deny/",
        portal_grants.deny,
        name="portal_grant_deny",
    ),
    path(
        "portal/account/access/<int:grant_id>/revoke/",
        portal_grants.revoke,
        name="portal_grant_revoke",
    ),
]
