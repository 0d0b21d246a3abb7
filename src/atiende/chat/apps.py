"""The live chat channel: widget, in-app SDK, visitor websocket, outbox adapter."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "atiende.chat"
    label = "chat"
    verbose_name = _("Live chat")

    def ready(self) -> None:
        from atiende.chat import demo, offline, pushes
        from atiende.chat.adapter import ChatAdapter
        from atiende.conversations.extensions import register_event
        from atiende.core import hooks
        from atiende.inboxes import registry

        registry.register(ChatAdapter())
        hooks.subscribe("message.created", pushes.on_message_created)
        hooks.subscribe("conversation.created", pushes.on_conversation_created)
        register_event("chat.email_given", offline.describe_email_given)
        demo.register()
