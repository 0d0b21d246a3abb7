"""An index on conversations' creation time: every report filters on it.

The column belongs to `conversations.Conversation`; the index is created here, by name, so the
reports stay fast without the conversations app's models knowing about them (moving it into
`Conversation.Meta.indexes` later needs only a `SeparateDatabaseAndState`).
"""

from __future__ import annotations

from django.db import migrations

TABLE = "conversations_conversation"
NAME = "reports_conv_created"


class Migration(migrations.Migration):
    dependencies = [("conversations", "0003_list_indexes")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON {TABLE} (created_at)",
            f"DROP INDEX IF EXISTS {NAME}",
        )
    ]
