"""The chat's part of the Sonora demo: a "Website chat" inbox with its widget, and the demo page
`/demo/sonora/` (Sonora's landing page with the widget embedded by one script tag).

`load_demo` prints where the page is and an example of a signed identity: the page's "signed in
as Rosa" variant passes `data-user-id` and `data-user-hash` computed on the server, as a
business's back end would.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from atiende.chat.identity import user_hash
from atiende.chat.models import ChatWidget
from atiende.inboxes.models import ChannelKind, Inbox

INBOX_NAME = "Website chat"
DEMO_USER_ID = "sonora-user-1001"


def load(builder: Any) -> None:
    if Inbox.objects.filter(channel=ChannelKind.CHAT).exists():
        inbox = Inbox.objects.filter(channel=ChannelKind.CHAT).order_by("pk").first()
    else:
        inbox = Inbox.objects.create(name=INBOX_NAME, channel=ChannelKind.CHAT, language="en")
    assert inbox is not None
    builder.inboxes.setdefault("chat", inbox)
    ChatWidget.objects.get_or_create(
        inbox=inbox,
        defaults={
            "title": "Sonora",
            "greeting": "Hi! 👋 Questions about your plan, the app or a payment? We're here.",
            "color": "#7c3aed",
        },
    )


def sign_in() -> list[str]:
    widget = ChatWidget.objects.select_related("inbox").order_by("pk").first()
    if widget is None:
        return []
    page = f"{settings.SITE_URL}/demo/sonora/"
    return [
        f"Live chat demo: open {page} in one window (a visitor) and the inbox in another.",
        (
            f"  Signed-in visitor example: {page}?as=rosa (user_id={DEMO_USER_ID}, "
            f"user_hash={user_hash(widget.inbox.secret, DEMO_USER_ID)[:16]}…)"
        ),
    ]


def register() -> None:
    from atiende.demo import extensions

    extensions.register("chat", load=load, sign_in=sign_in, order=20)
