"""`{{ step.text|markdown_inline }}`: a step's Markdown as sanitised inline HTML."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from atiende.helpcenter import markdown

register = template.Library()


@register.filter
def markdown_inline(value: str) -> SafeString:
    # Safe to mark: render_inline sanitises with core.sanitize (nh3) after rendering.
    return mark_safe(markdown.render_inline(value))  # noqa: S308
