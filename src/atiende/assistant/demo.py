"""The assistant's part of the Sonora demo: the bot on Sonora's Help form and chat inboxes,
categories for the demo's topics (labelled on the past conversations agents triaged; the
shipped triage model was trained on exactly these), a few macros in English and Spanish, a
policy calibrated on the demo help center, and triage of the open conversations.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from atiende.assistant.config import CONFIG_KEY
from atiende.assistant.models import Category, Macro, MacroText, Triage
from atiende.assistant.phrases import SENSITIVE_TERMS
from atiende.conversations.models import ACTIVE_STATUSES, Conversation
from atiende.demo import extensions as demo_extensions
from atiende.inboxes.models import Inbox

# slug, name, team, sensitive, the demo tag that marks a conversation of this category
CATEGORIES: list[tuple[str, str, str, bool, str]] = [
    ("charged-twice", "Charged twice", "billing", False, "double-charge"),
    ("payment-method", "Payment method", "billing", False, "payment-method"),
    ("plan-change", "Plan change", "billing", False, "plan-change"),
    ("student-discount", "Student discount", "billing", False, "student"),
    ("refund", "Refund", "billing", True, "refund"),
    ("playback-android", "Playback on Android", "technical", False, "android"),
    ("playback-ios", "Playback on iPhone and iPad", "technical", False, "ios"),
    ("playback-desktop", "Playback on desktop", "technical", False, "desktop"),
    ("offline-downloads", "Offline downloads", "technical", False, "offline"),
    ("missing-podcast", "Missing podcast", "technical", False, "podcast"),
    ("lyrics", "Lyrics", "technical", False, "lyrics"),
    ("casting", "Casting to speakers and TVs", "technical", False, "chromecast"),
    ("sign-in-2fa", "Sign-in and two-factor", "accounts", False, "2fa"),
    ("hacked-account", "Hacked account", "accounts", True, "account-takeover"),
    ("cancellation", "Cancellation", "accounts", False, "cancellation"),
]

# title, team (or "" for everyone), {language: text}
MACROS: list[tuple[str, str, dict[str, str]]] = [
    (
        "Ask for more details",
        "",
        {
            "en": "Thanks for writing to us! Could you tell us a bit more: which device and app "
            "version you use, and what you see on the screen when it happens?",
            "es": "¡Gracias por escribirnos! ¿Nos cuentas un poco más: qué dispositivo y versión "
            "de la app usas, y qué ves en la pantalla cuando ocurre?",
        },
    ),
    (
        "Refund on its way",
        "billing",
        {
            "en": "We have refunded the payment. It usually shows on your statement within 5-10 "
            "business days.",
            "es": "Hemos devuelto el cobro. Suele aparecer en el extracto en 5-10 días hábiles.",
        },
    ),
    (
        "Reinstall the app",
        "technical",
        {
            "en": "Please sign out, uninstall the app, restart the device and install the latest "
            "version from the store. Your playlists are saved in your account.",
            "es": "Cierra sesión, desinstala la app, reinicia el dispositivo e instala la última "
            "versión desde la tienda. Tus listas se guardan en tu cuenta.",
        },
    ),
    (
        "Secure your account",
        "accounts",
        {
            "en": "We have signed you out everywhere. Please set a new password and turn on "
            "two-factor authentication. We will never ask for your password or codes.",
            "es": "Hemos cerrado tu sesión en todos los dispositivos. Cambia la contraseña y "
            "activa la verificación en dos pasos. Nunca te pediremos la contraseña ni códigos.",
        },
    ),
]


def _enable_bot(inbox: Inbox) -> None:
    config = dict(inbox.config) if isinstance(inbox.config, dict) else {}
    config[CONFIG_KEY] = {"enabled": True, "sensitive_intents": list(SENSITIVE_TERMS)}
    inbox.config = config
    inbox.save(update_fields=["config"])


def load(builder: Any) -> None:
    # Sonora's Help forms and website chat: its help center answers Sonora's questions only
    # (other demo businesses' inboxes keep the bot off).
    for key in ("en", "es", "chat"):
        if key in builder.inboxes:
            _enable_bot(builder.inboxes[key])
    categories = {}
    for slug, name, team, sensitive, marker in CATEGORIES:
        categories[marker] = Category.objects.create(
            slug=slug, name=name, team=builder.teams.get(team), sensitive=sensitive
        )
    supervisor = builder.people.get("demo-supervisor")
    now = timezone.now()
    labelled = []
    for conversation in Conversation.objects.prefetch_related("tags"):
        names = {tag.name for tag in conversation.tags.all()}
        matches = [categories[name] for name in names if name in categories]
        if len(matches) == 1:
            labelled.append(
                Triage(
                    conversation=conversation,
                    category=matches[0],
                    category_confidence=1.0,
                    suggested_team=matches[0].team,
                    language=conversation.language,
                    label=matches[0],
                    labelled_by=supervisor,
                    labelled_at=now,
                )
            )
    Triage.objects.bulk_create(labelled, batch_size=250)
    for title, team, texts in MACROS:
        macro = Macro.objects.create(title=title, team=builder.teams.get(team) if team else None)
        for language, body in texts.items():
            MacroText.objects.create(macro=macro, language=language, body=body)
    _calibrate_and_triage()


def _calibrate_and_triage() -> None:
    """Calibrate the bot on the demo help center, and triage the open conversations with the
    shipped model (`assistant/data/triage-demo`, trained on these same labelled conversations:
    `make train` after loading reproduces it)."""
    from atiende.assistant.knowledge import calibrate
    from atiende.assistant.triage import triage

    calibrate()
    # The conversations nobody triaged yet get what triage would have said when they came in.
    for conversation in Conversation.objects.filter(
        status__in=ACTIVE_STATUSES, triage__isnull=True
    ).order_by("pk"):
        triage(conversation)


def register() -> None:
    # After the help center's and the chat's parts: their articles and inbox must exist.
    demo_extensions.register("assistant", load=load, order=80)
