"""Assistant fixtures: a small bilingual help center built through the help center's actions,
an inbox with the answer bot on, and demo-like categories."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from atiende.assistant.config import CONFIG_KEY
from atiende.assistant.models import Category
from atiende.core import tasks
from atiende.helpcenter import actions
from atiende.helpcenter.actions import StepInput
from atiende.helpcenter.models import Article, Section, Status
from atiende.inboxes.models import ChannelKind, Inbox
from atiende.people.models import Team
from tests.factories import Factory

Live = Callable[[], AbstractContextManager[None]]


@pytest.fixture
def live(django_capture_on_commit_callbacks: Any) -> Live:
    """`with live(): ...` runs what the block's commit would set off, as in production: the
    event subscribers, then the tasks they queue (and theirs), until nothing is left."""

    @contextmanager
    def block() -> Iterator[None]:
        with django_capture_on_commit_callbacks(execute=True):
            yield
        for _round in range(20):
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                ran = tasks.drain()
            if not ran and not callbacks:
                return

    return block


@dataclass
class HelpCenter:
    password: Article
    offline: Article
    refund: Article
    cancel: Article


def _article(
    section: Section,
    translations: dict[str, tuple[str, str, list[str], list[str]]],
    *,
    sensitive: bool = False,
) -> Article:
    first, *others = translations
    title, body, steps, questions = translations[first]
    article = actions.create_article(
        None,
        section,
        language=first,
        title=title,
        body=body,
        sensitive=sensitive,
    ).article
    for language in [first, *others]:
        title, body, steps, questions = translations[language]
        translation = actions.save_translation(
            None,
            article,
            language=language,
            title=title,
            body=body,
            steps=[StepInput(step) for step in steps],
        )
        actions.set_questions(None, article, language=language, questions=questions)
        actions.set_status(None, translation, Status.PUBLISHED)
    return article


@pytest.fixture
def help_center(db: None) -> HelpCenter:
    category = actions.create_category(None, language="en", name="Your account")
    section = actions.create_section(None, category, language="en", name="Account")
    password = _article(
        section,
        {
            "en": (
                "Reset your password",
                "If you forgot your password you can set a new one from the sign-in page.",
                [
                    "Open the sign-in page and choose Forgot password.",
                    "Enter your email address.",
                    "Open the link we email you and choose a new password.",
                ],
                [
                    "How do I reset my password?",
                    "I forgot my password",
                    "I can't remember my password, how do I change it?",
                    "password reset link",
                    "How can I set a new password?",
                ],
            ),
            "es": (
                "Restablecer la contraseña",
                "Si olvidaste la contraseña puedes poner una nueva desde la página de acceso.",
                [
                    "Abre la página de acceso y elige He olvidado mi contraseña.",
                    "Escribe tu correo electrónico.",
                    "Abre el enlace que te enviamos y elige una contraseña nueva.",
                ],
                [
                    "¿Cómo restablezco mi contraseña?",
                    "He olvidado mi contraseña",
                    "No recuerdo la contraseña, ¿cómo la cambio?",
                    "enlace para cambiar la contraseña",
                ],
            ),
        },
    )
    offline = _article(
        section,
        {
            "en": (
                "Download music for offline listening",
                "Premium plans can download songs and podcasts to listen without a connection.",
                [
                    "Open the playlist or album.",
                    "Turn on the Download switch.",
                    "Wait for the green arrow next to each song.",
                ],
                [
                    "How do I download songs to listen offline?",
                    "Can I listen without internet?",
                    "download music to my phone",
                    "offline mode for playlists",
                    "How do I save an album for a flight?",
                ],
            ),
        },
    )
    refund = _article(
        section,
        {
            "en": (
                "Request a refund",
                "Refunds are reviewed by our billing team within five days.",
                ["Write to us with the date of the payment."],
                [
                    "I want my money back",
                    "How do I get a refund?",
                    "refund my last payment",
                    "return the payment for this month",
                ],
            ),
        },
        sensitive=True,
    )
    cancel = _article(
        section,
        {
            "en": (
                "Cancel your subscription",
                "You can cancel at any time; your plan stays active until the end of the period.",
                ["Open Account settings.", "Choose Cancel subscription.", "Confirm."],
                [
                    "How do I cancel my subscription?",
                    "stop my plan",
                    "I want to cancel Sonora",
                    "end my membership",
                ],
            ),
            "es": (
                "Cancelar la suscripción",
                "Puedes cancelar cuando quieras; el plan sigue activo hasta el final del periodo.",
                ["Abre Ajustes de la cuenta.", "Elige Cancelar suscripción.", "Confirma."],
                [
                    "¿Cómo cancelo mi suscripción?",
                    "quiero darme de baja",
                    "dejar de pagar Sonora",
                    "terminar mi plan",
                ],
            ),
        },
    )
    return HelpCenter(password, offline, refund, cancel)


def bot_inbox(factory: Factory, channel: str = ChannelKind.WEBFORM) -> Inbox:
    inbox = factory.inbox(channel)
    inbox.config = {**inbox.config, CONFIG_KEY: {"enabled": True}}
    inbox.save(update_fields=["config"])
    return inbox


@pytest.fixture
def inbox(factory: Factory, help_center: HelpCenter) -> Inbox:
    return bot_inbox(factory)


@dataclass
class Categories:
    billing: Team
    technical: Team
    refund: Category
    playback: Category
    password: Category


@pytest.fixture
def categories(factory: Factory) -> Categories:
    billing = factory.team("Billing")
    technical = factory.team("Technical")
    return Categories(
        billing=billing,
        technical=technical,
        refund=Category.objects.create(slug="refund", name="Refund", team=billing, sensitive=True),
        playback=Category.objects.create(slug="playback", name="Playback", team=technical),
        password=Category.objects.create(slug="password", name="Password", team=None),
    )
