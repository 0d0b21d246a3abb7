"""Migrate and seed the database of a server that a test starts: an admin with an API token,
an API inbox and one conversation. Prints what the test needs as JSON.

Run as `python -m tests.api.server_seed` with the server's environment.
"""

from __future__ import annotations

import json
import os
import sys

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from atiende.api.tokens import create_token
    from atiende.inboxes.models import ChannelKind
    from tests.factories import Factory

    factory = Factory()
    team = factory.team("Support")
    admin = factory.user(role="admin", teams=[team], username="fuzz-admin")
    inbox = factory.inbox(channel=ChannelKind.API, team=team)
    conversation = factory.conversation(inbox=inbox, email="fuzz@example.test")
    _token, raw = create_token(admin, "schemathesis")
    json.dump({"token": raw, "inbox_id": inbox.pk, "conversation_id": conversation.pk}, sys.stdout)


if __name__ == "__main__":
    main()
