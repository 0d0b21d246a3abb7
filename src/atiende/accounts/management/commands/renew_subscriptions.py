"""`python -m atiende renew_subscriptions [--schedule]`: run the built-in provider's billing
cycle now (renew every subscription whose period ended) and print what it did; `--schedule`
also queues the recurring `accounts.renew_subscriptions` task for the worker."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from atiende.accounts.builtin.billing import renew_due
from atiende.accounts.provider import get_provider
from atiende.accounts.tasks import schedule_renewals


class Command(BaseCommand):
    help = "Renew the built-in provider's subscriptions whose period has ended."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--schedule", action="store_true", help="also queue the recurring renewal task"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if get_provider().name != "builtin":
            raise CommandError("Renewals run in the business's own back end (HTTP provider).")
        renewals = renew_due()
        for renewal in renewals:
            self.stdout.write(
                f"{renewal.account_id}: {renewal.outcome} {renewal.invoice} "
                f"{renewal.amount} {renewal.currency} (credit {renewal.credit_used}) "
                f"until {renewal.period_end:%Y-%m-%d}"
            )
        self.stdout.write(f"{len(renewals)} renewal(s).")
        if options["schedule"]:
            schedule_renewals()
            self.stdout.write("The recurring renewal task is queued.")
