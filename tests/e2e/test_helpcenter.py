"""End to end, in Chromium on the real server: the Spanish help center and Help form suggestions.

A customer (browser in Spanish) opens the help center, finds an article through the search box's
suggestions, reads it in Spanish with its steps, and votes it helpful; the vote is counted in
the server's database. On the Help form, articles are suggested while the customer types the
subject. No page breaks the Content-Security-Policy (no inline script or style).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.live import (
    TIMEOUT_MS,
    chromium,
    collect_csp_violations,
    running_server,
    server_database,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SEED = """
import json
from atiende.helpcenter import demo
from atiende.inboxes.models import Inbox

Inbox.objects.create(name="Help form", channel="webform")
articles = demo.load()
print(json.dumps({"offline": articles["offline"].pk}))
"""

VOTES = """
import json
from atiende.helpcenter.models import ArticleTranslation
t = ArticleTranslation.objects.get(article_id={pk}, language="es")
print(json.dumps({{"yes": t.helpful_yes, "no": t.helpful_no, "views": t.view_count}}))
"""


def test_customer_reads_in_spanish_votes_and_gets_suggestions(tmp_path: Path) -> None:
    with (
        server_database(tmp_path) as env,
        running_server(env, tmp_path, seed=SEED) as server,
        chromium() as browser,
    ):
        context = browser.new_context(locale="es-ES")
        page = context.new_page()
        violations = collect_csp_violations(page)

        page.goto(server.url + "/hc/")
        expect(page).to_have_url(server.url + "/hc/es/", timeout=TIMEOUT_MS)
        expect(page.get_by_role("heading", name="¿Cómo podemos ayudarte?")).to_be_visible()
        page.get_by_label("Buscar en el centro de ayuda").fill("no puedo descargar canciones")
        suggestion = page.locator("#hc-q-suggestions").get_by_role(
            "link", name="Descargar música para escuchar sin conexión"
        )
        expect(suggestion).to_be_visible(timeout=TIMEOUT_MS)
        suggestion.click()

        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Descargar música para escuchar sin conexión"
        )
        expect(page.get_by_role("heading", name="Paso a paso")).to_be_visible()
        expect(page.get_by_text("Activa Descargar (el icono de la flecha).")).to_be_visible()
        page.get_by_role("button", name="Sí").click()
        expect(page.get_by_role("heading", name="¡Gracias por tu opinión!")).to_be_visible()
        votes = server.shell(VOTES.format(pk=server.seeded["offline"]))
        assert votes == {"yes": 1, "no": 0, "views": 2}

        page.goto(server.url + "/help/")
        page.get_by_label("Asunto").fill("La música descargada no suena sin conexión")
        expect(
            page.locator("#help-suggestions").get_by_role(
                "link", name="Descargar música para escuchar sin conexión"
            )
        ).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.locator("#help-suggestions")).to_contain_text(
            "Estos artículos pueden responder a tu pregunta:"
        )
        page.screenshot(path=str(tmp_path / "help-form.png"))
        assert violations == []
