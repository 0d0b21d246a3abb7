"""How documents and queries become words: folded (lower case, no accents), split on anything
that is not a letter or a digit. Both engines receive text already in this form, so SQLite's
unicode61 tokenizer and PostgreSQL's 'simple' parser see the same words (the PostgreSQL parser
would otherwise keep "ana@example.com" as one token)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from atiende.assistant.ml.text import BIGRAM_RUN, BIGRAM_SCRIPTS, MARK_CLASS, tokens

# Letters and digits of any script; "_" and every punctuation or symbol separate words.
_WORD = re.compile(r"[^\W_]+")
# Outside ASCII a word also holds its combining marks (Hindi vowel signs, Thai vowels), and runs
# of scripts written without spaces (Chinese, Japanese, Thai...) and Korean become overlapping
# character bigrams, so a word in the middle of a sentence can be found ("ログイン" in
# "パスワードを忘れました。ログインできません"): `assistant.ml.text.tokens`.
_WORD_OR_MARKS = re.compile(f"(?:[^\\W_]|[{MARK_CLASS}])+")
_MARK = re.compile(f"[{MARK_CLASS}]")
# A combining mark or a letter of a script cut into bigrams: text without any (most text,
# accents folded) takes the plain path, one scan.
_SPECIAL = re.compile(f"[{MARK_CLASS}{BIGRAM_SCRIPTS}]")

# A query is at most this many words of at most this many characters: longer input is cut, so
# a 10 kB query costs no more than a short one.
MAX_QUERY_WORDS = 12
MAX_WORD_LENGTH = 64
# A last word shorter than this is matched whole, not as a prefix ("a*" would match everything).
MIN_PREFIX_LENGTH = 2


# Marks that are accents to fold away: Latin, Greek and Cyrillic diacritics, Hebrew points and
# Arabic harakat. Others change the letter (Japanese カ/ガ, Devanagari) and are kept.
_FOLDED_MARKS = (
    (0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F),
    (0x0591, 0x05C7), (0x0610, 0x061A), (0x064B, 0x065F), (0x0670, 0x0670), (0x06D6, 0x06ED),
)  # fmt: skip


class _WithoutMarks(dict[int, int | None]):
    """A str.translate table that deletes accent marks, learning each code point once."""

    def __missing__(self, code: int) -> int | None:
        accent = unicodedata.combining(chr(code)) and any(
            low <= code <= high for low, high in _FOLDED_MARKS
        )
        kept = None if accent else code
        self[code] = kept
        return kept


_WITHOUT_MARKS = _WithoutMarks()


def _fold(value: str) -> tuple[str, bool]:
    """(folded text, whether it holds combining marks or letters of a bigram script)."""
    folded = value.casefold()
    if folded.isascii():
        return folded, False
    stripped = unicodedata.normalize("NFKD", folded).translate(_WITHOUT_MARKS)
    if stripped.isascii() or _SPECIAL.search(stripped) is None:
        return stripped, False
    # Marks that were kept join their letters again (カ + ゛ -> ガ).
    if _MARK.search(stripped) is not None:
        stripped = unicodedata.normalize("NFC", stripped)
    return stripped, True


def fold(value: str) -> str:
    """Lower case without accents: the form both documents and queries are compared in."""
    return _fold(value)[0]


def words(value: str) -> list[str]:
    """The folded words of a text, in order (bigrams for scripts without spaces)."""
    folded, special = _fold(value)
    if not special:
        return _WORD.findall(folded)
    found = (_WORD if _MARK.search(folded) is None else _WORD_OR_MARKS).findall(folded)
    return [
        token for part in found for token in (tokens(part) if BIGRAM_RUN.search(part) else (part,))
    ]


def document_text(value: str) -> str:
    """What a search document stores: its folded words separated by single spaces."""
    return " ".join(words(value))


@dataclass(frozen=True)
class Terms:
    """A parsed query: every word must match; the last one also as a prefix when `prefix`."""

    words: tuple[str, ...]
    prefix: bool


def parse_query(text: str) -> Terms | None:
    """The words of a query typed by someone, or None when there is nothing to search for."""
    found = [word[:MAX_WORD_LENGTH] for word in words(text[: MAX_QUERY_WORDS * 80])]
    # Repeated words add nothing to an all-words query; keep the first occurrence of each.
    unique = list(dict.fromkeys(found))[:MAX_QUERY_WORDS]
    if not unique:
        return None
    return Terms(words=tuple(unique), prefix=len(unique[-1]) >= MIN_PREFIX_LENGTH)
