"""Fixtures shared by the browser tests."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.live import free_port

# A page of the business's own site, with the widget embedded by its one script tag.
EMBEDDING_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Sonora</title></head>
<body><h1>Sonora host page</h1>
<script src="{server}/static/chat/widget.js" data-widget-key="{key}" async></script>
</body></html>"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


@dataclass(frozen=True)
class HostSite:
    """A third-party site (another origin than the server's) serving pages from `root`."""

    origin: str
    root: Path

    def embed(self, name: str, server_url: str, widget_key: str) -> str:
        """Write `name`.html embedding the widget `widget_key` of `server_url`; its address."""
        page = EMBEDDING_PAGE.format(server=server_url, key=widget_key)
        (self.root / f"{name}.html").write_text(page)
        return f"{self.origin}/{name}.html"


@pytest.fixture
def host(tmp_path: Path) -> Iterator[HostSite]:
    root = tmp_path / "site"
    root.mkdir()
    port = free_port()
    handler = functools.partial(QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield HostSite(f"http://127.0.0.1:{port}", root)
    finally:
        httpd.shutdown()
        httpd.server_close()
