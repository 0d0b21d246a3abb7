"""The customer's answers the bot recognises, and the sensitive intents it never answers."""

from __future__ import annotations

import pytest

from atiende.assistant.phrases import Feedback, recognise_feedback, sensitive_intent


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("That solved it, thanks!", Feedback.SOLVED),
        ("¡Eso lo resolvió!", Feedback.SOLVED),
        ("Ya funciona, gracias", Feedback.SOLVED),
        ("I need a person", Feedback.PERSON),
        ("¿Puedo hablar con una persona?", Feedback.PERSON),
        ("That didn't work", Feedback.NOT_SOLVED),
        ("No, no funcionó", Feedback.NOT_SOLVED),
        ("How do I change my plan?", None),
        (
            (
                "It solved it on my phone, but on the laptop the album still will not download "
                "after I press the button several times"
            ),
            None,
        ),
    ],
)
def test_feedback_phrases(text: str, expected: Feedback | None) -> None:
    assert recognise_feedback(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Please refund my last payment", "refunds"),
        ("Quiero un reembolso", "refunds"),
        ("Someone hacked my account!", "account_security"),
        ("Me han hackeado la cuenta", "account_security"),
        ("My lawyer will contact you", "legal"),
        ("This is a scam", "fraud"),
        ("How do I download songs?", None),
    ],
)
def test_sensitive_intents(text: str, expected: str | None) -> None:
    assert sensitive_intent(text) == expected


def test_an_inbox_may_choose_which_intents_are_sensitive() -> None:
    assert sensitive_intent("Please refund my last payment", ["legal"]) is None
