from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxesConfig(AppConfig):
    name = "atiende.inboxes"
    label = "inboxes"
    verbose_name = _("Inboxes")

    def ready(self) -> None:
        from atiende.inboxes import registry

        registry.load_builtin_adapters()
