"""Outgoing webhooks: signed HTTP notifications of events to integrators."""

from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "atiende.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        from atiende.webhooks import delivery

        delivery.subscribe_all()  # and registers the tasks, the pruning recurring
        post_save.connect(delivery.forget_routes, sender="webhooks.Endpoint")
        post_delete.connect(delivery.forget_routes, sender="webhooks.Endpoint")
