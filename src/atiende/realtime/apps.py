"""The realtime app: websocket consumers and the simulated-customer task."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RealtimeConfig(AppConfig):
    name = "atiende.realtime"
    label = "realtime"
    verbose_name = _("Live updates")

    def ready(self) -> None:
        from atiende.realtime import simulate  # noqa: F401  registers its task
