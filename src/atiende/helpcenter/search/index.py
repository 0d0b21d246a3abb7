"""Language-aware article search: BM25 over an in-process index, one per language.

Each published translation becomes one document: title (weight 3), example questions (weight 2),
body and steps (weight 1), tokenised, stemmed with the language's Snowball stemmer, then folded
(accents removed after stemming; `assistant.ml.text`: Chinese, Japanese, Korean and Thai as
character bigrams, a word without a stemmer by itself and its first letters). The index
lives in each process and is rebuilt when the content version moves (one indexed read per
search), the same on SQLite and PostgreSQL.
A query is stemmed in its detected language and searched there first; articles that matched
nothing there are then looked for in the other languages, so a Spanish query still finds an
English-only article. The last word of a query also matches as a prefix (suggestions while
the customer types).
"""

from __future__ import annotations

import math
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from atiende.assistant.ml.text import fold, query_terms, terms, tokens
from atiende.helpcenter.content import ArticleDocument, content_version, published_documents
from atiende.helpcenter.search.language import detect_language

K1 = 1.2
B = 0.75
FIELD_WEIGHTS = {"title": 3.0, "questions": 2.0, "body": 1.0}
MAX_PREFIX_EXPANSIONS = 8
# Sentence ends: Latin punctuation and a space, or the ideographic full stop, ! and ?.
_SENTENCE = re.compile("(?<=[.!?])\\s+|(?<=[\u3002\uff01\uff1f])\\s*|\n+")


def analyze(text: str, language: str) -> list[str]:
    """Index terms of `text`: words without stop words, stemmed, then folded; Chinese,
    Japanese, Korean and Thai as character bigrams (`assistant.ml.text.terms`)."""
    return terms(text, language)


@dataclass(frozen=True)
class SearchHit:
    article_id: int
    language: str
    title: str
    url: str
    snippet: str
    score: float
    sensitive: bool


@dataclass
class LanguageIndex:
    language: str
    documents: list[ArticleDocument] = field(default_factory=list)
    postings: dict[str, list[tuple[int, float]]] = field(default_factory=dict)
    lengths: list[float] = field(default_factory=list)
    vocabulary: set[str] = field(default_factory=set)  # folded surface words, for detection
    terms: list[str] = field(default_factory=list)  # sorted, for prefix expansion

    @property
    def average_length(self) -> float:
        return (sum(self.lengths) / len(self.lengths)) if self.lengths else 1.0

    def add(self, document: ArticleDocument) -> None:
        position = len(self.documents)
        self.documents.append(document)
        weighted: dict[str, float] = defaultdict(float)
        fields = {
            "title": document.title,
            "questions": " ".join(document.questions),
            "body": " ".join((document.body, *document.steps)),
        }
        length = 0.0
        for name, text in fields.items():
            weight = FIELD_WEIGHTS[name]
            for term in analyze(text, self.language):
                weighted[term] += weight
                length += weight
            self.vocabulary.update(fold(w) for w in tokens(text))
        self.lengths.append(length)
        for term, frequency in weighted.items():
            self.postings.setdefault(term, []).append((position, frequency))

    def finish(self) -> None:
        self.terms = sorted(self.postings)

    def expand_prefix(self, prefix: str) -> list[str]:
        import bisect

        start = bisect.bisect_left(self.terms, prefix)
        found = []
        for term in self.terms[start : start + MAX_PREFIX_EXPANSIONS]:
            if not term.startswith(prefix):
                break
            found.append(term)
        return found

    def score(self, query: str, *, prefix: bool) -> dict[int, float]:
        """BM25 score per document position for `query` analysed in this index's language;
        each query word counts once, by its best-matching variant."""
        groups = query_terms(query, self.language)
        if prefix and groups:
            typed = tokens(query)
            last_word = fold(typed[-1]) if typed else ""
            expansions = self.expand_prefix(last_word) if len(last_word) >= 3 else []
            groups = [*groups[:-1], tuple(sorted({*groups[-1], *expansions}))]
        total = len(self.documents)
        average = self.average_length
        scores: dict[int, float] = defaultdict(float)
        for group in dict.fromkeys(groups):
            best: dict[int, float] = {}
            for term in group:
                postings = self.postings.get(term)
                if not postings:
                    continue
                idf = math.log(1 + (total - len(postings) + 0.5) / (len(postings) + 0.5))
                for position, frequency in postings:
                    norm = K1 * (1 - B + B * self.lengths[position] / average)
                    value = idf * frequency * (K1 + 1) / (frequency + norm)
                    best[position] = max(best.get(position, 0.0), value)
            for position, value in best.items():
                scores[position] += value
        return scores


