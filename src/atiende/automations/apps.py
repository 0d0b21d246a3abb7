"""The automations app: rules that act on conversations through the conversation actions."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationsConfig(AppConfig):
    name = "atiende.automations"
    label = "automations"
    verbose_name = _("Automations")

    def ready(self) -> None:
        from atiende.automations import demo, timeline, triggers

        triggers.connect()
        timeline.register()
        demo.register()
