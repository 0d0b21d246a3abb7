"""Language identification, the triage signals, and that the models load offline."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from atiende.assistant.ml.language import detect_language
from atiende.assistant.ml.signals import sentiment, spam_score, urgency, urgency_reasons


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("My card has not arrived yet and I ordered it two weeks ago", "en"),
        ("Mi tarjeta todavía no ha llegado y la pedí hace dos semanas", "es"),
        ("Meu cartão ainda não chegou e eu pedi há duas semanas", "pt"),
        ("Ma carte n'est toujours pas arrivée alors que je l'ai commandée", "fr"),
        ("Meine Karte ist immer noch nicht angekommen", "de"),
    ],
)
def test_detects_the_language(text: str, code: str) -> None:
    detected, confidence = detect_language(text)
    assert detected == code
    assert 0.5 < confidence <= 1.0


def test_no_letters_is_undetermined_and_short_text_is_unsure() -> None:
    assert detect_language("  12345 !!! ") == ("und", 0.0)
    assert detect_language("ok")[1] < 0.8


@pytest.mark.parametrize(
    ("angry", "pleased", "language"),
    [
        ("This is UNACCEPTABLE, worst service ever!!!", "Thanks, that was really helpful", "en"),
        ("Estoy harto, es una vergüenza y un servicio pésimo", "Muchas gracias, excelente", "es"),
        ("Estou irritado, serviço péssimo", "Obrigado, foi ótimo", "pt"),
        ("C'est inacceptable, je suis furieux", "Merci, c'est parfait", "fr"),
    ],
)
def test_sentiment_separates_angry_from_pleased(angry: str, pleased: str, language: str) -> None:
    assert sentiment(angry, language) < -0.5
    assert sentiment(pleased, language) > 0.3
    assert abs(sentiment("I would like to update my address", language)) < 0.2


def test_negation_flips_sentiment() -> None:
    assert sentiment("I am not happy with this", "en") < 0
    assert sentiment("no estoy contento", "es") < 0


def test_urgency_names_its_reasons() -> None:
    text = "I was charged twice and I think it is fraud"
    assert urgency(text, "en") > 0.7
    assert {"charged twice", "fraud"} <= set(urgency_reasons(text, "en"))
    assert urgency("Me cobraron dos veces, es urgente", "es") > 0.7
    assert urgency("How do I change my address?", "en") < 0.2


def test_spam_score() -> None:
    spam = "CONGRATULATIONS you have won!!! Click here http://a.example http://b.example"
    assert spam_score(spam) > 0.8
    assert spam_score("Haz clic aqui, has ganado dinero facil") > 0.7
    assert spam_score("Hello, my card payment was declined at a shop today") < 0.2


def test_models_load_and_run_with_the_network_blocked() -> None:
    """Nothing is fetched at run time: every socket connection fails in this process."""
    script = textwrap.dedent(
        """
        import socket

        def refuse(*args, **kwargs):
            raise OSError("network access attempted")

        socket.socket.connect = refuse
        socket.socket.connect_ex = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse

        from atiende.assistant.ml.embedding import default_embedder
        from atiende.assistant.ml.language import detect_language

        assert detect_language("¿Dónde está mi tarjeta?")[0] == "es"
        vectors = default_embedder().encode(["hello", "hola"])
        assert vectors.shape == (2, 512)
        print("offline-ok")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "offline-ok" in result.stdout


def test_a_long_text_is_read_from_its_first_characters_whatever_its_white_space() -> None:
    spanish = "Mi tarjeta todavía no ha llegado y la pedí hace dos semanas. " * 10
    english = "My card has not arrived yet and I ordered it two weeks ago. " * 500
    assert detect_language(spanish + english)[0] == "es"
    # Mostly white space before the words: they are still the ones read.
    padded = " \n\t" * 3000 + "Meine Karte ist immer noch nicht angekommen"
    assert detect_language(padded) == detect_language("Meine Karte ist immer noch nicht angekommen")
    assert detect_language(" \n" * 5000) == ("und", 0.0)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("\u3041\u30ff", "ja"),  # first Hiragana, last Katakana
        ("\uac00\ud7af", "ko"),  # first and last of the Hangul syllables block
        ("\u1100\u318f", "ko"),  # Hangul Jamo, compatibility Jamo
        ("\u0e01\u0e7f", "th"),
        ("\u05d0\u05ea", "he"),
        ("\u03b1\u03c9", "el"),
        ("\u10d0\u10ff", "ka"),
        ("\u0531\u058f", "hy"),
    ],
)
def test_a_script_one_language_writes_decides_at_its_ranges_edges(text: str, code: str) -> None:
    assert detect_language(text) == (code, 0.9)
    # Half the letters in that script is enough; fewer is fastText's call.
    assert detect_language(f"{text} ab")[0] == code


def test_the_signals_count_capitals_among_letters_only() -> None:
    shouting = "WHY IS THIS STILL BROKEN 123 ??? ... ###"
    assert sentiment(shouting, "en") < sentiment(shouting.lower(), "en")
    assert spam_score("FREE MONEY NOW CLICK HERE TO WIN!!!") > spam_score(
        "free money now click here to win"
    )
    # Remembered per text, yet each caller gets a list of its own.
    reasons = urgency_reasons("urgent: fraud on my account", "en")
    assert {"urgent", "fraud"} <= set(reasons)
    reasons.append("changed by the caller")
    assert "changed by the caller" not in urgency_reasons("urgent: fraud on my account", "en")