@dataclass
class HelpIndex:
    version: str
    languages: dict[str, LanguageIndex]

    def search(
        self, query: str, *, language: str | None = None, limit: int = 10, prefix: bool = False
    ) -> tuple[str, list[SearchHit]]:
        """(language searched, hits): detected language first, then the others as fallback."""
        query = query.strip()[:300]
        if not query or not self.languages:
            return language or "en", []
        vocabularies = {code: index.vocabulary for code, index in self.languages.items()}
        detected, confidence = detect_language(
            query, self.languages.keys(), vocabularies, default=language or "en"
        )
        # A hint (the page's language) wins when the query itself says little.
        primary = detected if confidence >= 0.34 or not language else language
        if primary not in self.languages:
            primary = detected if detected in self.languages else next(iter(self.languages))
        hits = self._hits(self.languages[primary], query, prefix, limit)
        found = {hit.article_id for hit in hits}
        for code, index in sorted(self.languages.items()):
            if code == primary:
                continue
            if len(hits) >= limit:
                break
            extra = [
                h for h in self._hits(index, query, prefix, limit) if h.article_id not in found
            ]
            # Fallback hits rank after every hit in the customer's language.
            hits.extend(extra)
            found.update(h.article_id for h in extra)
        return primary, hits[:limit]

    def _hits(self, index: LanguageIndex, query: str, prefix: bool, limit: int) -> list[SearchHit]:
        scores = index.score(query, prefix=prefix)
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
        hits = []
        for position, score in ranked:
            document = index.documents[position]
            hits.append(
                SearchHit(
                    article_id=document.article_id,
                    language=document.language,
                    title=document.title,
                    url=document.url,
                    snippet=snippet(document, query),
                    score=round(score, 4),
                    sensitive=document.sensitive,
                )
            )
        return hits


@lru_cache(maxsize=4096)
def _sentences(body: str, language: str) -> tuple[tuple[str, frozenset[str]], ...]:
    parts = [s.strip() for s in _SENTENCE.split(body) if s.strip()]
    return tuple((s, frozenset(analyze(s, language))) for s in parts)


def snippet(document: ArticleDocument, query: str, length: int = 160) -> str:
    """The first sentence of the body that shares a term with the query (else the first one)."""
    wanted = set(analyze(query, document.language))
    sentences = _sentences(document.body, document.language)
    chosen = next(
        (s for s, terms in sentences if wanted & terms),
        sentences[0][0] if sentences else "",
    )
    return chosen if len(chosen) <= length else chosen[: length - 1].rstrip() + "…"


_lock = threading.Lock()
_index: HelpIndex | None = None


def build_index(documents: list[ArticleDocument], version: str = "") -> HelpIndex:
    languages: dict[str, LanguageIndex] = {}
    for document in documents:
        languages.setdefault(document.language, LanguageIndex(document.language)).add(document)
    for index in languages.values():
        index.finish()
    return HelpIndex(version=version, languages=languages)


def current_index() -> HelpIndex:
    """This process's index, rebuilt when the content version has moved."""
    global _index
    version = content_version()
    index = _index
    if index is not None and index.version == version:
        return index
    with _lock:
        if _index is None or _index.version != version:
            _index = build_index(published_documents(), version)
        return _index


def search(
    query: str, *, language: str | None = None, limit: int = 10, prefix: bool = False
) -> tuple[str, list[SearchHit]]:
    return current_index().search(query, language=language, limit=limit, prefix=prefix)
