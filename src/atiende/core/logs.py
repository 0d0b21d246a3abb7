"""Logging filters: no secret in a log line (SECURITY.md I8).

uvicorn logs every websocket handshake as `"WebSocket /ws/chat/?session=..." [accepted]`; the
query string of a chat socket carries the visitor's session token. `RedactQueryStrings` cuts the
query string out of the paths uvicorn logs, for HTTP access lines and websocket lines alike.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

_QUERY = re.compile(r"(/[^\s?\"]*)\?[^\s\"]*")


def redact(value: object) -> object:
    return _QUERY.sub(r"\1?…", value) if isinstance(value, str) else value


class RedactQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: redact(value) for key, value in record.args.items()}
        record.msg = redact(record.msg)
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration with the redacting filter on every handler."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_query_strings"] = {
        "()": "atiende.core.logs.RedactQueryStrings"
    }
    for handler in config.get("handlers", {}).values():
        handler.setdefault("filters", []).append("redact_query_strings")
    return config
