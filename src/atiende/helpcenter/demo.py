"""The Sonora demo's help center: 20 articles in English and Spanish, loaded by `load_demo`.

Registered in `HelpcenterConfig.ready()` as a demo part. Everything is written through the
actions (revisions, rendered HTML, example questions, steps), then published.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from atiende.helpcenter import actions
from atiende.helpcenter.actions import StepInput
from atiende.helpcenter.demo_app import LIBRARY, PLAYBACK, SECURITY, SIGN_IN
from atiende.helpcenter.demo_billing import PAYMENTS, PLANS
from atiende.helpcenter.demo_types import Page
from atiende.helpcenter.models import Article, Status

# (category en/es, description en/es, sections: (name en/es, pages))
Structure = list[tuple[tuple[str, str], tuple[str, str], list[tuple[tuple[str, str], list[Page]]]]]
STRUCTURE: Structure = [
    (
        ("Plans and billing", "Planes y facturación"),
        ("Your plan, payments, receipts and refunds.", "Tu plan, pagos, recibos y reembolsos."),
        [(("Your plan", "Tu plan"), PLANS), (("Payments", "Pagos"), PAYMENTS)],
    ),
    (
        ("Using Sonora", "Usar Sonora"),
        (
            "Playback, downloads, devices and your library.",
            "Reproducción, descargas, dispositivos y tu biblioteca.",
        ),
        [
            (("Playback and devices", "Reproducción y dispositivos"), PLAYBACK),
            (("Your library", "Tu biblioteca"), LIBRARY),
        ],
    ),
    (
        ("Account and security", "Cuenta y seguridad"),
        (
            "Signing in, your password and keeping your account safe.",
            "Inicio de sesión, contraseña y seguridad de tu cuenta.",
        ),
        [(("Signing in", "Iniciar sesión"), SIGN_IN), (("Security", "Seguridad"), SECURITY)],
    ),
]


def all_pages() -> list[Page]:
    return [page for _c, _d, sections in STRUCTURE for _n, pages in sections for page in pages]


def load_part(builder: Any) -> None:
    """The demo part (`demo.extensions`): the help center needs nothing from the core demo."""
    load()


def load() -> dict[str, Article]:
    """Create and publish the demo help center; returns the articles by key."""
    articles: dict[str, Article] = {}
    for position, ((category_en, category_es), (about_en, about_es), sections) in enumerate(
        STRUCTURE
    ):
        category = actions.create_category(
            None, language="en", name=category_en, description=about_en, position=position
        )
        actions.name_category(category, language="es", name=category_es, description=about_es)
        for section_position, ((section_en, section_es), pages) in enumerate(sections):
            section = actions.create_section(
                None, category, language="en", name=section_en, position=section_position
            )
            actions.name_section(section, language="es", name=section_es)
            for page_position, page in enumerate(pages):
                articles[page.key] = _load_page(section, page, page_position)
    for page in all_pages():
        actions.set_related(None, articles[page.key], [articles[key].pk for key in page.related])
    return articles


def _load_page(section: Any, page: Page, position: int) -> Article:
    article = actions.create_article(
        None,
        section,
        language="en",
        title=page.en.title,
        body=page.en.body,
        sensitive=page.sensitive,
        position=position,
    ).article
    for language, text in (("en", page.en), ("es", page.es)):
        translation = actions.save_translation(
            None,
            article,
            language=language,
            title=text.title,
            body=text.body,
            steps=[StepInput(step) for step in text.steps],
        )
        actions.set_questions(None, article, language=language, questions=text.questions)
        actions.set_status(None, translation, Status.PUBLISHED)
    return article


def sign_in() -> list[str]:
    site = settings.SITE_URL
    return [
        f"Help center (English and Spanish): {site}/hc/en/ and {site}/hc/es/",
        f"  agents edit articles at {site}/inbox/helpcenter/ (supervisors and admins)",
    ]
