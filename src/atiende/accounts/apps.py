"""The accounts app: customers' accounts (built-in or HTTP provider), actions, policy."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "atiende.accounts"
    label = "accounts"
    verbose_name = _("Customer accounts")

    def ready(self) -> None:
        from atiende.accounts import demo, tasks, timeline  # noqa: F401  tasks: approval expiry

        timeline.register()
        demo.register()
