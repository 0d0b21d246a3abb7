"""Signed HTTP calls to URLs that admins configure: the API channel's reply callback and the
outgoing webhooks (`atiende.webhooks`).

The signature is shaped like Stripe's: `X-Atiende-Signature: t=<unix>,v1=<hex>`, the hex being
HMAC-SHA256 with the shared secret over `"<t>." + body`.

The client reaches public addresses only (SSRF, Zammad CVE-2025-32358): every address the host
name resolves to is checked when the connection is made, and the connection goes to the
address that was checked (a DNS answer that changes between a check and the connect gains
nothing); redirects are never followed; proxies named in the environment are ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import time
from collections.abc import Iterable
from urllib.parse import urlsplit

import httpcore
import httpx

SIGNATURE_HEADER = "X-Atiende-Signature"


class DestinationRefused(Exception):
    """The URL is not http(s), or its host resolves to an address that is not public: trying
    again will not help."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(secrets_: list[str], header: str, body: bytes, tolerance: int = 300) -> bool:
    """Check a `t=...,v1=...` header against any active secret (two during a rotation). The
    header may carry several `v1` signatures (a sender signing with two secrets): one that
    matches is enough."""
    timestamp_text = ""
    given: list[str] = []
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        if name == "t":
            timestamp_text = value
        elif name == "v1":
            given.append(value)
    try:
        timestamp = int(timestamp_text)
    except ValueError:
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = [sign(secret, timestamp, body).split("v1=", 1)[1] for secret in secrets_ if secret]
    return any(hmac.compare_digest(mine, theirs) for mine in expected for theirs in given)


def check_url(url: str) -> None:
    """The URL's shape: http(s) with a host name (its addresses are checked at connect time)."""
    try:
        parts = urlsplit(url)
        hostname, _port = parts.hostname, parts.port
    except ValueError as exc:  # unbalanced brackets, a port out of range
        raise DestinationRefused(f"not a valid URL: {url!r}") from exc
    if parts.scheme not in {"http", "https"} or not hostname:
        raise DestinationRefused(f"the URL must be http(s): {url!r}")


def is_public(address: str) -> bool:
    """A global unicast address; IPv4-mapped IPv6 addresses are judged by their IPv4 part."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class _PublicOnlyBackend(httpcore.SyncBackend):
    """Resolves the host itself, refuses it if any of its addresses is not public, and
    connects to one of the addresses it checked."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        for address in addresses:
            if not is_public(address):
                raise DestinationRefused(f"{host} resolves to {address}, which is not public")
        error: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in addresses:
            try:
                return super().connect_tcp(
                    address, port, timeout, local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error


def client(*, timeout: float, allow_private: bool = False) -> httpx.Client:
    """An HTTP client for admin-configured URLs. `allow_private` lifts the address check (a
    development or test setting: a receiver on this machine or the local network)."""
    transport = httpx.HTTPTransport(retries=0)
    if not allow_private:
        # httpx takes no network backend of its own; its connection pool does.
        transport._pool._network_backend = _PublicOnlyBackend()
    return httpx.Client(
        transport=transport, timeout=timeout, follow_redirects=False, trust_env=False
    )


def post(
    url: str, body: bytes, headers: dict[str, str], *, timeout: float, allow_private: bool = False
) -> httpx.Response:
    """POST `body` to `url` (one attempt, no redirect). Raises `DestinationRefused` for a URL
    that may not be called, `httpx.HTTPError` for what the network did."""
    check_url(url)
    try:
        with client(timeout=timeout, allow_private=allow_private) as http:
            return http.post(url, content=body, headers=headers)
    except httpx.InvalidURL as exc:  # not an HTTPError: a host name httpx cannot encode
        raise DestinationRefused(f"not a valid URL: {url!r}") from exc
