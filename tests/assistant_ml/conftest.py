"""Shared pieces for the ML tests: a small multilingual help center built once per session
(the embedder is the real one; loading it takes well under a few seconds)."""

from __future__ import annotations

import pytest

from atiende.assistant.ml.retrieval import Document, Retriever

ARTICLES = (
    Document(
        key="reset-password",
        language="en",
        title="Reset your password",
        body="Open Settings, choose Security and press Reset password. We email you a link.",
        questions=(
            "I forgot my password",
            "how do I change my password",
            "password reset link does not work",
            "I can't remember my login password",
            "need a new password",
        ),
    ),
    Document(
        key="card-delivery",
        language="en",
        title="When will my card arrive?",
        body="Cards are posted within two working days and arrive in five to seven days.",
        questions=(
            "when will my card arrive",
            "my card has not arrived yet",
            "how long does card delivery take",
            "still waiting for my new card",
            "where is my card",
        ),
    ),
    Document(
        key="refunds",
        language="en",
        title="Refunds",
        body="Ask the merchant first. Refunds show on your statement within five days.",
        questions=(
            "I want a refund",
            "how do I get my money back",
            "refund for my purchase",
            "refund not showing on statement",
            "can you refund this payment",
        ),
    ),
    Document(
        key="exchange-rates",
        language="en",
        title="Exchange rates",
        body="We convert at the interbank rate plus 0.5% on weekends.",
        questions=(
            "what exchange rate do you use",
            "how are exchange rates calculated",
            "currency conversion fee",
            "rate for euros to dollars",
            "why was the exchange rate wrong",
        ),
    ),
    Document(
        key="tarifas",
        language="es",
        title="Comisiones de la cuenta",
        body="La cuenta no tiene comisiones de mantenimiento. Sacar en cajeros cuesta 1 euro.",
        questions=("¿cuánto cuesta la cuenta?", "comisiones por sacar dinero en cajeros"),
    ),
)


@pytest.fixture(scope="session")
def retriever() -> Retriever:
    return Retriever(ARTICLES)
