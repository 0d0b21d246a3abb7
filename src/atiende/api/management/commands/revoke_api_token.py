"""`python -m atiende revoke_api_token <prefix>`: stop a token from working."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from atiende.api.models import ApiToken
from atiende.api.tokens import revoke_token


class Command(BaseCommand):
    help = "Revoke API tokens by the prefix shown when they were created (e.g. atk_AbCdEfGh)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        tokens = list(ApiToken.objects.filter(prefix=options["prefix"], revoked=False))
        if not tokens:
            raise CommandError(f"No active token with prefix {options['prefix']!r}.")
        for token in tokens:
            revoke_token(token)
            self.stdout.write(f"Revoked {token.prefix}… ({token.user})")
