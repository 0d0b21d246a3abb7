"""Help-center fixtures: a small bilingual help center built through the real actions."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from atiende.helpcenter import actions
from atiende.helpcenter.actions import StepInput
from atiende.helpcenter.models import Article, Section, Status


@dataclass
class HelpCenter:
    billing: Section
    playback: Section
    change_plan: Article
    refund: Article
    offline: Article
    english_only: Article


def publish(article: Article, language: str) -> None:
    actions.set_status(None, article.translations.get(language=language), Status.PUBLISHED)


@pytest.fixture
def help_center(db: None) -> HelpCenter:
    billing_category = actions.create_category(None, language="en", name="Plans and billing")
    actions.name_category(billing_category, language="es", name="Planes y facturación")
    billing = actions.create_section(None, billing_category, language="en", name="Your plan")
    actions.name_section(billing, language="es", name="Tu plan")
    app_category = actions.create_category(None, language="en", name="Using Sonora")
    actions.name_category(app_category, language="es", name="Usar Sonora")
    playback = actions.create_section(None, app_category, language="en", name="Playback")
    actions.name_section(playback, language="es", name="Reproducción")

    change_plan = actions.create_article(
        None, billing, language="en", title="Change your plan",
        body="You can switch between **Individual**, Duo and Family plans at any time.",
    ).article  # fmt: skip
    actions.save_translation(
        None, change_plan, language="en", title="Change your plan",
        body="You can switch between **Individual**, Duo and Family plans at any time.",
        steps=[StepInput("Open Account settings."), StepInput("Choose Change plan.")],
    )  # fmt: skip
    actions.save_translation(
        None, change_plan, language="es", title="Cambiar de plan",
        body="Puedes cambiar entre los planes Individual, Dúo y Familiar cuando quieras.",
        steps=[StepInput("Abre Ajustes de la cuenta."), StepInput("Elige Cambiar plan.")],
    )  # fmt: skip
    actions.set_questions(None, change_plan, language="en", questions=["How do I upgrade?"])
    actions.set_questions(
        None, change_plan, language="es", questions=["¿Cómo mejoro mi suscripción?"]
    )
    refund = actions.create_article(
        None, billing, language="en", title="Request a refund", sensitive=True,
        body="Refunds are reviewed by our billing team within 5 days.",
    ).article  # fmt: skip
    actions.save_translation(
        None, refund, language="es", title="Solicitar un reembolso",
        body="Nuestro equipo de facturación revisa los reembolsos en 5 días.",
    )  # fmt: skip
    offline = actions.create_article(
        None, playback, language="en", title="Download music for offline listening",
        body="Downloaded songs play without a connection for 30 days.",
    ).article  # fmt: skip
    actions.save_translation(
        None, offline, language="es", title="Descargar música para escuchar sin conexión",
        body="Las canciones descargadas se reproducen sin conexión durante 30 días.",
    )  # fmt: skip
    english_only = actions.create_article(
        None, playback, language="en", title="Fix playback errors on smart speakers",
        body="Restart the speaker and reconnect it to your Wi-Fi network.",
    ).article  # fmt: skip
    for article in (change_plan, refund, offline):
        publish(article, "en")
        publish(article, "es")
    publish(english_only, "en")
    actions.set_related(None, change_plan, [refund.pk])
    return HelpCenter(billing, playback, change_plan, refund, offline, english_only)
