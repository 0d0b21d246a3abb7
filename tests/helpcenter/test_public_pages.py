"""Public help-center pages: language URLs, hreflang, canonical links, fallback, few queries."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from atiende.helpcenter.models import ArticleTranslation
from tests.helpcenter.conftest import HelpCenter

pytestmark = pytest.mark.django_db


def hreflangs(html: str) -> dict[str, str]:
    return dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))


def test_home_lists_categories_in_the_url_language(client: Client, help_center: HelpCenter) -> None:
    response = client.get("/hc/es/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="es" dir="ltr">' in html
    assert "Planes y facturación" in html
    assert "Cambiar de plan" in html
    assert "¿Cómo podemos ayudarte?" in html
    assert hreflangs(html) == {
        "en": "http://testserver/hc/en/",
        "es": "http://testserver/hc/es/",
        "x-default": "http://testserver/hc/en/",
    }
    assert '<link rel="canonical" href="http://testserver/hc/es/">' in html


def test_article_page_has_alternates_steps_related_and_counts_a_view(
    client: Client, help_center: HelpCenter
) -> None:
    pk = help_center.change_plan.pk

    response = client.get(f"/hc/es/articles/{pk}-cambiar-de-plan/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Cambiar de plan · Sonora</title>" in html
    assert '<meta name="description" content="Puedes cambiar entre los planes' in html
    assert hreflangs(html) == {
        "en": f"http://testserver/hc/en/articles/{pk}-change-your-plan/",
        "es": f"http://testserver/hc/es/articles/{pk}-cambiar-de-plan/",
        "x-default": f"http://testserver/hc/en/articles/{pk}-change-your-plan/",
    }
    assert "Abre Ajustes de la cuenta." in html
    assert "Paso a paso" in html
    assert "Solicitar un reembolso" in html  # related, in Spanish
    assert 'aria-current="page"' in html  # the language switcher marks this language
    translation = ArticleTranslation.objects.get(article_id=pk, language="es")
    assert translation.view_count == 1


def test_wrong_slug_redirects_to_the_canonical_url(client: Client, help_center: HelpCenter) -> None:
    pk = help_center.change_plan.pk

    response = client.get(f"/hc/es/articles/{pk}-old-title/")

    assert response.status_code == 301
    assert response["Location"] == f"/hc/es/articles/{pk}-cambiar-de-plan/"


def test_missing_translation_shows_the_available_one_with_a_notice(
    client: Client, help_center: HelpCenter
) -> None:
    pk = help_center.english_only.pk

    response = client.get(f"/hc/es/articles/{pk}-x/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Fix playback errors on smart speakers" in html
    assert "Este artículo aún no está disponible en Español" in html
    assert (
        f'<link rel="canonical" href="http://testserver/hc/en/articles/{pk}-fix-playback-errors-on-smart-speakers/">'
        in html
    )
    assert '<article class="hc-article" lang="en" dir="ltr">' in html


def test_drafts_and_unknown_languages_are_not_found(
    client: Client, help_center: HelpCenter
) -> None:
    from atiende.helpcenter import actions

    draft = actions.create_article(None, help_center.billing, language="en", title="Secret draft")

    assert client.get(f"/hc/en/articles/{draft.article_id}-secret-draft/").status_code == 404
    assert client.get("/hc/xx/").status_code == 404


def test_category_and_section_pages(client: Client, help_center: HelpCenter) -> None:
    category_id = help_center.billing.category_id
    section_id = help_center.billing.pk

    category = client.get(f"/hc/en/categories/{category_id}-plans-and-billing/")
    section = client.get(f"/hc/es/sections/{section_id}-tu-plan/")

    assert category.status_code == 200
    assert "Change your plan" in category.content.decode()
    assert section.status_code == 200
    assert "Solicitar un reembolso" in section.content.decode()
    assert hreflangs(section.content.decode())["en"].endswith(f"/sections/{section_id}-your-plan/")


def test_sitemap_lists_every_published_translation(client: Client, help_center: HelpCenter) -> None:
    response = client.get("/sitemap.xml")

    xml = response.content.decode()
    assert response["Content-Type"].startswith("application/xml")
    locations = re.findall(r"<loc>([^<]+)</loc>", xml)
    articles = [url for url in locations if "/articles/" in url]
    assert len(articles) == 7
    assert (
        f"http://testserver/hc/es/articles/{help_center.offline.pk}-descargar-musica-para-escuchar-sin-conexion/"
        in articles
    )
    assert 'hreflang="es"' in xml
    assert "Secret" not in xml


def test_root_redirects_to_the_visitors_language(client: Client, help_center: HelpCenter) -> None:
    response = client.get("/hc/", HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9")

    assert response["Location"] == "/hc/es/"


@pytest.mark.parametrize(
    ("path", "budget"),
    [("/hc/en/", 8), ("/hc/es/articles/{pk}-cambiar-de-plan/", 12), ("/hc/es/search/?q=plan", 8)],
)
def test_pages_use_few_queries(
    client: Client,
    help_center: HelpCenter,
    django_assert_max_num_queries: Any,
    path: str,
    budget: int,
) -> None:
    url = path.format(pk=help_center.change_plan.pk)
    client.get(url)  # warm the per-process caches (search index) as in production

    with django_assert_max_num_queries(budget):
        response = client.get(url)

    assert response.status_code == 200
