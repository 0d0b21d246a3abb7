"""The reports app: supervisors' numbers, read straight from the other apps' tables."""

from __future__ import annotations

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "atiende.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from atiende.reports.sql import register_sqlite_median

        connection_created.connect(register_sqlite_median, dispatch_uid="atiende.reports.median")
