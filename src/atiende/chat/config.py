"""The public configuration a widget or app reads: looks, pre-chat form, availability, and
every string the widget shows, translated here (the JavaScript holds no English)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from atiende.chat import limits
from atiende.chat.models import ChatWidget
from atiende.workflow.availability import shown_availability


def widget_language(widget: ChatWidget, requested: str = "") -> str:
    """The widget's own language if set, else the visitor's (English or Spanish)."""
    supported = {code for code, _name in settings.LANGUAGES}
    for candidate in (widget.language, requested):
        code = (candidate or "").split("-")[0].lower()
        if code in supported:
            return code
    return settings.LANGUAGE_CODE


def availability(widget: ChatWidget) -> dict[str, Any]:
    """Open and with somebody online, or away (the widget then offers to continue by email);
    at most `availability.SHOWN_SECONDS` old."""
    state = shown_availability(widget.inbox)
    return {
        "open": state.open,
        "next_open": state.next_open.isoformat() if state.next_open else None,
        "agents_online": state.agents_online,
    }


def strings() -> dict[str, str]:
    return {
        "launcher": _("Chat with us"),
        "close": _("Close the chat"),
        "log": _("Conversation"),
        "placeholder": _("Write a message…"),
        "send": _("Send"),
        "attach": _("Attach a file"),
        "typing": _("%(name)s is typing…"),
        "someone_typing": _("Support is typing…"),
        "seen": _("Seen"),
        "sending": _("Sending…"),
        "failed": _("Not sent yet: we will retry when the connection is back."),
        "offline_connection": _("Connection lost. Reconnecting…"),
        "you": _("You"),
        "name": _("Your name"),
        "email": _("Your email"),
        "optional": _("(optional)"),
        "start": _("Start chatting"),
        "prechat_intro": _("Before we start, tell us how to reach you."),
        "away_title": _("We are away right now"),
        "away_intro": _(
            "Leave your email and your question: we will answer by email as soon as we are back."
        ),
        "back_at": _("We are back %(when)s."),
        "nobody_online": _("Nobody is online right now."),
        "email_saved": _("Thanks! We will write to %(email)s."),
        "save_email": _("Save my email"),
        "queue": _("You are number %(position)s in the queue."),
        "queue_next": _("You are next in the queue."),
        "suggestions": _("These articles may answer your question:"),
        "new_messages": _("%(count)s new messages"),
        "error": _("Something went wrong."),
        "unread": _("Unread messages"),
        "download": _("Download %(name)s"),
        "identity_failed": _("We could not verify who you are. Please sign in again."),
    }


def widget_config(widget: ChatWidget, language: str) -> dict[str, Any]:
    with translation.override(language):
        return {
            "widget_key": widget.key,
            "title": widget.title or widget.inbox.name,
            "greeting": widget.greeting or _("Hi! How can we help you today?"),
            "color": widget.color,
            "text_color": widget.text_color,
            "language": language,
            "prechat": {"name": widget.ask_name, "email": widget.ask_email},
            "require_verified_identity": widget.require_verified_identity,
            "suggest_articles": widget.suggest_articles,
            "availability": availability(widget),
            "max_text": limits.MAX_TEXT,
            "max_attachment_bytes": settings.ATIENDE_MAX_ATTACHMENT_BYTES,
            "heartbeat": limits.HEARTBEAT_SECONDS,
            "strings": strings(),
        }
