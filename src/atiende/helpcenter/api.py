"""REST endpoints of the helpcenter app, mounted by atiende.api.main."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["helpcenter"])
