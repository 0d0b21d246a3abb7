"""The workflow app: business hours, agent availability and live-chat routing."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "atiende.workflow"
    label = "workflow"
    verbose_name = _("Routing and business hours")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out

        from atiende.conversations import extensions
        from atiende.workflow import demo, subscribers, timeline

        subscribers.subscribe()
        user_logged_out.connect(subscribers.on_logged_out, dispatch_uid="workflow-signed-out")
        extensions.register_panel("routing", "workflow:routing_panel", order=5)
        timeline.register()
        demo.register()
