"""`python -m atiende train_triage` (`make train`): retrain triage from labelled conversations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from atiende.assistant.training import train
from atiende.core.errors import ActionError


class Command(BaseCommand):
    help = "Retrain triage's intent classifier from the conversations agents labelled."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", default="", help="Write the model here instead.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = train(Path(options["output"]) if options["output"] else None)
        except ActionError as exc:
            raise CommandError(exc.detail) from exc
        accuracy = "n/a" if result.accuracy is None else f"{result.accuracy:.1%}"
        self.stdout.write(
            f"Trained on {result.examples} conversations in {result.categories} categories; "
            f"accuracy on {result.heldout} held out: {accuracy}. Model: {result.path}"
        )
