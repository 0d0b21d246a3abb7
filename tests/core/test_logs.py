"""No secret in the server's log: query strings (the chat socket's session token) are cut."""

from __future__ import annotations

import logging

from atiende.core.logs import RedactQueryStrings, uvicorn_log_config


def test_websocket_and_access_lines_lose_their_query_strings() -> None:
    record = logging.LogRecord(
        "uvicorn.error",
        logging.INFO,
        __file__,
        1,
        '%s - "WebSocket %s" [accepted]',
        ("127.0.0.1:50000", "/ws/chat/?session=s3cr3t-token"),
        None,
    )

    assert RedactQueryStrings().filter(record)

    assert record.getMessage() == '127.0.0.1:50000 - "WebSocket /ws/chat/?…" [accepted]'


def test_the_servers_logging_configuration_filters_every_handler() -> None:
    config = uvicorn_log_config()

    assert config["filters"]["redact_query_strings"]["()"] == "atiende.core.logs.RedactQueryStrings"
    assert config["handlers"]
    for handler in config["handlers"].values():
        assert "redact_query_strings" in handler["filters"]
