from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "atiende.realtime"
    label = "realtime"
    verbose_name = "realtime"
