"""REST endpoints of the help center (mounted at /api/helpcenter/), public and read-only.

`GET /api/helpcenter/suggest?q=...&language=..` answers `{"results": [{"title", "url",
"snippet", "language"}], "language", "heading"}` while a customer types (the chat widget and
the Help form call it). It needs no sign-in, allows any origin (no credentials are read), and
is rate-limited per client address.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation as i18n
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from atiende.core import ratelimit
from atiende.helpcenter.search.index import search
from atiende.helpcenter.views.public import interface_language

router = Router(tags=["helpcenter"])

MAX_RESULTS = 8


class SuggestParams(Schema):
    q: str = ""
    language: str = ""
    limit: int = 5


class Suggestion(Schema):
    title: str
    url: str
    snippet: str
    language: str


class SuggestOut(Schema):
    results: list[Suggestion]
    language: str
    heading: str


# Public: an empty security requirement tells the OpenAPI document so explicitly.
PUBLIC: dict[str, Any] = {"security": [{}]}


@router.get(
    "/suggest",
    response=SuggestOut,
    url_name="helpcenter_suggest",
    auth=None,
    openapi_extra=PUBLIC,
)
def suggest(
    request: HttpRequest, response: HttpResponse, params: Query[SuggestParams]
) -> SuggestOut:
    """Published articles matching what the customer is typing, best first."""
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "no-store"
    if not ratelimit.hit("helpcenter_suggest", ratelimit.client_address(request)):
        raise HttpError(429, _("Too many requests. Please wait a moment."))
    query = params.q.strip()[:300]
    language = params.language.strip().lower()[:12] or None
    with i18n.override(interface_language(language or i18n.get_language() or "")):
        heading = _("These articles may answer your question:")
    if len(query) < 2:
        return SuggestOut(results=[], language=language or "", heading=heading)
    limit = max(1, min(params.limit, MAX_RESULTS))
    searched, hits = search(query, language=language, limit=limit, prefix=True)
    results = [
        Suggestion(
            title=hit.title,
            url=request.build_absolute_uri(hit.url),
            snippet=hit.snippet,
            language=hit.language,
        )
        for hit in hits
    ]
    return SuggestOut(results=results, language=searched, heading=heading)
