"""`python -m atiende simulate_customer --conversation N --text "..."`: make a conversation's
customer write, through the worker, to watch the inbox update live."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from atiende.conversations.models import Conversation
from atiende.core import tasks


class Command(BaseCommand):
    help = "Queue a message from a conversation's customer (received by the running worker)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--conversation", type=int, required=True)
        parser.add_argument("--text", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        conversation_id = options["conversation"]
        if not Conversation.objects.filter(pk=conversation_id).exists():
            raise CommandError(f"no conversation {conversation_id}")
        token = secrets.token_hex(8)
        tasks.enqueue(
            "realtime.simulated_customer_message",
            {
                "conversation_id": conversation_id,
                "text": options["text"],
                "external_id": f"simulated-{token}",
            },
            key=f"simulated-customer:{token}",
        )
        self.stdout.write(f"queued a customer message for conversation {conversation_id}")
