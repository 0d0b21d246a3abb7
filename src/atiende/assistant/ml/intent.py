"""Intent (category) classification for triage.

Three scorers, fused: a linear SVM over TF-IDF word 1-2-grams and character 2-5-grams
(accents folded), a logistic regression over the multilingual sentence embedding, and the
nearest training example of each label in that embedding space (its cosine similarity).
Their scores are added with two weights, and turned into probabilities by a softmax with a
temperature; weights and temperature are chosen on a held-out fifth of the training data
before the models are refitted on all of it. (Fusing the scores gives the same accuracy as
one SVM over the concatenated features here, and trains several times faster; the
nearest-example score adds what a linear model over the embedding smooths away.)
The model is saved as one `.npz` (arrays only, loaded with `allow_pickle=False`) and one
`.json` (labels, vocabularies, settings): no pickled code. Models of the previous format
(without the training examples' embeddings) still load and score without the third part.
"""

from __future__ import annotations

import copy
import json
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from atiende.assistant.ml.embedding import Embedder, default_embedder
from atiende.assistant.ml.language import detect_language
from atiende.assistant.ml.text import fold
from atiende.assistant.ml.tfidf import SparseTfidf, char_wb_ngrams, word_ngrams

FORMAT = "atiende-intent/3"
FORMATS = ("atiende-intent/2", FORMAT)
SVM_C = 0.5
EMBEDDING_C = 20.0
# The embedding model's logits are ~10x the SVM's margins: weights are applied after /10.
FUSION_WEIGHTS = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0)
TEMPERATURES = (1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0)
# The nearest example's cosine (0..1) is weighted directly against the SVM's margins.
NEAREST_WEIGHTS = (0.0, 2.0, 4.0, 6.0, 8.0, 12.0)
DEFAULT_FUSION = 1.5
DEFAULT_NEAREST = 4.0
DEFAULT_TEMPERATURE = 4.0
FOREIGN_CONFIDENCE = 0.8
MAJORITY_SAMPLE = 200


