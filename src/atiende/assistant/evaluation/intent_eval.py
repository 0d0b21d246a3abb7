"""Intent accuracy: train on train.csv, measure on test.csv (and on the other-language test
sets), per-query latency on one core, and the confusion among the most-confused intents."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from atiende.assistant.evaluation.data import Dataset, Example
from atiende.assistant.ml.embedding import Embedder
from atiende.assistant.ml.intent import IntentClassifier

LATENCY_SAMPLE = 200
CONFUSED_INTENTS = 12


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if values else 0.0


def macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    labels = sorted(set(truth) | set(predicted))
    scores = []
    for label in labels:
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t == p == label)
        fp = sum(1 for t, p in zip(truth, predicted, strict=True) if p == label and t != label)
        fn = sum(1 for t, p in zip(truth, predicted, strict=True) if t == label and p != label)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(scores)) if scores else 0.0


def most_confused(
    truth: Sequence[str], predicted: Sequence[str], size: int = CONFUSED_INTENTS
) -> tuple[list[str], list[list[int]], list[dict[str, Any]]]:
    """The intents involved in the most errors, their confusion matrix, and the top pairs."""
    pairs = Counter((t, p) for t, p in zip(truth, predicted, strict=True) if t != p)
    involvement: Counter[str] = Counter()
    for (t, p), count in pairs.items():
        involvement[t] += count
        involvement[p] += count
    labels = sorted(label for label, _ in involvement.most_common(size))
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for t, p in zip(truth, predicted, strict=True):
        if t in index and p in index:
            matrix[index[t]][index[p]] += 1
    top_pairs = [
        {"true": t, "predicted": p, "count": count} for (t, p), count in pairs.most_common(10)
    ]
    return labels, matrix, top_pairs


def evaluate_intent(
    dataset: Dataset,
    embedder: Embedder,
    live_embedder: Embedder,
    progress: Callable[[str], None],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Metrics, and the confusion data for the picture."""
    texts, labels = zip(*dataset.train, strict=True)
    started = time.perf_counter()
    classifier = IntentClassifier(embedder).fit(list(texts), list(labels))
    train_seconds = time.perf_counter() - started
    progress(f"intent: trained on {len(texts)} examples in {train_seconds:.1f} s")

    def accuracy(rows: list[Example]) -> tuple[float, list[str], list[str]]:
        truth = [category for _, category in rows]
        predicted = [label for label, _ in classifier.predict([text for text, _ in rows])]
        right = sum(1 for t, p in zip(truth, predicted, strict=True) if t == p)
        return right / len(rows), truth, predicted

    test_accuracy, truth, predicted = accuracy(dataset.test)
    progress(f"intent: test accuracy {test_accuracy:.2%} on {len(dataset.test)} queries")
    other = {}
    for language, rows in dataset.extra_tests.items():
        other[language] = {"accuracy": accuracy(rows)[0], "queries": len(rows)}
        progress(f"intent: {language} accuracy {other[language]['accuracy']:.2%}")

    # Latency per query as triage sees it: one message at a time, embedding included.
    classifier_live = classifier.with_embedder(live_embedder)
    sample = [text for text, _ in dataset.test[:: max(1, len(dataset.test) // LATENCY_SAMPLE)]]
    timings, cpu = [], []
    for text in sample[:LATENCY_SAMPLE]:
        start, start_cpu = time.perf_counter(), time.thread_time()
        classifier_live.predict([text])
        timings.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
    labels_c, matrix, top_pairs = most_confused(truth, predicted)
    metrics = {
        "train_examples": len(dataset.train),
        "test_queries": len(dataset.test),
        "categories": len(dataset.categories),
        "accuracy": test_accuracy,
        "macro_f1": macro_f1(truth, predicted),
        "train_seconds": train_seconds,
        "latency_ms": {
            "p50": percentile(timings, 50),
            "p95": percentile(timings, 95),
            # CPU time of this thread: what one query costs one core, whatever else runs.
            "cpu_p50": percentile(cpu, 50),
            "cpu_p95": percentile(cpu, 95),
            "queries": len(timings),
        },
        "other_languages": other,
        "most_confused_pairs": top_pairs,
    }
    return metrics, {"labels": labels_c, "matrix": matrix}
