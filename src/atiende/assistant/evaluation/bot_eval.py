"""The answer bot on a labelled dataset: one article per category built from train.csv's
example questions, the threshold calibrated on a held-back part of train.csv, then
coverage and precision on test.csv, false answers on out-of-domain questions, the same on
other-language questions, and end-to-end decision latency."""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from atiende.assistant.evaluation.curve import Point, coverage_at_precision, precision_coverage
from atiende.assistant.evaluation.data import Dataset, Example
from atiende.assistant.evaluation.intent_eval import percentile
from atiende.assistant.ml.answering import AnswerPolicy
from atiende.assistant.ml.embedding import Embedder
from atiende.assistant.ml.language import detect_language
from atiende.assistant.ml.retrieval import Candidate, Document, Retriever

HELDOUT_SHARE = 0.15
LATENCY_SAMPLE = 200


def split_heldout(
    train: Sequence[Example], share: float = HELDOUT_SHARE, seed: int = 0
) -> tuple[list[Example], list[Example]]:
    """Per category, hold back `share` of the examples (at least one when there are two)."""
    by_category: dict[str, list[str]] = defaultdict(list)
    for text, category in train:
        by_category[category].append(text)
    rng = random.Random(seed)  # noqa: S311 - a reproducible split, nothing secret
    kept: list[Example] = []
    held: list[Example] = []
    for category in sorted(by_category):
        texts = sorted(by_category[category])
        rng.shuffle(texts)
        count = round(len(texts) * share) if len(texts) >= 2 else 0
        if len(texts) >= 2:
            count = max(1, min(count, len(texts) - 1))
        held += [(text, category) for text in texts[:count]]
        kept += [(text, category) for text in texts[count:]]
    return kept, held


def title_for(category: str) -> str:
    words = category.replace("_", " ").replace("-", " ").strip(" ?")
    return words[:1].upper() + words[1:]


def build_documents(examples: Sequence[Example], language: str) -> list[Document]:
    questions: dict[str, list[str]] = defaultdict(list)
    for text, category in examples:
        questions[category].append(text)
    return [
        Document(
            key=category,
            language=language,
            title=title_for(category),
            body="",
            questions=tuple(questions[category]),
        )
        for category in sorted(questions)
    ]


