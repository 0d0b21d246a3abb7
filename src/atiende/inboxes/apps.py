from django.apps import AppConfig


class InboxesConfig(AppConfig):
    name = "atiende.inboxes"
    label = "inboxes"
    verbose_name = "inboxes"

    def ready(self) -> None:
        from atiende.inboxes import registry

        registry.load_builtin_adapters()
