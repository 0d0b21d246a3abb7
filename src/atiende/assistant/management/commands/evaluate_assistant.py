"""`python -m atiende evaluate_assistant --data <folder>` (what `make eval` runs): intent
accuracy, answer-bot coverage at the target precision, out-of-domain false answers and
cross-lingual figures on a labelled dataset; JSON and PNGs under bench/results/."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

DEFAULT_DATA = "../shared/data/banking77"


class Command(BaseCommand):
    help = "Measure the answer bot and intent triage on a folder with train.csv and test.csv."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data",
            default=os.environ.get("ATIENDE_EVAL_DATA", DEFAULT_DATA),
            help="folder with train.csv, test.csv and optional ood.txt, test_<lang>.csv, "
            "sensitive.txt (default: $ATIENDE_EVAL_DATA or ../shared/data/banking77)",
        )
        parser.add_argument(
            "--output",
            default=None,
            help="where the JSON and PNGs go (default: bench/results in the project)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from atiende.assistant.evaluation.run import evaluate

        folder = Path(options["data"]).expanduser()
        if not (folder / "train.csv").is_file() or not (folder / "test.csv").is_file():
            raise CommandError(
                f"{folder} needs train.csv and test.csv (a text and a category column)"
            )
        output = Path(options["output"] or settings.PROJECT_DIR / "bench" / "results")

        def progress(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        try:
            result = evaluate(folder, output, progress)
        except (ValueError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        intent, bot = result["intent"], result["answer_bot"]
        self.stdout.write(
            self.style.SUCCESS(
                f"intent accuracy {intent['accuracy']:.2%}; bot coverage "
                f"{bot['test']['coverage']:.1%} at precision {bot['test']['precision']:.1%}; "
                f"out-of-domain answered {bot['out_of_domain']['false_answer_rate']:.1%}"
            )
        )