def dataset_language(examples: Sequence[Example]) -> str:
    votes: dict[str, int] = defaultdict(int)
    for text, _ in examples[:: max(1, len(examples) // 200)]:
        votes[detect_language(text)[0]] += 1
    return max(votes, key=lambda language: votes[language]) if votes else "en"


def _scored(
    policy: AnswerPolicy, ranked: Sequence[Sequence[Candidate]], truth: Sequence[str | None]
) -> tuple[list[tuple[float, bool]], dict[str, Any]]:
    """(confidence or 0 below the gate, right) per question, and the figures at the threshold."""
    scored: list[tuple[float, bool]] = []
    answered = right = sensitive_answered = handed_sensitive = 0
    reasons: dict[str, int] = defaultdict(int)
    for candidates, key in zip(ranked, truth, strict=True):
        decision, confidence = policy.decide_candidates(candidates)
        reasons[decision.reason] += 1
        gated = not candidates or candidates[0].similarity < policy.gate
        ok = bool(candidates) and candidates[0].key == key
        if key in policy.sensitive:
            handed_sensitive += decision.answer is None
        scored.append((0.0 if gated else confidence, ok))
        if decision.answer is not None:
            answered += 1
            right += ok
            sensitive_answered += decision.answer.key in policy.sensitive
    total = len(ranked)
    figures = {
        "questions": total,
        "answered": answered,
        "coverage": answered / total if total else 0.0,
        "precision": right / answered if answered else 1.0,
        "top1_accuracy": sum(ok for _, ok in scored) / total if total else 0.0,
        "reasons": dict(reasons),
        "sensitive_answered": sensitive_answered,
    }
    return scored, figures


def evaluate_bot(
    dataset: Dataset,
    embedder: Embedder,
    live_embedder: Embedder,
    progress: Callable[[str], None],
    target_precision: float = 0.95,
) -> tuple[dict[str, Any], dict[str, list[Point]]]:
    """Metrics, and the curves for the picture (test set and each other language)."""
    kept, held = split_heldout(dataset.train)
    language = dataset_language(dataset.train)
    documents = build_documents(kept, language)
    started = time.perf_counter()
    retriever = Retriever(documents, embedder)
    progress(
        f"bot: {len(documents)} articles from {len(kept)} example questions "
        f"({time.perf_counter() - started:.1f} s); calibrating on {len(held)} held back"
    )
    ranked_held = [retriever.candidates(text, limit=5) for text, _ in held]
    policy = AnswerPolicy.calibrate_ranked(
        ranked_held, [key for _, key in held], target_precision, dataset.sensitive
    )
    progress(
        f"bot: threshold {policy.threshold:.3f}, gate {policy.gate:.3f} "
        f"(held-out coverage {policy.stats.get('heldout_coverage', 0):.1%})"
    )
    if not held:
        progress(
            "bot: NOT calibrated: no category has two training examples to hold one back, so "
            "the default threshold is used and the precision below may miss the target"
        )

    ranked_test = [retriever.candidates(text, limit=5) for text, _ in dataset.test]
    scored_test, test_figures = _scored(policy, ranked_test, [c for _, c in dataset.test])
    curve = precision_coverage(scored_test)
    oracle_coverage, oracle_threshold = coverage_at_precision(curve, target_precision)
    test_figures["oracle_coverage_at_target"] = oracle_coverage
    test_figures["oracle_threshold"] = oracle_threshold
    progress(
        f"bot: test coverage {test_figures['coverage']:.1%} at precision "
        f"{test_figures['precision']:.1%}"
    )

    ood: dict[str, Any] = {}
    all_ood = answered_ood = 0
    for source, questions in dataset.ood.items():
        decisions = [policy.decide(question, retriever) for question in questions]
        answered = [
            {"question": q, "answered_with": d.answer.key}
            for q, d in zip(questions, decisions, strict=True)
            if d.answer is not None
        ]
        ood[source] = {
            "questions": len(questions),
            "answered": len(answered),
            "false_answer_rate": len(answered) / len(questions) if questions else 0.0,
            "examples": answered[:10],
        }
        all_ood += len(questions)
        answered_ood += len(answered)
        progress(f"bot: out-of-domain {source}: {len(answered)}/{len(questions)} answered")

    curves: dict[str, list[Point]] = {"test": curve}
    languages: dict[str, Any] = {}
    for code, rows in dataset.extra_tests.items():
        ranked = [retriever.candidates(text, limit=5) for text, _ in rows]
        scored, figures = _scored(policy, ranked, [c for _, c in rows])
        curves[f"test_{code}"] = precision_coverage(scored)
        figures["source"] = dataset.extra_sources.get(code, "")
        languages[code] = figures
        progress(
            f"bot: {code} coverage {figures['coverage']:.1%} at precision "
            f"{figures['precision']:.1%} (top-1 {figures['top1_accuracy']:.1%})"
        )

    live = retriever.with_embedder(live_embedder)
    sample = [text for text, _ in dataset.test[:: max(1, len(dataset.test) // LATENCY_SAMPLE)]]
    timings, cpu = [], []
    for text in sample[:LATENCY_SAMPLE]:
        start, start_cpu = time.perf_counter(), time.thread_time()
        policy.decide(text, live)
        timings.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)

    metrics = {
        "articles": len(documents),
        "article_language": language,
        "build_examples": len(kept),
        "heldout_examples": len(held),
        "calibrated": bool(held),
        "target_precision": target_precision,
        "policy": policy.to_dict(),
        "test": test_figures,
        "out_of_domain": {
            "questions": all_ood,
            "answered": answered_ood,
            "false_answer_rate": answered_ood / all_ood if all_ood else 0.0,
            "sources": ood,
        },
        "other_languages": languages,
        "latency_ms": {
            "p50": percentile(timings, 50),
            "p95": percentile(timings, 95),
            # CPU time of this thread: what one query costs one core, whatever else runs.
            "cpu_p50": percentile(cpu, 50),
            "cpu_p95": percentile(cpu, 95),
            "queries": len(timings),
        },
    }
    return metrics, curves
