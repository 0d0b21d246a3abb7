"""REST endpoints of the assistant app, mounted by atiende.api.main."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["assistant"])
