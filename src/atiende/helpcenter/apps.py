"""The help center: articles per language, public pages, search, suggestions, the editor."""

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

# (requests, seconds) per client address; an operator's ATIENDE_RATE_LIMITS entries win.
RATE_LIMITS = {"helpcenter_feedback": (10, 60), "helpcenter_suggest": (120, 60)}


class HelpcenterConfig(AppConfig):
    name = "atiende.helpcenter"
    label = "helpcenter"
    verbose_name = _("Help center")

    def ready(self) -> None:
        for scope, limit in RATE_LIMITS.items():
            settings.ATIENDE_RATE_LIMITS.setdefault(scope, limit)
        from atiende.demo import extensions as demo_extensions
        from atiende.helpcenter import demo

        demo_extensions.register("helpcenter", load=demo.load_part, sign_in=demo.sign_in, order=10)
