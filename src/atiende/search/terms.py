"""How documents and queries become words: folded (lower case, no accents), split on anything
that is not a letter or a digit. Both engines receive text already in this form, so SQLite's
unicode61 tokenizer and PostgreSQL's 'simple' parser see the same words (the PostgreSQL parser
would otherwise keep "ana@example.com" as one token)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Letters and digits of any script; "_" and every punctuation or symbol separate words.
_WORD = re.compile(r"[^\W_]+")
# A query is at most this many words of at most this many characters: longer input is cut, so
# a 10 kB query costs no more than a short one.
MAX_QUERY_WORDS = 12
MAX_WORD_LENGTH = 64
# A last word shorter than this is matched whole, not as a prefix ("a*" would match everything).
MIN_PREFIX_LENGTH = 2


class _WithoutMarks(dict[int, int | None]):
    """A str.translate table that deletes combining marks, learning each code point once."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_WITHOUT_MARKS = _WithoutMarks()


def fold(value: str) -> str:
    """Lower case without accents: the form both documents and queries are compared in."""
    folded = value.casefold()
    if folded.isascii():
        return folded
    return unicodedata.normalize("NFKD", folded).translate(_WITHOUT_MARKS)


def words(value: str) -> list[str]:
    """The folded words of a text, in order."""
    return _WORD.findall(fold(value))


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
