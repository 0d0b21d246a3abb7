"""Routers in separate processes never put an agent over capacity (SQLite with BEGIN IMMEDIATE,
PostgreSQL with row locks): eight chats routed at the same moment by two processes of two
threads each."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.live import ROOT, Server, server_database

SEED = """
import json
from django.core.management import call_command
call_command("migrate", verbosity=0)
from atiende.conversations.actions import receive_message
from atiende.core import hooks
from atiende.inboxes.contract import InboundMessage
from atiende.inboxes.models import Inbox
from atiende.people.models import Team, User
from atiende.workflow import presence
from atiende.workflow.models import AgentProfile

team = Team.objects.create(name="Support", slug="support")
inbox = Inbox.objects.create(name="Chat", channel="chat", default_team=team)
agents = []
for username, capacity in [("ana", 2), ("bruno", 1)]:
    agent = User.objects.create_user(username=username, password="x-not-used")
    agent.teams.add(team)
    AgentProfile.objects.create(user=agent, capacity=capacity)
    presence.set_status(agent, "online")
    agents.append(agent.pk)
ids = []
with hooks.suspended():
    for n in range(8):
        ids.append(receive_message(InboundMessage(
            inbox_id=inbox.pk, identity_kind="chat", identity_value=f"visitor-{n}",
            text="hello", new_conversation=True,
        )).conversation.pk)
print(json.dumps({"ids": ids, "agents": agents}))
"""

ROUTER = """
import json, time
from concurrent.futures import ThreadPoolExecutor
from django.db import connection
from atiende.workflow.models import ChatRoute
from atiende.workflow.routing import chat_loads, route_conversation

def route(pk):
    try:
        return route_conversation(pk).value
    finally:
        connection.close()

while time.time() < START:
    time.sleep(0.002)
with ThreadPoolExecutor(2) as pool:
    outcomes = list(pool.map(route, IDS))
while time.time() < START + 5:  # both processes are done by then
    time.sleep(0.05)
print(json.dumps({
    "outcomes": outcomes,
    "loads": {str(k): v for k, v in chat_loads(AGENTS).items()},
    "queued": ChatRoute.objects.filter(state="queued").count(),
}))
"""


def test_concurrent_routers_never_exceed_capacity(tmp_path: Path) -> None:
    with server_database(tmp_path) as env:
        seeded = Server("", env).shell(SEED)
        ids, agents = seeded["ids"], seeded["agents"]
        start = time.time() + 8  # both processes have loaded Django by then
        code = ROUTER.replace("START", repr(start)).replace("AGENTS", repr(agents))
        routers = [
            subprocess.Popen(
                [sys.executable, "-m", "atiende", "shell", "-c", code.replace("IDS", repr(part))],
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for part in (ids[0::2], ids[1::2])
        ]
        results = []
        for router in routers:
            out, err = router.communicate(timeout=120)
            assert router.returncode == 0, err[-3000:]
            results.append(json.loads(out.strip().splitlines()[-1]))

    outcomes = sorted(results[0]["outcomes"] + results[1]["outcomes"])
    assert outcomes == ["assigned"] * 3 + ["queued"] * 5
    expected = {"loads": {str(agents[0]): 2, str(agents[1]): 1}, "queued": 5}
    assert {key: results[1][key] for key in expected} == expected
