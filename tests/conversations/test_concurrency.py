"""Concurrent writers from several processes: no "database is locked", no duplicates.

Four processes deliver the same 40 provider messages for one customer at the same time, as a
provider that retries aggressively would. With SQLite this relies on BEGIN IMMEDIATE
(SECURITY.md I7); everywhere it relies on the (inbox, external id) unique key (I2).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import process_env

WRITER = r"""
import django, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
django.setup()
from atiende.conversations.actions import receive_message
from atiende.inboxes.contract import InboundMessage
from atiende.inboxes.models import Inbox

inbox, _ = Inbox.objects.get_or_create(name="concurrency", defaults={"channel": "api"})
for n in range(40):
    receive_message(InboundMessage(
        inbox_id=inbox.pk, identity_kind="email", identity_value="same@example.test",
        text=f"message {n}", external_id=f"provider-{n}",
    ))
print("ok")
"""

COUNT = r"""
import django, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "atiende.settings")
django.setup()
from atiende.conversations.models import Conversation, Message
from atiende.people.models import Contact
print(Message.objects.count(), Conversation.objects.count(), Contact.objects.count())
"""


@pytest.mark.django_db(transaction=True)
def test_four_processes_delivering_the_same_messages_store_each_once(tmp_path: Path) -> None:
    env = process_env(tmp_path)
    # The inbox is created once before the race, so the writers only race on messages.
    subprocess.run(
        [sys.executable, "-c", WRITER.replace("range(40)", "range(0)")], env=env, check=True
    )
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(4)
    ]
    results = [writer.communicate(timeout=180) for writer in writers]

    assert [writer.returncode for writer in writers] == [0, 0, 0, 0], results
    counts = subprocess.run(
        [sys.executable, "-c", COUNT], env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    assert counts == ["40", "1", "1"]
