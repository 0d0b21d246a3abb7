from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversationsConfig(AppConfig):
    name = "atiende.conversations"
    label = "conversations"
    verbose_name = _("Conversations")

    def ready(self) -> None:
        from atiende.conversations import outbox  # noqa: F401  registers the delivery task
