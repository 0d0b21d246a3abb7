"""Help-center search latency: the per-language BM25 index and the suggestions endpoint.

    .venv/bin/python bench/bench_helpcenter.py [--articles 200] [--runs 3]

In a throwaway SQLite database (a temporary directory), it loads the Sonora demo help center
(20 articles in English and Spanish) and adds generated articles until there are `--articles`
articles, each in both languages (so twice as many published translations), built from the demo's
own sentences so the vocabulary is realistic. Then it measures, with the application's own code:

- index build: `build_index(published_documents())` from a cold cache;
- search: `search()` for every demo example question (both languages), `--runs` times;
- suggest: `GET /api/helpcenter/suggest` through Django's test client (view, search, JSON),
  for prefixes of the same questions (what the widget sends while a customer types).

Writes bench/results/helpcenter.json and prints a summary.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "count": len(values),
        "p50_ms": round(percentile(values, 0.50), 3),
        "p95_ms": round(percentile(values, 0.95), 3),
        "max_ms": round(max(values), 3),
        "mean_ms": round(statistics.fmean(values), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="bench-hc-")
    os.environ.pop("DATABASE_URL", None)
    os.environ["ATIENDE_SQLITE_PATH"] = str(Path(workdir) / "bench.sqlite3")
    os.environ["ATIENDE_VAR_DIR"] = workdir
    os.environ["ATIENDE_RATE_LIMIT_ENABLED"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from atiende.helpcenter import actions, demo
    from atiende.helpcenter.actions import StepInput
    from atiende.helpcenter.content import published_documents
    from atiende.helpcenter.models import Section, Status
    from atiende.helpcenter.search import index as search_index

    call_command("migrate", verbosity=0)
    demo.load()
    pages = demo.all_pages()
    rng = random.Random(20261130)
    sections = list(Section.objects.all())
    sentences = {
        "en": [s for p in pages for s in (p.en.body.split(". ") + p.en.steps)],
        "es": [s for p in pages for s in (p.es.body.split(". ") + p.es.steps)],
    }
    started = time.perf_counter()
    for number in range(len(pages), args.articles):
        source = rng.choice(pages)
        article = actions.create_article(
            None, rng.choice(sections), language="en", title=f"{source.en.title} ({number})"
        ).article
        for language, text in (("en", source.en), ("es", source.es)):
            body = ". ".join(rng.sample(sentences[language], 6))
            translation = actions.save_translation(
                None,
                article,
                language=language,
                title=f"{text.title} ({number})",
                body=body,
                steps=[StepInput(s) for s in rng.sample(sentences[language], 3)],
            )
            actions.set_questions(
                None, article, language=language, questions=rng.sample(text.questions, 2)
            )
            actions.set_status(None, translation, Status.PUBLISHED)
    generate_seconds = time.perf_counter() - started

    documents = published_documents()
    started = time.perf_counter()
    search_index.build_index(documents, "bench")
    build_ms = (time.perf_counter() - started) * 1000
    search_index.current_index()  # warm this process's index

    questions = [q for p in pages for q in (*p.en.questions, *p.es.questions)]
    search_times = []
    top1 = 0
    expected = {q: p.key for p in pages for q in (*p.en.questions, *p.es.questions)}
    titles = {t.title: p.key for p in pages for t in (p.en, p.es)}
    for _run in range(args.runs):
        for question in questions:
            started = time.perf_counter()
            _language, hits = search_index.search(question)
            search_times.append((time.perf_counter() - started) * 1000)
            if hits and titles.get(hits[0].title) == expected[question]:
                top1 += 1

    client = Client()
    client.get("/api/helpcenter/suggest", {"q": "warm up"})
    suggest_times = []
    for _run in range(args.runs):
        for question in questions:
            prefix = question[: max(4, len(question) * 2 // 3)]
            started = time.perf_counter()
            response = client.get("/api/helpcenter/suggest", {"q": prefix, "language": "es"})
            suggest_times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200

    result: dict[str, Any] = {
        "what": "help-center search: per-language BM25 over an in-process index (SQLite)",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "articles": args.articles,
        "published_translations": len(documents),
        "generate_seconds": round(generate_seconds, 1),
        "index_build_ms": round(build_ms, 1),
        "search": summary(search_times),
        "search_top1_on_demo_questions": round(top1 / (len(questions) * args.runs), 3),
        "suggest_endpoint": summary(suggest_times),
        "command": (
            f"python bench/bench_helpcenter.py --articles {args.articles} --runs {args.runs}"
        ),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "helpcenter.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
