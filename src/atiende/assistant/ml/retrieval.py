"""Hybrid article retrieval: language-aware BM25 plus multilingual sentence embeddings over
each article's title/body and each of its example questions, plus (when the articles carry
enough example questions) a linear classifier over the embeddings of those questions.

All three signals are computed for every article and combined into one score per article;
`Candidate` keeps the parts so the answer policy can judge how sure the match is.
Embeddings are language-independent, so a Spanish question finds an English article.
When no article is written in the question's language (detected with confidence), the
lexical signal can only add noise: the question is ranked *cross-lingually*, by the two
embedding signals alone, and its candidates say so (the answer policy judges them with a
confidence calibrated the same way).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from atiende.assistant.ml.embedding import Embedder, FloatMatrix, default_embedder
from atiende.assistant.ml.language import detect_language
from atiende.assistant.ml.lexical import BM25Index, Field

# How the three signals are mixed into one article score (each lies in 0..1).
SIMILARITY_WEIGHT = 0.45
CLASSIFIER_WEIGHT = 0.35
LEXICAL_WEIGHT = 0.20
# BM25 is unbounded: squash with s / (s + LEXICAL_HALF) so a typical good match is ~0.5-0.8.
LEXICAL_HALF = 6.0
# The classifier is trained only when at least this many example questions exist in all.
MIN_QUESTIONS_FOR_CLASSIFIER = 20
BODY_WORDS = 80
# A question is cross-lingual when its language is detected at least this sure and no
# article is written in it.
CROSSLINGUAL_CONFIDENCE = 0.8


@dataclass(frozen=True)
class Document:
    """One article (in one language) as the retriever sees it."""

    key: str
    language: str
    title: str
    body: str
    questions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    key: str
    score: float
    language: str


@dataclass(frozen=True)
class Candidate:
    """One article's match with a query, signal by signal."""

    key: str
    language: str
    score: float
    similarity: float  # best cosine between the query and the article's title/body/questions
    probability: float  # the example-question classifier's probability (0 when not trained)
    lexical: float  # squashed BM25
    crosslingual: bool = False  # ranked by the embedding signals alone (see the module doc)


@dataclass(frozen=True)
class Query:
    """A query analysed once: its text, language and embedding."""

    text: str
    language: str
    language_confidence: float
    vector: npt.NDArray[np.float32]


class _ExampleClassifier:
    """Softmax regression from a question's embedding to its article (multilingual by
    construction: it only sees embeddings)."""

    def __init__(self, vectors: FloatMatrix, labels: npt.NDArray[np.int64], classes: int) -> None:
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=10.0, max_iter=150)
        model.fit(vectors, labels)
        self._weights = np.zeros((classes, vectors.shape[1]), dtype=np.float32)
        self._bias = np.full(classes, -1e4, dtype=np.float32)
        coef = np.asarray(model.coef_, dtype=np.float32)
        intercept = np.asarray(model.intercept_, dtype=np.float32)
        seen = np.asarray(model.classes_, dtype=np.int64)
        if len(seen) == 2 and coef.shape[0] == 1:
            # Binary problems come back as one row: expand to the two classes' logits.
            coef = np.vstack([-coef[0] / 2, coef[0] / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2], dtype=np.float32)
        self._weights[seen] = coef
        self._bias[seen] = intercept

    def probabilities(self, vector: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        logits = (self._weights @ vector + self._bias).astype(np.float64)
        logits -= logits.max()
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(), dtype=np.float64)


