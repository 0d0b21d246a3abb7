"""Every inbox that existed before the survey gets its switch (on), as new inboxes do."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def create_settings(apps: Any, schema_editor: Any) -> None:
    inbox_model = apps.get_model("inboxes", "Inbox")
    settings_model = apps.get_model("satisfaction", "SurveySettings")
    existing = set(settings_model.objects.values_list("inbox_id", flat=True))
    settings_model.objects.bulk_create(
        settings_model(inbox_id=pk, enabled=True)
        for pk in inbox_model.objects.values_list("pk", flat=True)
        if pk not in existing
    )


class Migration(migrations.Migration):
    dependencies = [("satisfaction", "0001_initial")]

    operations = [migrations.RunPython(create_settings, migrations.RunPython.noop)]
