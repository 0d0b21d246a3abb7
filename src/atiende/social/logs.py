"""Keep Telegram bot tokens out of the logs.

The Bot API puts the token in the request path (`/bot<token>/sendMessage`), and httpx logs every
request's URL at INFO. This filter, on httpx's logger, replaces the token before the record is
written.
"""

from __future__ import annotations

import logging
import re

BOT_TOKEN = re.compile(r"/(file/)?bot\d+:[A-Za-z0-9_-]+")


class RedactBotTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                BOT_TOKEN.sub(r"/\1bot•••", str(arg)) if "/bot" in str(arg) else arg
                for arg in record.args
            )
        if isinstance(record.msg, str) and "/bot" in record.msg:
            record.msg = BOT_TOKEN.sub(r"/\1bot•••", record.msg)
        return True


def install() -> None:
    target = logging.getLogger("httpx")
    if not any(isinstance(item, RedactBotTokens) for item in target.filters):
        target.addFilter(RedactBotTokens())
