from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "atiende.conversations"
    label = "conversations"
    verbose_name = "conversations"

    def ready(self) -> None:
        from atiende.conversations import outbox  # noqa: F401  registers the delivery task
