"""/sitemap.xml: every published article translation, with its language alternates."""

from __future__ import annotations

from collections import defaultdict

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from atiende.helpcenter import queries
from atiende.helpcenter.models import ArticleTranslation, Status
from atiende.helpcenter.urls_util import article_path, home_path


@require_GET
def sitemap(request: HttpRequest) -> HttpResponse:
    rows = (
        ArticleTranslation.objects.filter(status=Status.PUBLISHED)
        .order_by("article_id", "language")
        .values_list("article_id", "language", "slug", "updated_at")
    )
    by_article: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for article_id, language, slug, updated_at in rows:
        url = request.build_absolute_uri(article_path(language, article_id, slug))
        by_article[article_id].append((language, url, updated_at.date().isoformat()))
    homes = [
        (code, request.build_absolute_uri(home_path(code)))
        for code in queries.published_languages()
    ]
    entries = [
        {"url": url, "lastmod": lastmod, "alternates": versions}
        for versions in by_article.values()
        for _language, url, lastmod in versions
    ]
    entries[:0] = [
        {"url": url, "lastmod": "", "alternates": [(c, u, "") for c, u in homes]}
        for _code, url in homes
    ]
    body = render_to_string("helpcenter/sitemap.xml", {"entries": entries})
    return HttpResponse(body, content_type="application/xml; charset=utf-8")
