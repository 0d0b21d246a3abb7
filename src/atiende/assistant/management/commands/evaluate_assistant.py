"""`python -m atiende evaluate_assistant --data <folder>` (what `make eval` runs): intent
accuracy, answer-bot coverage at the target precision, out-of-domain false answers and
cross-lingual figures on a labelled dataset; JSON and PNGs under bench/results/."""

from __future__ import annotations

import csv
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
            help="folder with train and test files (.csv, .tsv, .jsonl, .json) or one data file "
            "with a split column, and optional ood.txt, test_<lang>.csv, sensitive.txt "
            "(default: $ATIENDE_EVAL_DATA or ../shared/data/banking77)",
        )
        parser.add_argument(
            "--text-column", default=None, help="the column (or JSON key) holding the text"
        )
        parser.add_argument(
            "--label-column", default=None, help="the column (or JSON key) holding the category"
        )
        parser.add_argument(
            "--output",
            default=None,
            help="where the JSON and PNGs go (default: bench/results in the project)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from atiende.assistant.evaluation.data import Columns
        from atiende.assistant.evaluation.run import evaluate

        folder = Path(options["data"]).expanduser()
        columns = Columns(text=options["text_column"], label=options["label_column"])
        output = Path(options["output"] or settings.PROJECT_DIR / "bench" / "results")

        def progress(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        try:
            result = evaluate(folder, output, progress, columns=columns)
        except (ValueError, OSError, csv.Error) as exc:
            raise CommandError(str(exc)) from exc
        intent, bot = result["intent"], result["answer_bot"]
        self.stdout.write(
            self.style.SUCCESS(
                f"intent accuracy {intent['accuracy']:.2%}; bot coverage "
                f"{bot['test']['coverage']:.1%} at precision {bot['test']['precision']:.1%}; "
                f"out-of-domain answered {bot['out_of_domain']['false_answer_rate']:.1%}"
            )
        )