def _majority_language(texts: Sequence[str]) -> str:
    """The language of most training texts (on a sample), or "" if none has 80%."""
    sample = texts[:: max(1, len(texts) // MAJORITY_SAMPLE)]
    votes = Counter(detect_language(text)[0] for text in sample)
    if not votes:
        return ""
    language, count = votes.most_common(1)[0]
    return language if count >= 0.8 * len(sample) else ""


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


def _rows(
    coef: Any, intercept: Any, classes: int
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """A fitted linear model's weights with one row per class (binary models have one)."""
    weights = np.asarray(coef, dtype=np.float32)
    bias = np.asarray(intercept, dtype=np.float32).reshape(-1)
    if classes == 2 and weights.shape[0] == 1:
        weights = np.vstack([-weights[0] / 2, weights[0] / 2])
        bias = np.asarray([-bias[0] / 2, bias[0] / 2], dtype=np.float32)
    return weights, bias


def _nearest(
    vectors: npt.NDArray[np.float32],
    examples: npt.NDArray[np.float32],
    starts: npt.NDArray[np.int64],
) -> npt.NDArray[np.float64]:
    """Per label, the cosine of each vector with its most similar example of that label
    (`examples` grouped by label, `starts` each label's first row; every label has one)."""
    similarities = np.asarray(vectors @ examples.T, dtype=np.float64)
    return np.asarray(np.maximum.reduceat(similarities, starts, axis=1), dtype=np.float64)


class IntentClassifier:
    """Train from (text, label) pairs; predict (label, probability) per text."""

    def __init__(self, embedder: Embedder | None = None) -> None:
        self._embedder = embedder
        self.labels: list[str] = []
        self._word: Any = None
        self._char: Any = None
        empty = np.zeros((0, 0), dtype=np.float32)
        self._text_coef, self._text_bias = empty, np.zeros(0, dtype=np.float32)
        self._embedding_coef, self._embedding_bias = empty, np.zeros(0, dtype=np.float32)
        self.fusion = DEFAULT_FUSION
        self.nearest = DEFAULT_NEAREST
        # The training texts' embeddings grouped by label, and where each label's rows start.
        self._examples = np.zeros((0, 0), dtype=np.float32)
        self._example_starts = np.zeros(0, dtype=np.int64)
        self.temperature = DEFAULT_TEMPERATURE
        self.language = ""  # the training texts' language; "" when mixed or unknown
        self._fast: tuple[SparseTfidf, SparseTfidf] | None = None

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = default_embedder()
        return self._embedder

    def with_embedder(self, embedder: Embedder) -> IntentClassifier:
        """The same trained model computing embeddings with another (same-model) embedder."""
        clone = copy.copy(self)
        clone._embedder = embedder
        return clone

    def _text_features(self, texts: Sequence[str], *, fit: bool = False) -> Any:
        from scipy.sparse import hstack

        if fit:
            return hstack(
                [self._word.fit_transform(texts), self._char.fit_transform(texts)]
            ).tocsr()
        return hstack([self._word.transform(texts), self._char.transform(texts)]).tocsr()

    def _fit_models(
        self, text_matrix: Any, vectors: npt.NDArray[np.float32], targets: npt.NDArray[np.int64]
    ) -> tuple[Any, Any]:
        from sklearn.linear_model import LogisticRegression
        from sklearn.svm import LinearSVC

        text_model = LinearSVC(C=SVM_C).fit(text_matrix, targets)
        embedding_model = LogisticRegression(C=EMBEDDING_C, max_iter=150).fit(vectors, targets)
        return text_model, embedding_model

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> IntentClassifier:
        if len(texts) != len(labels):
            raise ValueError("texts and labels differ in length")
        self.labels = sorted(set(labels))
        if len(self.labels) < 2:
            raise ValueError("an intent classifier needs at least two labels")
        index = {label: i for i, label in enumerate(self.labels)}
        targets = np.asarray([index[label] for label in labels], dtype=np.int64)
        texts = list(texts)
        self.language = _majority_language(texts)
        self._word, self._char = _vectorizers()
        self._fast = None
        text_matrix = self._text_features(texts, fit=True)
        vectors = self.embedder.encode(texts)
        self._choose_fusion(text_matrix, vectors, targets)
        order = np.argsort(targets, kind="stable")
        self._examples = np.ascontiguousarray(vectors[order], dtype=np.float32)
        self._example_starts = np.searchsorted(targets[order], np.arange(len(self.labels)))
        text_model, embedding_model = self._fit_models(text_matrix, vectors, targets)
        classes = len(self.labels)
        self._text_coef, self._text_bias = _rows(text_model.coef_, text_model.intercept_, classes)
        self._embedding_coef, self._embedding_bias = _rows(
            embedding_model.coef_, embedding_model.intercept_, classes
        )
        return self

    def _choose_fusion(
        self, text_matrix: Any, vectors: npt.NDArray[np.float32], targets: npt.NDArray[np.int64]
    ) -> None:
        """Fusion weights (best accuracy) and temperature (lowest log-loss) on a held-out
        fifth; the defaults when there is too little data to hold any back."""
        rng = np.random.default_rng(0)
        order = rng.permutation(len(targets))
        cut = len(order) // 5
        held, kept = order[:cut], order[cut:]
        classes = len(self.labels)
        if cut < 20 or len(set(targets[kept].tolist())) < classes:
            self.fusion, self.temperature = DEFAULT_FUSION, DEFAULT_TEMPERATURE
            self.nearest = DEFAULT_NEAREST
            return
        text_model, embedding_model = self._fit_models(
            text_matrix[kept], vectors[kept], targets[kept]
        )
        text_w, text_b = _rows(text_model.coef_, text_model.intercept_, classes)
        emb_w, emb_b = _rows(embedding_model.coef_, embedding_model.intercept_, classes)
        text_scores = np.asarray(text_matrix[held] @ text_w.T + text_b, dtype=np.float64)
        embedding_scores = np.asarray(vectors[held] @ emb_w.T + emb_b, dtype=np.float64) / 10
        order = kept[np.argsort(targets[kept], kind="stable")]
        starts = np.searchsorted(targets[order], np.arange(classes))
        nearest_scores = _nearest(vectors[held], vectors[order], starts)
        truth = targets[held]
        best_accuracy = -1.0
        for weight in FUSION_WEIGHTS:
            for nearest in NEAREST_WEIGHTS:
                fused = text_scores + weight * embedding_scores + nearest * nearest_scores
                accuracy = float((fused.argmax(1) == truth).mean())
                if accuracy > best_accuracy + 1e-9:
                    best_accuracy, self.fusion, self.nearest = accuracy, weight, nearest
        fused = text_scores + self.fusion * embedding_scores + self.nearest * nearest_scores
        best_loss = math.inf
        for temperature in TEMPERATURES:
            probabilities = _softmax(fused, temperature)
            loss = -float(np.mean(np.log(probabilities[np.arange(len(truth)), truth] + 1e-12)))
            if loss < best_loss:
                best_loss, self.temperature = loss, temperature

    def scores(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """Fused per-label scores (before the softmax)."""
        if not self.labels:
            raise ValueError("the classifier is not trained")
        texts = list(texts)
        text_scores = self._text_scores(texts)
        vectors = self.embedder.encode(texts)
        embedding_scores = (vectors @ self._embedding_coef.T + self._embedding_bias) / 10
        embedding_scores = np.asarray(embedding_scores, dtype=np.float64)
        if len(self._examples):
            embedding_part = self.fusion * embedding_scores + self.nearest * _nearest(
                vectors, self._examples, self._example_starts
            )
        else:
            embedding_part = self.fusion * embedding_scores
        fused = np.asarray(text_scores + embedding_part, dtype=np.float64)
        if self.language:
            # A message in another language than the training data: its words and character
            # n-grams mean nothing to the TF-IDF model, so only the multilingual embedding
            # speaks (scaled to the fused scores' usual range).
            for row, text in enumerate(texts):
                language, confidence = detect_language(text)
                if language != self.language and confidence >= FOREIGN_CONFIDENCE:
                    fused[row] = embedding_part[row] + embedding_scores[row]
        return fused

    def _text_scores(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """The TF-IDF model's scores, computed text by text from the weight columns."""
        if self._fast is None:
            self._fast = (
                SparseTfidf(self._word.vocabulary_, np.asarray(self._word.idf_)),
                SparseTfidf(self._char.vocabulary_, np.asarray(self._char.idf_)),
            )
        word, char = self._fast
        offset = len(word.vocabulary)
        result = np.tile(self._text_bias.astype(np.float64), (len(texts), 1))
        for row, text in enumerate(texts):
            columns, values = word.vector(word_ngrams(text))
            result[row] += self._text_coef[:, columns] @ values
            columns, values = char.vector(char_wb_ngrams(text))
            result[row] += self._text_coef[:, columns + offset] @ values
        return result

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
            text_coef=self._text_coef,
            text_bias=self._text_bias,
            embedding_coef=self._embedding_coef,
            embedding_bias=self._embedding_bias,
            word_idf=np.asarray(self._word.idf_, dtype=np.float64),
            char_idf=np.asarray(self._char.idf_, dtype=np.float64),
            # Half precision halves the file; cosines move by < 1e-3.
            examples=self._examples.astype(np.float16),
            example_starts=self._example_starts,
        )
        meta = {
            "format": FORMAT,
            "labels": self.labels,
            "fusion": self.fusion,
            "nearest": self.nearest,
            "temperature": self.temperature,
            "language": self.language,
            "embedding_dimension": self.embedder.dimension,
            "word_vocabulary": {term: int(i) for term, i in self._word.vocabulary_.items()},
            "char_vocabulary": {term: int(i) for term, i in self._char.vocabulary_.items()},
        }
        path.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, path: Path, embedder: Embedder | None = None) -> IntentClassifier:
        path = Path(path)
        meta = json.loads(path.with_suffix(".json").read_text("utf-8"))
        if meta.get("format") not in FORMATS:
            raise ValueError(f"not an intent model of this version: {path}")
        classifier = cls(embedder)
        classifier.labels = [str(label) for label in meta["labels"]]
        classifier.fusion = float(meta["fusion"])
        classifier.nearest = float(meta.get("nearest", 0.0))
        classifier.temperature = float(meta["temperature"])
        classifier.language = str(meta.get("language", ""))
        classifier._word, classifier._char = _vectorizers(
            meta["word_vocabulary"], meta["char_vocabulary"]
        )
        with np.load(path.with_suffix(".npz"), allow_pickle=False) as arrays:
            classifier._text_coef = np.asarray(arrays["text_coef"], dtype=np.float32)
            classifier._text_bias = np.asarray(arrays["text_bias"], dtype=np.float32)
            classifier._embedding_coef = np.asarray(arrays["embedding_coef"], dtype=np.float32)
            classifier._embedding_bias = np.asarray(arrays["embedding_bias"], dtype=np.float32)
            classifier._word.idf_ = arrays["word_idf"]
            classifier._char.idf_ = arrays["char_idf"]
            if "examples" in arrays.files:
                classifier._examples = np.asarray(arrays["examples"], dtype=np.float32)
                classifier._example_starts = np.asarray(arrays["example_starts"], dtype=np.int64)
        return classifier
