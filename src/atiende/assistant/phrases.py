"""Words the bot listens for: a customer's "that solved it" / "I need a person" typed as a reply,
and the sensitive intents it must never answer (refunds, account security, legal, fraud).

Matching works on a normalised form (lower case, no accents, no punctuation), so "¡Necesito
una PERSONA!" and "necesito una persona" are the same. The sensitive list is configurable:
`settings.ATIENDE_BOT_SENSITIVE_TERMS` replaces the built-in terms (intent -> list of terms),
and an inbox's `config["answer_bot"]["sensitive_intents"]` chooses which intents apply there.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from django.conf import settings


class Feedback(StrEnum):
    SOLVED = "solved"
    NOT_SOLVED = "not_solved"
    PERSON = "person"


# A reply longer than this is a new question, not an answer to "did that solve it?".
MAX_FEEDBACK_WORDS = 12

PERSON_PHRASES = (
    "i need a person",
    "need a person",
    "talk to a person",
    "speak to a person",
    "a real person",
    "human",
    "talk to someone",
    "speak to someone",
    "an agent",
    "live agent",
    "representative",
    "necesito una persona",
    "hablar con una persona",
    "hablar con alguien",
    "una persona real",
    "humano",
    "un agente",
    "persona de soporte",
)
NOT_SOLVED_PHRASES = (
    "didnt help",
    "did not help",
    "didnt work",
    "did not work",
    "doesnt work",
    "does not work",
    "not solved",
    "still not working",
    "still doesnt",
    "no me ha ayudado",
    "no me ayudo",
    "no funciona",
    "no funciono",
    "no ha funcionado",
    "sigue sin funcionar",
    "no lo resolvio",
    "no se ha resuelto",
)
SOLVED_PHRASES = (
    "that solved it",
    "solved it",
    "solved",
    "that worked",
    "it worked",
    "works now",
    "fixed it",
    "thats fixed",
    "all good",
    "eso lo resolvio",
    "lo resolvio",
    "resuelto",
    "solucionado",
    "funciono",
    "ya funciona",
    "ha funcionado",
    "todo bien",
)

# Built-in sensitive intents: never answered by the bot, whatever an article says.
SENSITIVE_TERMS: dict[str, tuple[str, ...]] = {
    "refunds": (
        "refund",
        "money back",
        "reimburse",
        "chargeback",
        "reembolso",
        "reembolsar",
        "devolucion",
        "devolver el dinero",
        "devolvedme",
        "devuelvan",
        "reintegro",
    ),
    "account_security": (
        "hacked",
        "hijacked",
        "someone logged",
        "someone else logged",
        "stolen account",
        "account takeover",
        "compromised",
        "unauthorized login",
        "unauthorised login",
        "phishing",
        "hackeado",
        "hackearon",
        "me han robado la cuenta",
        "han entrado en mi cuenta",
        "suplantacion",
        "acceso no autorizado",
    ),
    "legal": (
        "lawyer",
        "attorney",
        "lawsuit",
        "legal action",
        "sue you",
        "court",
        "gdpr",
        "subpoena",
        "abogado",
        "demanda",
        "denuncia",
        "acciones legales",
        "tribunal",
        "rgpd",
    ),
    "fraud": (
        "fraud",
        "scam",
        "unauthorized charge",
        "unauthorised charge",
        "stolen card",
        "fraude",
        "estafa",
        "cargo no autorizado",
        "tarjeta robada",
    ),
}


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.replace("'", "").replace("\u2019", "")
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


def _contains(haystack: str, phrase: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", haystack) is not None


def recognise_feedback(text: str) -> Feedback | None:
    """The customer's answer to a bot answer, when the whole reply is one."""
    plain = normalise(text)
    if not plain or len(plain.split()) > MAX_FEEDBACK_WORDS:
        return None
    if any(_contains(plain, phrase) for phrase in PERSON_PHRASES):
        return Feedback.PERSON
    # "Not solved" before "solved": the negative phrases contain the positive words.
    if any(_contains(plain, phrase) for phrase in NOT_SOLVED_PHRASES):
        return Feedback.NOT_SOLVED
    if any(_contains(plain, phrase) for phrase in SOLVED_PHRASES):
        return Feedback.SOLVED
    return None


def asks_for_person(text: str) -> bool:
    return recognise_feedback(text) == Feedback.PERSON


def sensitive_terms() -> dict[str, tuple[str, ...]]:
    configured = getattr(settings, "ATIENDE_BOT_SENSITIVE_TERMS", None)
    if not configured:
        return SENSITIVE_TERMS
    return {
        str(name): tuple(normalise(term) for term in terms) for name, terms in configured.items()
    }


def sensitive_intent(text: str, enabled: list[str] | None = None) -> str | None:
    """The first sensitive intent `text` mentions (among `enabled`, default all), or None."""
    plain = normalise(text)
    for name, terms in sensitive_terms().items():
        if enabled is not None and name not in enabled:
            continue
        if any(_contains(plain, term) for term in terms):
            return name
    return None
