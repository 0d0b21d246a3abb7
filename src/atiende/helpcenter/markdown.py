"""Article Markdown to safe HTML: markdown-it-py (CommonMark + tables), then `core.sanitize`.

Raw HTML inside the Markdown is not interpreted (it is shown as text), and the rendered HTML is
sanitised anyway: no script, no event handlers, no `javascript:`/`data:` URLs, no SVG.
"""

from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt

from atiende.core.sanitize import clean_html, html_to_text


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render(source: str) -> str:
    """Sanitised HTML for the Markdown `source`."""
    return clean_html(_parser().render(source or ""))


def to_text(source: str) -> str:
    """Plain text of the Markdown `source` (for search, snippets and the answer bot)."""
    return html_to_text(render(source))


def render_inline(source: str) -> str:
    """Sanitised HTML for one line of Markdown (a step): emphasis, code and links, no blocks."""
    return clean_html(_parser().renderInline(source or ""))


def inline_to_text(source: str) -> str:
    """Plain text of one line of Markdown (`**Account**` → `Account`)."""
    return html_to_text(render_inline(source))
