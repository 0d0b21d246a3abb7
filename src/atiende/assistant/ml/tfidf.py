"""TF-IDF features for one message at a time, without scikit-learn's per-call overhead.

`TfidfVectorizer.transform` spends ~7 ms validating and converting for a single short text;
triage classifies one message at a time. This reproduces exactly what the fitted vectorizers
compute for our settings (folded text, word 1-2-grams with sklearn's token pattern,
`char_wb` 2-5-grams, sublinear tf, idf, L2 norm per vectorizer) from their vocabulary and
idf, and scores it against the linear model's weight columns directly. A test checks it
against scikit-learn on real text.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
import numpy.typing as npt

from atiende.assistant.ml.text import fold

_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_SPACES = re.compile(r"\s\s+")


def word_ngrams(text: str, low: int = 1, high: int = 2) -> list[str]:
    tokens = _TOKEN.findall(fold(text))
    grams: list[str] = []
    for n in range(low, high + 1):
        grams += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return grams


def char_wb_ngrams(text: str, low: int = 2, high: int = 5) -> list[str]:
    grams: list[str] = []
    for word in _SPACES.sub(" ", fold(text)).split():
        padded = f" {word} "
        length = len(padded)
        for n in range(low, high + 1):
            offset = 0
            grams.append(padded[offset : offset + n])
            while offset + n < length:
                offset += 1
                grams.append(padded[offset : offset + n])
            if offset == 0:  # the word is shorter than n: one n-gram is the whole of it
                break
    return grams


class SparseTfidf:
    """One fitted vectorizer's vocabulary and idf, applied to a single text."""

    def __init__(self, vocabulary: dict[str, int], idf: npt.NDArray[np.float64]) -> None:
        self.vocabulary = vocabulary
        self.idf = idf

    def vector(self, grams: list[str]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """(column indices, values) of the L2-normalised sublinear TF-IDF vector."""
        counts = Counter(self.vocabulary[g] for g in grams if g in self.vocabulary)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        values = np.fromiter(
            (1.0 + math.log(c) for c in counts.values()), dtype=np.float64, count=len(counts)
        )
        values *= self.idf[columns]
        norm = float(np.sqrt(values @ values))
        return columns, values / norm if norm else values
