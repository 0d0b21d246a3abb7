"""`python -m atiende load_demo`: load the Sonora demo once, then print how to sign in.

Run by `make run` after `migrate`. A second run loads nothing and prints the sign-in details
again, with a fresh single-use portal link.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from atiende.demo import data, loader
from atiende.demo import extensions as demo_extensions


class Command(BaseCommand):
    help = "Load the Sonora demo (teams, agents, inboxes, ~200 conversations), once."

    def handle(self, *args: Any, **options: Any) -> None:
        if loader.is_loaded():
            self.stdout.write("The Sonora demo is already loaded.")
        else:
            self.stdout.write("Loading the Sonora demo (English and Spanish support)...")
            try:
                built, seconds = loader.load(progress=self._progress)
            except loader.AlreadyLoaded:
                self.stdout.write("The Sonora demo was loaded meanwhile by another process.")
            else:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Demo loaded in {seconds:.1f} s: {built.conversations} conversations, "
                        f"{built.customers} customers, {built.messages} messages."
                    )
                )
        self._sign_in()

    def _progress(self, done: int, total: int) -> None:
        self.stdout.write(f"  conversations {done}/{total}")

    def _sign_in(self) -> None:
        site = settings.SITE_URL
        write = self.stdout.write
        write("")
        write(self.style.SUCCESS(f"atiende is ready at {site}/"))
        write(f"Agents sign in at {site}/login/ (demo-only password, set when the demo loaded):")
        main = {"demo-agent": "agent", "demo-supervisor": "supervisor", "demo-admin": "admin"}
        for username, role in main.items():
            write(f"  {role:<11} {username:<16} password {data.DEMO_PASSWORD}")
        others = [agent.username for agent in data.AGENTS if agent.username not in main]
        write(f"  more agents: {', '.join(others)} (same password)")
        write(f"  configuration (admin only): {site}/admin/")
        write(f"Customers write from the Help form: {site}/help/")
        for customer in loader.sign_in_details()["customers"]:
            write(
                f"Customer portal as {customer['name']} <{customer['email']}> "
                f"({customer['language']}), a single-use sign-in link:"
            )
            write(f"  {customer['link']}")
        for extension in demo_extensions.extensions():
            if extension.sign_in is not None:
                for line in extension.sign_in():
                    write(line)
