"""URL routes of the assistant app (mounted at the site root: the app chooses its own prefixes)."""

from __future__ import annotations

from django.urls import path

from atiende.assistant.views import links, page, panel

app_name = "assistant"
urlpatterns = [
    path("inbox/assistant/", page.bot_page, name="page"),
    path("inbox/assistant/curve.png", page.curve_png, name="curve"),
    path("inbox/assistant/calibrate/", page.recalibrate, name="calibrate"),
    path("inbox/assistant/inboxes/<int:inbox_id>/", page.inbox_settings, name="inbox_settings"),
    path("inbox/c/<int:conversation_id>/assistant/", panel.panel, name="panel"),
    path("inbox/c/<int:conversation_id>/assistant/category/", panel.correct, name="correct"),
    path("inbox/c/<int:conversation_id>/assistant/team/", panel.apply_team, name="apply_team"),
    path("help/bot/<str:token>/", links.reply_link, name="reply_link"),
]
