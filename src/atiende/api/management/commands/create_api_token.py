"""`python -m atiende create_api_token <username> [--name N]`: print a new token once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from atiende.api.tokens import create_token
from atiende.core.errors import ActionError
from atiende.people.models import User


class Command(BaseCommand):
    help = "Create an API token acting as an agent; the token is printed once and never stored."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="what the token is for")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No agent named {options['username']!r}.")
        try:
            token, raw = create_token(user, options["name"])
        except ActionError as exc:
            raise CommandError(exc.detail) from exc
        self.stderr.write(f"Token {token.prefix}… for {user.username}; it will not be shown again.")
        self.stdout.write(raw)
