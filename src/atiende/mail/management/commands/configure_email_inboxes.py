"""`python -m atiende configure_email_inboxes`: create or update inboxes from ATIENDE_EMAIL_INBOXES.

Inboxes are matched by address; keys given in the variable replace those in the inbox's
configuration, other keys are kept. Nothing is deleted.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from atiende.inboxes.models import ChannelKind, Inbox
from atiende.mail import config


class Command(BaseCommand):
    help = "Create or update email inboxes from the ATIENDE_EMAIL_INBOXES environment variable."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            specs = config.inbox_specs()
        except config.ConfigError as exc:
            raise CommandError(str(exc)) from exc
        with transaction.atomic():
            for spec in specs:
                inbox = next(
                    (
                        candidate
                        for candidate in Inbox.objects.filter(channel=ChannelKind.EMAIL)
                        if config.address(candidate) == spec.address
                    ),
                    None,
                )
                created = inbox is None
                if inbox is None:
                    inbox = Inbox(channel=ChannelKind.EMAIL)
                inbox.name = spec.name
                inbox.language = spec.language
                inbox.config = {**inbox.config, **spec.config, "address": spec.address}
                inbox.save()
                verb = "created" if created else "updated"
                self.stdout.write(f"{verb} inbox {inbox.pk} {spec.address}")
