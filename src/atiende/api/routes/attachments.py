"""Attachment downloads for agents and for the customer whose conversation holds the file.
Access is decided per request from current visibility, never from the token alone."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest
from ninja import Router

from atiende.api import files
from atiende.api.auth import AGENT_AUTH, CUSTOMER_AUTH
from atiende.api.params import TokenPath
from atiende.api.schemas import Error
from atiende.conversations.access import (
    access_attachment_for_agent,
    access_attachment_for_customer,
)
from atiende.people.models import Contact, User

router = Router(tags=["attachments"])


@router.get(
    "/{token}",
    auth=[*AGENT_AUTH, *CUSTOMER_AUTH],
    response={200: None, 401: Error, 404: Error, 422: Error},
    operation_id="download_attachment",
    url_name="download_attachment",
)
def download_attachment(request: HttpRequest, token: TokenPath) -> FileResponse:
    """The file, as a download (safe images inline), with `nosniff` and a sandbox CSP."""
    caller = getattr(request, "auth", None)
    if isinstance(caller, User):
        attachment = access_attachment_for_agent(caller, token)
    elif isinstance(caller, Contact):
        attachment = access_attachment_for_customer(caller, token)
    else:  # pragma: no cover - the auth classes return only these two
        raise TypeError(type(caller))
    return files.download(attachment)
