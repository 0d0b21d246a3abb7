"""Article Markdown renders to sanitised HTML: the XSS corpus never survives."""

from __future__ import annotations

import re

import pytest

from atiende.helpcenter.markdown import render, to_text


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "![x](javascript:alert(1))",
        '<img src="x" onerror="alert(1)">',
        "<svg onload=alert(1)><circle/></svg>",
        "![svg](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
        '<a href="vbscript:msgbox(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        '[x](https://ok.example "title" onclick="alert(1)")',
    ],
)
def test_xss_never_renders(source: str) -> None:
    html = render(source).lower()
    # Escaped text may mention anything; real tags and attributes may not.
    tags = re.findall(r"<[^>]+>", html)

    assert not [t for t in tags if re.match(r"</?(script|svg|iframe)", t)]
    assert not [t for t in tags if re.search(r"javascript:|vbscript:|data:|\bon[a-z]+=", t)]


def test_markdown_features_and_images_survive() -> None:
    html = render(
        "## Steps\n\n1. Open **Settings**\n2. Tap [Help](https://sonora.example/help)\n\n"
        "![Screen](/hc/images/abc/)\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    )

    assert "<h2>Steps</h2>" in html
    assert "<strong>Settings</strong>" in html
    assert (
        '<a href="https://sonora.example/help" rel="noopener noreferrer nofollow">Help</a>' in html
    )
    assert '<img src="/hc/images/abc/" alt="Screen">' in html
    assert "<td>1</td>" in html


def test_plain_text_for_search_and_the_bot() -> None:
    assert to_text("# Title\n\nSome *emphasis* & more.") == "Title\n\nSome emphasis & more."
