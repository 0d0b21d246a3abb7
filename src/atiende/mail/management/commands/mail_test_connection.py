"""`python -m atiende mail_test_connection [inbox id ...]`: try each email inbox's servers."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from atiende.inboxes.models import ChannelKind, Inbox
from atiende.mail.connection import check_inbox


class Command(BaseCommand):
    help = "Connect to the SMTP and IMAP servers of email inboxes and show their answers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("inbox_ids", nargs="*", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        inboxes = Inbox.objects.filter(channel=ChannelKind.EMAIL)
        if options["inbox_ids"]:
            inboxes = inboxes.filter(pk__in=options["inbox_ids"])
        failed = 0
        for inbox in inboxes:
            for report in check_inbox(inbox):
                failed += not report.ok
                style = self.style.SUCCESS if report.ok else self.style.ERROR
                self.stdout.write(style(f"[{inbox.pk}] {inbox.name}: {report}"))
        if failed:
            raise SystemExit(1)
