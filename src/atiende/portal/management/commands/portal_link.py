"""`python -m atiende portal_link <email> [--conversation N]`: print a fresh sign-in link.

For the demo and for support staff helping a customer who cannot receive mail: the link signs
in as the contact who owns that email address, and opens the given conversation.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from atiende.conversations.access import access_customer_conversation
from atiende.core.errors import NotFound
from atiende.portal.links import contact_for_email, portal_link_for


class Command(BaseCommand):
    help = "Print a one-time portal sign-in link for a customer's email address."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="the customer's email address")
        parser.add_argument(
            "--conversation", type=int, default=None, help="open this conversation after sign-in"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = str(options["email"])
        conversation_id: int | None = options["conversation"]
        contact = contact_for_email(email)
        if contact is None:
            raise CommandError(f"No customer has the email address {email}.")
        if conversation_id is not None:
            try:
                access_customer_conversation(contact, conversation_id)
            except NotFound as exc:
                raise CommandError(
                    f"Conversation {conversation_id} is not one of {email}'s."
                ) from exc
        self.stdout.write(portal_link_for(email, conversation_id))
