"""Rate limits and size limits of the chat channel.

Counted with `core.ratelimit` (the cache: per process when embedded, Redis when scaled out), per
visitor and per client address, for sessions, websocket connections and messages. Operators
tune them in `ATIENDE_RATE_LIMITS` under the scope names below; the defaults apply otherwise.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from atiende.core import ratelimit
from atiende.core.errors import ActionError

# (count, seconds). Per address limits are generous: offices and mobile carriers put many
# visitors behind one address.
DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "chat_session_ip": (120, 60),
    "chat_connect_ip": (240, 60),
    "chat_connect_visitor": (30, 60),
    "chat_message_ip": (600, 60),
    "chat_message_visitor": (40, 60),
}
# Longest message text, and longest websocket frame (JSON with the text in it).
MAX_TEXT = 4000
MAX_FRAME = 16 * 1024
# The client pings this often; a socket silent for SILENT_CLOSE seconds is closed.
HEARTBEAT_SECONDS = 20
SILENT_CLOSE_SECONDS = 60
# Frames per socket: a burst, then a steady rate (typing and pings included).
FRAME_BURST = 30
FRAMES_PER_SECOND = 5.0


class RateLimited(ActionError):
    """Too many requests from this visitor or address (HTTP 429)."""

    status_code = 429

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or _("You are sending too fast. Wait a moment and try again."))


def allow(scope: str, ident: str) -> bool:
    # `core.ratelimit.hit` reads the limit from ATIENDE_RATE_LIMITS; the chat scopes get their
    # defaults there unless the operator set them (settings.py does not know about chat).
    settings.ATIENDE_RATE_LIMITS.setdefault(scope, DEFAULT_LIMITS[scope])
    return ratelimit.hit(scope, ident)


def check(*limits: tuple[str, str]) -> None:
    """Count one attempt in every (scope, ident); RateLimited if any is over its limit."""
    results = [allow(scope, ident) for scope, ident in limits]
    if not all(results):
        raise RateLimited


class TokenBucket:
    """The per-socket frame budget: in memory, no I/O, checked for every frame."""

    def __init__(self, burst: int = FRAME_BURST, rate: float = FRAMES_PER_SECOND) -> None:
        self.burst = float(burst)
        self.rate = rate
        self.tokens = float(burst)
        self.updated = 0.0

    def take(self, now: float) -> bool:
        if self.updated:
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