class Retriever:
    """Search articles by a customer's question, in any language the embedder knows."""

    def __init__(self, documents: Sequence[Document], embedder: Embedder | None = None) -> None:
        self.documents = tuple(documents)
        self.embedder = embedder or default_embedder()
        self._position = {document.key: i for i, document in enumerate(self.documents)}
        self.languages = frozenset(document.language for document in self.documents)
        if len(self._position) != len(self.documents):
            raise ValueError("document keys must be unique")
        texts: list[str] = []
        owners: list[int] = []
        for position, document in enumerate(self.documents):
            body = " ".join(document.body.split()[:BODY_WORDS])
            texts.append(f"{document.title}. {body}".strip())
            owners.append(position)
            for question in document.questions:
                texts.append(question)
                owners.append(position)
        self._unit_owner = np.asarray(owners, dtype=np.int64)
        # Units are grouped by document (title/body first): each group's start, for reduceat.
        self._unit_starts = np.flatnonzero(np.r_[True, np.diff(self._unit_owner) != 0])
        self._unit_vectors = self.embedder.encode(texts) if texts else np.zeros((0, 1), np.float32)
        self._lexical = BM25Index(
            [
                (
                    document.language,
                    [
                        Field(document.title, 2.0),
                        Field(document.body, 1.0),
                        Field(" ".join(document.questions), 1.0),
                    ],
                )
                for document in self.documents
            ]
        )
        self._classifier: _ExampleClassifier | None = None
        question_count = sum(len(document.questions) for document in self.documents)
        if len(self.documents) >= 2 and question_count >= MIN_QUESTIONS_FOR_CLASSIFIER:
            self._classifier = _ExampleClassifier(
                self._unit_vectors, self._unit_owner, len(self.documents)
            )

    def with_embedder(self, embedder: Embedder) -> Retriever:
        """The same index answering queries through another (same-model) embedder."""
        clone = copy.copy(self)
        clone.embedder = embedder
        return clone

    def __len__(self) -> int:
        return len(self.documents)

    def document(self, key: str) -> Document:
        return self.documents[self._position[key]]

    def analyse(self, text: str) -> Query:
        language, confidence = detect_language(text)
        vector = self.embedder.encode([text])[0]
        return Query(text, language, confidence, vector)

    def is_crosslingual(self, query: Query) -> bool:
        """No article is written in the question's (surely detected) language."""
        return (
            query.language_confidence >= CROSSLINGUAL_CONFIDENCE
            and query.language not in self.languages
        )

    def candidates(
        self, query: str | Query, limit: int = 5, *, crosslingual: bool | None = None
    ) -> list[Candidate]:
        """The best `limit` articles with each signal's value, best first. `crosslingual`
        forces (True) or forbids (False) ranking by the embedding signals alone; by default
        the question's language decides."""
        if not self.documents or limit <= 0:
            return []
        analysed = query if isinstance(query, Query) else self.analyse(query)
        if crosslingual is None:
            crosslingual = self.is_crosslingual(analysed)
        similarities = self._unit_vectors @ analysed.vector
        best = np.maximum.reduceat(similarities.astype(np.float64), self._unit_starts)
        best = np.clip(best, 0.0, 1.0)
        if self._classifier is not None:
            probability = self._classifier.probabilities(analysed.vector)
            weights = (SIMILARITY_WEIGHT, CLASSIFIER_WEIGHT, LEXICAL_WEIGHT)
        else:
            probability = np.zeros(len(self.documents), dtype=np.float64)
            total = SIMILARITY_WEIGHT + LEXICAL_WEIGHT
            weights = (SIMILARITY_WEIGHT / total, 0.0, LEXICAL_WEIGHT / total)
        if crosslingual:
            total = weights[0] + weights[1]
            weights = (weights[0] / total, weights[1] / total, 0.0)
            lexical = np.zeros(len(self.documents), dtype=np.float64)
        else:
            bm25 = self._lexical.scores(analysed.text)
            lexical = bm25 / (bm25 + LEXICAL_HALF)
        combined = weights[0] * best + weights[1] * probability + weights[2] * lexical
        order = np.argsort(-combined, kind="stable")[:limit]
        return [
            Candidate(
                key=self.documents[i].key,
                language=self.documents[i].language,
                score=float(combined[i]),
                similarity=float(best[i]),
                probability=float(probability[i]),
                lexical=float(lexical[i]),
                crosslingual=crosslingual,
            )
            for i in order
        ]

    def search(self, query: str, limit: int = 5) -> list[Hit]:
        return [
            Hit(key=candidate.key, score=candidate.score, language=candidate.language)
            for candidate in self.candidates(query, limit)
        ]
