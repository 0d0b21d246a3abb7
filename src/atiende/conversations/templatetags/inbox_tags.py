"""Filters for the inbox templates: message bodies and people's names."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from atiende.conversations.models import Direction, Message
from atiende.core.sanitize import clean_html

register = template.Library()


@register.filter
def sanitized(value: str) -> SafeString:
    """Message HTML, sanitised again at render time: bodies are cleaned when stored, and
    cleaning twice costs little next to trusting every past writer."""
    return mark_safe(clean_html(value or ""))  # noqa: S308 - nh3 has just cleaned it


@register.filter
def author(message: Message) -> str:
    person = message.author_user or message.author_contact
    if person:
        return str(person)
    if message.direction == Direction.BOT:
        return str(_("Answer bot"))
    if message.direction == Direction.OUTBOUND:
        # Written by atiende itself: an acknowledgement, a warning about a removed secret.
        return str(_("Automatic message"))
    return ""
