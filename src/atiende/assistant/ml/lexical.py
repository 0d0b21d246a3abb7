"""A small in-memory BM25 index over documents in several languages.

Each document is analysed with its own language's stemmer and stop words; a query is
analysed once per language present in the index and scored against that language's
documents only, so "tarjetas" meets "tarjeta" in a Spanish article while the English
stemmer never mangles Spanish words.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from atiende.assistant.ml.text import query_terms, terms

K1 = 1.2
B = 0.75


@dataclass(frozen=True)
class Field:
    """Text of one document field and how much a match in it counts."""

    text: str
    weight: float = 1.0


class BM25Index:
    """BM25 over weighted fields; scores for all documents at once as a numpy vector."""

    def __init__(self, documents: Sequence[tuple[str, Sequence[Field]]]) -> None:
        """`documents`: (language, fields) per document, in index order."""
        self.size = len(documents)
        self.languages = sorted({language for language, _ in documents})
        self._postings: dict[str, dict[str, list[tuple[int, float]]]] = {
            language: defaultdict(list) for language in self.languages
        }
        lengths = np.zeros(self.size, dtype=np.float64)
        document_frequency: dict[str, Counter[str]] = {lang: Counter() for lang in self.languages}
        for position, (language, fields) in enumerate(documents):
            frequencies: dict[str, float] = defaultdict(float)
            for field in fields:
                for term in terms(field.text, language):
                    frequencies[term] += field.weight
            lengths[position] = sum(frequencies.values())
            for term, frequency in frequencies.items():
                self._postings[language][term].append((position, frequency))
                document_frequency[language][term] += 1
        self._lengths = lengths
        self._average = {
            language: float(
                np.mean([lengths[i] for i, (lang, _) in enumerate(documents) if lang == language])
                or 1.0
            )
            for language in self.languages
        }
        # Document frequencies over the whole collection: with per-language counts, a help
        # center with one Spanish article would give every Spanish term an IDF near zero.
        total = len(documents)
        self._idf = {
            language: {
                term: math.log(1 + (total - df + 0.5) / (df + 0.5))
                for term, df in document_frequency[language].items()
            }
            for language in self.languages
        }

    def scores(self, query: str) -> npt.NDArray[np.float64]:
        """BM25 score of every document for the query (0 where nothing matches)."""
        result = np.zeros(self.size, dtype=np.float64)
        for language in self.languages:
            postings = self._postings[language]
            idf = self._idf[language]
            average = self._average[language]
            # Each query word counts once, by its best-matching variant (see `query_terms`).
            for group in dict.fromkeys(query_terms(query, language)):
                best: dict[int, float] = {}
                for term in group:
                    for position, frequency in postings.get(term, ()):
                        norm = K1 * (1 - B + B * self._lengths[position] / average)
                        value = idf[term] * frequency * (K1 + 1) / (frequency + norm)
                        best[position] = max(best.get(position, 0.0), value)
                for position, value in best.items():
                    result[position] += value
        return result
