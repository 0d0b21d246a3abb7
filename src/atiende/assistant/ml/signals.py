"""Triage signals from a customer's message, offline and in English, Spanish, Portuguese
and French: sentiment (-1 angry .. 1 pleased), urgency (0..1) and spam (0..1).

Lexicon-based on purpose: small, explainable ("flagged because: 'charged twice', 'fraud'"),
and fast. Negation flips sentiment cues within three words; shouting (capitals, "!!!")
strengthens negative sentiment. Cue lists: `lexicons.py`.
"""

from __future__ import annotations

import functools
import math
import re

from atiende.assistant.ml.lexicons import (
    NEGATIONS,
    NEGATIVE,
    POSITIVE,
    SPAM_PHRASES,
    URGENT_PHRASES,
    URGENT_WORDS,
)
from atiende.assistant.ml.text import fold, words

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MONEY = re.compile(r"[$€£]\s?\d[\d,.]*|\d[\d,.]*\s?(?:usd|eur|dollars|euros|btc)\b", re.I)
_REPEAT = re.compile(r"(.)\1{4,}")


# A word folds the same every time: most words of a mail are common ones.
_fold_word = functools.lru_cache(maxsize=32768)(fold)


@functools.lru_cache(maxsize=16)
def _folded_words(text: str) -> tuple[str, ...]:
    """The text's words, folded; remembered for the last texts: triage asks `sentiment`,
    `urgency` (which asks `sentiment` again), `urgency_reasons` and `spam_score` about the
    same text, which folded it five times."""
    return tuple(_fold_word(word) for word in words(text))


@functools.lru_cache(maxsize=16)
def _letter_case(text: str) -> tuple[int, int]:
    """How many letters the text has, and how many of them are capitals (`sentiment` and
    `spam_score` both ask; counted by `filter` and `map`, not a Python loop per character)."""
    letters = "".join(filter(str.isalpha, text))
    return len(letters), sum(map(str.isupper, letters))


def _cue_hits(text: str, language: str) -> tuple[float, list[str]]:
    tokens = _folded_words(text)
    positive = POSITIVE.get(language, POSITIVE["en"]) | POSITIVE["en"]
    negative = NEGATIVE.get(language, NEGATIVE["en"]) | NEGATIVE["en"]
    negations = NEGATIONS.get(language, NEGATIONS["en"]) | NEGATIONS["en"]
    total = 0.0
    cues: list[str] = []
    for i, token in enumerate(tokens):
        value = positive.get(token, 0.0) or -negative.get(token, 0.0)
        if not value:
            continue
        if any(previous in negations for previous in tokens[max(0, i - 3) : i]):
            # "not happy" is negative; "not bad" is mildly positive at most.
            value = -value * (0.5 if value < 0 else 1.0)
        total += value
        cues.append(token)
    return total, cues


@functools.lru_cache(maxsize=16)
def sentiment(text: str, language: str) -> float:
    """-1 (angry) .. 0 (neutral) .. 1 (pleased)."""
    total, _ = _cue_hits(text, language)
    letters, capitals = _letter_case(text)
    shouting = letters >= 12 and capitals / letters > 0.6
    exclamations = text.count("!")
    if total < 0 or shouting:
        total -= 0.8 * shouting + 0.3 * min(exclamations, 3)
    return math.tanh(total / 2.0)


@functools.lru_cache(maxsize=16)
def _folded_text(text: str) -> str:
    return " ".join(_folded_words(text))


def urgency_reasons(text: str, language: str) -> list[str]:
    """The cues that make the message urgent, for the agent to see."""
    return list(_urgency_cues(text, language))


@functools.lru_cache(maxsize=16)
def _urgency_cues(text: str, language: str) -> tuple[str, ...]:
    """`urgency_reasons`, remembered: triage asks for them twice (`urgency` and its reasons)."""
    folded = _folded_text(text)
    padded = f" {folded} "
    reasons = [
        phrase
        for phrase in URGENT_PHRASES.get(language, ()) + URGENT_PHRASES["en"]
        if f" {phrase} " in padded
    ]
    tokens = set(folded.split())
    reasons += sorted(tokens & (URGENT_WORDS.get(language, frozenset()) | URGENT_WORDS["en"]))
    return tuple(dict.fromkeys(reasons))


def urgency(text: str, language: str) -> float:
    """0 (routine) .. 1 (outage, money lost, locked out, fraud)."""
    reasons = urgency_reasons(text, language)
    score = 1.0 - math.exp(-0.9 * len(reasons))
    if sentiment(text, language) < -0.5:
        score = max(score, 0.3) + 0.1
    return max(0.0, min(1.0, score))


def spam_score(text: str) -> float:
    """0 (a customer writing) .. 1 (bulk advertising or a scam)."""
    padded = f" {_folded_text(text)} "
    hits = sum(1 for phrase in SPAM_PHRASES if f" {phrase} " in padded)
    urls = len(_URL.findall(text))
    money = len(_MONEY.findall(text))
    letters, uppercase = _letter_case(text)
    capitals = uppercase / letters if letters >= 20 else 0.0
    evidence = (
        1.1 * hits
        + 0.6 * max(0, urls - 1)
        + 0.4 * (urls > 0 and hits > 0)
        + 0.3 * min(money, 3) * (hits > 0)
        + 1.0 * (capitals > 0.7)
        + 0.5 * bool(_REPEAT.search(text))
    )
    return max(0.0, min(1.0, 1.0 - math.exp(-0.7 * evidence)))
