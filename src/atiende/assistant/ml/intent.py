"""Intent (category) classification for triage.

Features: TF-IDF over word 1-2-grams and character 2-5-grams (accents folded), concatenated
with the multilingual sentence embedding; a linear SVM over them; probabilities by a softmax
of the SVM's scores with a temperature chosen on a held-out fifth of the training data.
The model is saved as one `.npz` (arrays only, loaded with `allow_pickle=False`) and one
`.json` (labels, vocabularies, settings): no pickled code.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from atiende.assistant.ml.embedding import Embedder, default_embedder
from atiende.assistant.ml.text import fold

FORMAT = "atiende-intent/1"
EMBEDDING_SCALE = 1.0
SVM_C = 1.0
TEMPERATURES = (1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0)


def _vectorizers(
    word_vocabulary: dict[str, int] | None = None, char_vocabulary: dict[str, int] | None = None
) -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    word = TfidfVectorizer(
        preprocessor=fold, ngram_range=(1, 2), sublinear_tf=True, vocabulary=word_vocabulary
    )
    char = TfidfVectorizer(
        preprocessor=fold,
        analyzer="char_wb",
        ngram_range=(2, 5),
        sublinear_tf=True,
        min_df=1 if char_vocabulary else 2,
        vocabulary=char_vocabulary,
    )
    return word, char


def _softmax(scores: npt.NDArray[np.float64], temperature: float) -> npt.NDArray[np.float64]:
    scaled = scores * temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True), dtype=np.float64)


class IntentClassifier:
    """Train from (text, label) pairs; predict (label, probability) per text."""

    def __init__(self, embedder: Embedder | None = None) -> None:
        self._embedder = embedder
        self.labels: list[str] = []
        self._word: Any = None
        self._char: Any = None
        self._coef: npt.NDArray[np.float32] = np.zeros((0, 0), dtype=np.float32)
        self._intercept: npt.NDArray[np.float32] = np.zeros(0, dtype=np.float32)
        self.temperature = 1.0

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = default_embedder()
        return self._embedder

    def _features(self, texts: Sequence[str], *, fit: bool = False) -> Any:
        from scipy.sparse import csr_matrix, hstack

        if fit:
            word = self._word.fit_transform(texts)
            char = self._char.fit_transform(texts)
        else:
            word = self._word.transform(texts)
            char = self._char.transform(texts)
        dense = self.embedder.encode(texts) * EMBEDDING_SCALE
        return hstack([word, char, csr_matrix(dense)]).tocsr()

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> IntentClassifier:
        from sklearn.svm import LinearSVC

        if len(texts) != len(labels):
            raise ValueError("texts and labels differ in length")
        self.labels = sorted(set(labels))
        if len(self.labels) < 2:
            raise ValueError("an intent classifier needs at least two labels")
        index = {label: i for i, label in enumerate(self.labels)}
        targets = np.asarray([index[label] for label in labels], dtype=np.int64)
        self._word, self._char = _vectorizers()
        matrix = self._features(list(texts), fit=True)

        self.temperature = self._choose_temperature(matrix, targets)
        model = LinearSVC(C=SVM_C).fit(matrix, targets)
        self._set_weights(model, len(self.labels))
        return self

    def _set_weights(self, model: Any, classes: int) -> None:
        coef = np.asarray(model.coef_, dtype=np.float32)
        intercept = np.asarray(model.intercept_, dtype=np.float32)
        if classes == 2:
            coef = np.vstack([-coef[0] / 2, coef[0] / 2])
            intercept = np.asarray([-intercept[0] / 2, intercept[0] / 2], dtype=np.float32)
        self._coef, self._intercept = coef, intercept

    def _choose_temperature(self, matrix: Any, targets: npt.NDArray[np.int64]) -> float:
        """The softmax temperature with the lowest log-loss on a held-out fifth."""
        from sklearn.svm import LinearSVC

        rng = np.random.default_rng(0)
        order = rng.permutation(len(targets))
        cut = len(order) // 5
        held, kept = order[:cut], order[cut:]
        if cut < 10 or len(set(targets[kept].tolist())) < len(self.labels):
            return 4.0
        model = LinearSVC(C=SVM_C).fit(matrix[kept], targets[kept])
        scores = np.asarray(model.decision_function(matrix[held]), dtype=np.float64)
        if scores.ndim == 1:
            scores = np.stack([-scores / 2, scores / 2], axis=1)
        best, best_loss = 4.0, math.inf
        for temperature in TEMPERATURES:
            probabilities = _softmax(scores, temperature)
            loss = -float(
                np.mean(np.log(probabilities[np.arange(len(held)), targets[held]] + 1e-12))
            )
            if loss < best_loss:
                best, best_loss = temperature, loss
        return best

    def scores(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        if not self.labels:
            raise ValueError("the classifier is not trained")
        matrix = self._features(list(texts))
        return np.asarray(matrix @ self._coef.T + self._intercept, dtype=np.float64)

    def predict_proba(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        return _softmax(self.scores(texts), self.temperature)

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        if not texts:
            return []
        probabilities = self.predict_proba(texts)
        best = probabilities.argmax(axis=1)
        return [(self.labels[i], float(probabilities[row, i])) for row, i in enumerate(best)]

    def save(self, path: Path) -> None:
        """Write `<path>.npz` (weights, idf) and `<path>.json` (labels, vocabularies)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path.with_suffix(".npz"),
            coef=self._coef,
            intercept=self._intercept,
            word_idf=np.asarray(self._word.idf_, dtype=np.float64),
            char_idf=np.asarray(self._char.idf_, dtype=np.float64),
        )
        meta = {
            "format": FORMAT,
            "labels": self.labels,
            "temperature": self.temperature,
            "embedding_dimension": self.embedder.dimension,
            "word_vocabulary": {term: int(i) for term, i in self._word.vocabulary_.items()},
            "char_vocabulary": {term: int(i) for term, i in self._char.vocabulary_.items()},
        }
        path.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, path: Path, embedder: Embedder | None = None) -> IntentClassifier:
        path = Path(path)
        meta = json.loads(path.with_suffix(".json").read_text("utf-8"))
        if meta.get("format") != FORMAT:
            raise ValueError(f"not an intent model: {path}")
        classifier = cls(embedder)
        classifier.labels = [str(label) for label in meta["labels"]]
        classifier.temperature = float(meta["temperature"])
        classifier._word, classifier._char = _vectorizers(
            meta["word_vocabulary"], meta["char_vocabulary"]
        )
        with np.load(path.with_suffix(".npz"), allow_pickle=False) as arrays:
            classifier._coef = np.asarray(arrays["coef"], dtype=np.float32)
            classifier._intercept = np.asarray(arrays["intercept"], dtype=np.float32)
            classifier._word.idf_ = arrays["word_idf"]
            classifier._char.idf_ = arrays["char_idf"]
        return classifier
