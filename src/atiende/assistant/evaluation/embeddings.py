"""An embedder wrapper for the evaluation: every distinct text is encoded once, in batches,
however many times the intent classifier, the retriever and the policy ask for it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from atiende.assistant.ml.embedding import Embedder, FloatMatrix

BATCH = 256


class CachingEmbedder:
    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.dimension = inner.dimension
        self._cache: dict[str, np.ndarray] = {}

    def warm(self, texts: Sequence[str], progress: object = None) -> None:
        """Encode the texts not yet cached, BATCH at a time (`progress(done, total)`)."""
        missing = list(dict.fromkeys(text for text in texts if text not in self._cache))
        for start in range(0, len(missing), BATCH):
            chunk = missing[start : start + BATCH]
            for text, vector in zip(chunk, self.inner.encode(chunk), strict=True):
                self._cache[text] = vector
            if callable(progress):
                progress(min(start + BATCH, len(missing)), len(missing))

    def encode(self, texts: Sequence[str]) -> FloatMatrix:
        self.warm(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._cache[text] for text in texts]).astype(np.float32)
