from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "atiende.portal"
    label = "portal"
    verbose_name = "portal"
