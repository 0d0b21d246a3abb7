"""Which language a short customer query is written in, cheaply and offline.

When the assistant's detector (`atiende.assistant.ml.language.detect_language`) is installed it
is asked first; otherwise (or when it is unsure) a heuristic scores each candidate language by
its function words, its telltale letters (ñ, ¿, ã, ç...) and how many of the query's words occur
in that language's help-center vocabulary. Queries are a few words, so the vocabulary of our
own articles is the strongest signal we have.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Collection, Mapping
from functools import cache

from atiende.assistant.ml.text import fold, tokens

_STOPWORD_TEXT = {
    "en": """a an and are as at be but by can do does for from has have how i if in is it my of
        on or so that the this to was what when where which who why will with you your can't
        don't doesn't won't me our not no""",
    "es": """a al como con cual cuando de del donde el ella en es esta este esto hay la las le lo
        los me mi mis no nos o para pero por porque que qué se si sin su sus te tu tus un una y
        ya cómo cuándo dónde puedo quiero tengo está estoy mí él""",
    "pt": """a ao as com como da das de do dos e em é esta está eu isso já mas meu minha na não
        no nos o os ou para pelo por que se sem seu sua um uma você""",
    "fr": """au aux avec ce ces comment dans de des du elle en est et il je la le les leur ma
        mais me mes mon ne nous on ou où par pas pour qu que qui sa se ses son sur ta te tu un
        une vous votre""",
    "de": """aber auf aus bei bin das dem den der des die du ein eine einen er es für hat ich
        ist kann mein meine mit nicht sie und von was wie wo zu""",
    "it": """al alla che chi come con da del della di e è gli ho il in la le lo ma mi mio mia
        non per perché più posso se sono su un una""",
}
STOPWORDS: dict[str, frozenset[str]] = {
    code: frozenset(text.split()) for code, text in _STOPWORD_TEXT.items()
}

# Letters that (nearly) only one candidate language uses.
MARKERS: dict[str, str] = {"ñ": "es", "¿": "es", "¡": "es", "ã": "pt", "õ": "pt", "ß": "de"}

Detector = Callable[[str], tuple[str, float]]


@cache
def _external_detector() -> Detector | None:
    try:
        module = importlib.import_module("atiende.assistant.ml.language")
    except ImportError:
        return None
    detector = getattr(module, "detect_language", None)
    return detector if callable(detector) else None


def words(text: str) -> list[str]:
    """The query's tokens as the index cuts them (Japanese or Chinese as character bigrams),
    so they can be looked up in a language's article vocabulary."""
    return tokens(text)


def detect_language(
    text: str,
    candidates: Collection[str],
    vocabularies: Mapping[str, Collection[str]] | None = None,
    default: str = "en",
) -> tuple[str, float]:
    """(language, confidence in 0..1) among `candidates`; `default` when nothing tells."""
    if not candidates:
        return default, 0.0
    detector = _external_detector()
    if detector is not None:
        try:
            code, confidence = detector(text)
        except Exception:
            code, confidence = "", 0.0
        code = code.split("-")[0].lower()
        if code in candidates and confidence >= 0.6:
            return code, float(confidence)
    tokens = words(text)
    if not tokens:
        return (default if default in candidates else sorted(candidates)[0]), 0.0
    scores = dict.fromkeys(candidates, 0.0)
    lowered = text.lower()
    for letter, language in MARKERS.items():
        if letter in lowered and language in scores:
            scores[language] += 2.0
    for language in scores:
        stops = STOPWORDS.get(language, frozenset())
        vocabulary = (vocabularies or {}).get(language, ())
        for token in tokens:
            if token in stops:
                scores[language] += 1.0
            if vocabulary and fold(token) in vocabulary:
                scores[language] += 0.75
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0] != default))
    best, best_score = ranked[0]
    if best_score <= 0:
        return (default if default in candidates else best), 0.0
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    confidence = (best_score - runner_up) / best_score if best_score else 0.0
    return best, round(max(confidence, 0.0), 3)
