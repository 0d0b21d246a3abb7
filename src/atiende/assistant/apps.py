"""The assistant app: the answer bot, triage and agent assist plug into the core here."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistantConfig(AppConfig):
    name = "atiende.assistant"
    label = "assistant"
    verbose_name = _("Answer bot and triage")

    def ready(self) -> None:
        from atiende.assistant import bot, chat, delivery, demo, knowledge, timeline, triage
        from atiende.conversations import extensions
        from atiende.core import hooks

        del delivery  # imported for its task registration
        hooks.subscribe("message.created", bot.on_message_created)
        hooks.subscribe("conversation.created", triage.on_conversation_created)
        hooks.subscribe("helpcenter.article_published", knowledge.on_content_changed)
        extensions.register_panel("assistant", "assistant:panel", order=20)
        for kind, describe in timeline.DESCRIPTIONS.items():
            extensions.register_event(kind, describe)
        chat.register()
        demo.register()
