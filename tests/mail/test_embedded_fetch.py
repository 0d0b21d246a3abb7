"""`make run`'s single process also follows IMAP: the server's lifespan starts the fetcher thread,
and the embedded worker turns what it fetched into a conversation."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import process_env
from tests.mail import imapserver
from tests.mail.imapserver import ImapServer

SETUP = r"""
import django, json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
django.setup()
from atiende.inboxes.models import Inbox
imap = json.loads(sys.argv[1])
Inbox.objects.create(
    name="Support mail", channel="email",
    config={"address": "support@atiende.example", "imap": imap},
)
"""

SUBJECTS = r"""
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
django.setup()
from atiende.conversations.models import Conversation
print("\n".join(Conversation.objects.values_list("subject", flat=True)))
"""


@pytest.fixture
def dovecot() -> Iterator[ImapServer]:
    with imapserver.running() as running:
        yield running


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.xdist_group("imap")
@pytest.mark.django_db(transaction=True)
def test_the_embedded_server_fetches_imap_mail_into_a_conversation(
    dovecot: ImapServer, tmp_path: Path
) -> None:
    env = process_env(tmp_path)
    env["ATIENDE_EMBEDDED_FETCH_MAIL"] = "1"
    env["ATIENDE_EMBEDDED_WORKER"] = "1"
    imap = {**dovecot.config, "folder": "INBOX", "poll_seconds": 1}
    subprocess.run([sys.executable, "-c", SETUP, json.dumps(imap)], env=env, check=True)
    dovecot.deliver([imapserver.message(1, subject="Mi factura está duplicada")])
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "atiende", "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        subjects: list[str] = []
        while time.monotonic() < deadline and not subjects:
            time.sleep(0.5)
            output = subprocess.run(
                [sys.executable, "-c", SUBJECTS],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            subjects = [line for line in output.splitlines() if line]
    finally:
        server.terminate()
        server.wait(timeout=20)

    assert subjects == ["Mi factura está duplicada"]
