"""The API bench's own arithmetic and HTTP framing, without servers: percentiles, the summary,
request building and response parsing (content-length and chunked), and the loopback guard."""

from __future__ import annotations

import asyncio
import math
import os

import pytest
from bench.loadgen import (
    Spec,
    build_request,
    cpu_seconds,
    descendants,
    percentile,
    read_response,
    rss_bytes,
    summarize,
)


def test_percentile_interpolates_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.0) == 1.0
    assert percentile(values, 1.0) == 100.0
    assert percentile(values, 0.5) == pytest.approx(50.5)
    assert percentile(values, 0.99) == pytest.approx(99.01)
    assert percentile([7.0], 0.99) == 7.0
    assert math.isnan(percentile([], 0.5))
    with pytest.raises(ValueError, match="fraction"):
        percentile(values, 1.5)


def test_summarize_counts_errors_apart_from_latencies() -> None:
    result = summarize([0.010, 0.020, 0.030, 0.040], errors=1, elapsed=2.0)
    assert result["requests"] == 5
    assert result["ok"] == 4
    assert result["errors"] == 1
    assert result["rps"] == 2.0
    assert result["p50_ms"] == 25.0
    assert result["max_ms"] == 40.0
    empty = summarize([], errors=0, elapsed=1.0)
    assert empty["p99_ms"] is None
    assert empty["rps"] == 0.0


def test_build_request_sets_host_and_length() -> None:
    raw = build_request("POST", "127.0.0.1:8000", "/api/x", {"A": "b"}, b'{"n":1}')
    head, body = raw.split(b"\r\n\r\n", 1)
    assert head.startswith(b"POST /api/x HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nA: b")
    assert b"Content-Length: 7" in head
    assert body == b'{"n":1}'
    assert b"Content-Length" not in build_request("GET", "h", "/", {}, b"")


def _parse(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    async def go() -> tuple[int, dict[str, str], bytes]:
        reader = asyncio.StreamReader()
        reader.feed_data(raw)
        reader.feed_eof()
        response = await read_response(reader)
        return response.status, response.headers, response.body

    return asyncio.run(go())


def test_read_response_content_length_and_chunked() -> None:
    status, headers, body = _parse(b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nokEXTRA")
    assert (status, body) == (201, b"ok")
    assert headers["content-length"] == "2"
    status, _, body = _parse(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    )
    assert (status, body) == (200, b"abcde")
    _, headers, body = _parse(b"HTTP/1.1 200 OK\r\n\r\nuntil close")
    assert body == b"until close"
    assert headers["connection"] == "close"


def test_spec_refuses_non_loopback_targets() -> None:
    base = {"port": 8000, "method": "GET", "path": "/"}
    assert Spec.from_dict({"host": "127.0.0.1", **base}).concurrency == 8
    with pytest.raises(ValueError, match="loopback"):
        Spec.from_dict({"host": "10.0.0.1", **base})
    with pytest.raises(ValueError, match="positive"):
        Spec.from_dict({"host": "127.0.0.1", "max_requests": 0, **base})


def test_proc_readings_of_this_process() -> None:
    me = os.getpid()
    assert me in descendants(me)
    assert cpu_seconds([me]) > 0
    assert rss_bytes(me) > 1024 * 1024
