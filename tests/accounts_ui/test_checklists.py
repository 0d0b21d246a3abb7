"""No diagnostic checklist, in any language, asks the customer for a password, a recovery
(seed) phrase, a private key or a verification code; each has steps in English and Spanish."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from atiende.accounts.views import checklists

ASKING = re.compile(
    r"\b(send|tell|give|share|type|enter|provide|reply with|dime|dinos|env[ií]a|comparte|"
    r"escribe|danos|facilita)\b[^.]*\b(password|passcode|seed|recovery phrase|private key|"
    r"2fa|verification code|contraseña|frase de recuperación|semilla|clave privada|"
    r"código de verificación)",
    re.IGNORECASE,
)


@pytest.mark.parametrize("language", ["en", "es"])
def test_no_step_asks_for_a_secret(language: str) -> None:
    for checklist in checklists.CHECKLISTS:
        with translation.override(language):
            texts = [str(checklist.intro), *map(str, checklist.steps)]
            texts += [str(check) for check in checklist.agent_checks]
        for text in texts:
            assert not ASKING.search(text), (checklist.code, text)


def test_the_detector_would_catch_a_bad_step() -> None:
    assert ASKING.search("Please send us your password so we can check")
    assert ASKING.search("Dinos tu frase de recuperación")


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_inserted_reply_is_in_the_language_and_ends_with_the_safety_line(
    language: str,
) -> None:
    for checklist in checklists.CHECKLISTS:
        reply = checklists.reply_text(checklist, language)
        with translation.override(language):
            assert reply.startswith(str(checklist.intro))
            assert reply.endswith(str(checklists.SAFETY_LINE))
        assert "1. " in reply


def test_every_problem_type_has_a_checklist() -> None:
    codes = {checklist.code for checklist in checklists.CHECKLISTS}
    assert codes == {"playback", "device_sync", "login", "payment_failed"}
    assert checklists.by_code("login") is not None
    assert checklists.by_code("nope") is None


def test_spanish_steps_are_translated() -> None:
    with translation.override("es"):
        assert str(checklists.CHECKLISTS[0].title) == "Errores de reproducción"
