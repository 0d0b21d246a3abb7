"""The consent app: grants, their timeline events, and the account panel's registration."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsentConfig(AppConfig):
    name = "atiende.consent"
    label = "consent"
    verbose_name = _("Consented access")

    def ready(self) -> None:
        from atiende.consent import chat, messages, tasks  # noqa: F401  tasks: the expiry task
        from atiende.conversations import extensions

        for kind in messages.TIMELINE_KINDS:
            extensions.register_event(kind, messages.describe)
        # The account panel's views live in atiende.accounts.views (owned with this app).
        extensions.register_panel("account", "accounts:panel", order=20)
        chat.register()
