"""Service levels: response and resolution targets, the clocks and breaches."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SLAConfig(AppConfig):
    name = "atiende.sla"
    label = "sla"
    verbose_name = _("Service levels")

    def ready(self) -> None:
        from atiende.conversations import extensions
        from atiende.sla import demo, tasks, timeline

        tasks.connect()
        extensions.register_panel("sla", "sla:panel", order=3)
        timeline.register()
        demo.register()
