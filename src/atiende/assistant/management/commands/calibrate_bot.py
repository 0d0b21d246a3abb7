"""`python -m atiende calibrate_bot`: recalibrate the answer bot's confidence threshold from
the published help center's held-out example questions."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from atiende.assistant.knowledge import calibrate


class Command(BaseCommand):
    help = "Recalibrate the answer bot's threshold from the help center's example questions."

    def handle(self, *args: Any, **options: Any) -> None:
        row = calibrate()
        if row is None:
            raise CommandError("No article has two or more example questions to hold out.")
        self.stdout.write(f"Calibrated on {row.heldout} held-out questions: {row.policy}")
