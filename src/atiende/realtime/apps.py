"""The realtime app: websocket consumers and the simulated-customer task."""

from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "atiende.realtime"
    label = "realtime"
    verbose_name = "realtime"

    def ready(self) -> None:
        from atiende.realtime import simulate  # noqa: F401  registers its task
