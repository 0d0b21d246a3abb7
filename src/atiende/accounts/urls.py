"""URL routes of the accounts app (mounted at the site root): the agent's account panel and
approval queue under /inbox/, the customer's self-service under /portal/account/."""

from __future__ import annotations

from typing import Any

from django.urls import path

from atiende.accounts.views import portal_grants

app_name = "accounts"
urlpatterns: list[Any] = [
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
