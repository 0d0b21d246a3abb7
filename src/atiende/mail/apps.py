"""The email channel's Django app: registers the email adapter and the mail tasks."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "atiende.mail"
    label = "mail"
    verbose_name = _("email")

    def ready(self) -> None:
        from atiende.inboxes import registry
        from atiende.mail import pipeline  # noqa: F401 - registers the mail_process task
        from atiende.mail.outbound import EmailAdapter

        registry.register(EmailAdapter())
