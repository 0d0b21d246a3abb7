from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistantConfig(AppConfig):
    name = "atiende.assistant"
    label = "assistant"
    verbose_name = _("Answer bot and triage")
