"""The satisfaction survey plugs into the core here: a subscriber to solves, a panel and two
timeline events on the conversation page, and the demo's ratings."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class SatisfactionConfig(AppConfig):
    name = "atiende.satisfaction"
    label = "satisfaction"
    verbose_name = _("Customer satisfaction")

    def ready(self) -> None:
        from atiende.conversations import extensions
        from atiende.core import hooks
        from atiende.satisfaction import demo, subscribers, timeline

        hooks.subscribe("conversation.status_changed", subscribers.on_status_changed)
        extensions.register_panel("satisfaction", "satisfaction:panel", order=30)
        for kind, describe in timeline.DESCRIPTIONS.items():
            extensions.register_event(kind, describe)
        demo.register()
        post_save.connect(settings_for_new_inbox, sender="inboxes.Inbox")


def settings_for_new_inbox(sender: type, instance: Any, created: bool, **kwargs: Any) -> None:
    """Every inbox gets its survey switch (on), so the admin lists each inbox to turn off."""
    if created and not kwargs.get("raw"):
        from atiende.satisfaction.models import SurveySettings

        SurveySettings.objects.get_or_create(inbox=instance)
