"""The HTTP account provider: a business's own back end speaking the JSON contract documented
in docs/accounts.md.

Every request is signed (`signing.py`), has short timeouts and follows no redirects; POSTs to
actions carry `Idempotency-Key`. Error answers (`{"detail": ...}`) become the matching
`ActionError` (404 → NotFound, 409 → Conflict, 403 → NotAllowed, other 4xx → ActionError); a
timeout, a connection failure or a 5xx becomes an `ActionError` saying the provider is
unavailable. Answers are validated into the same dataclasses the built-in provider returns.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote, urlencode, urlsplit

import httpx
from django.conf import settings
from django.utils.translation import gettext as _
from pydantic import TypeAdapter
from pydantic import ValidationError as SchemaError

from atiende.accounts import signing
from atiende.accounts.types import (
    AccountRef,
    AccountSummary,
    ActivityInfo,
    Applied,
    ChargeInfo,
    CreditInfo,
    InvoiceDocument,
    InvoiceInfo,
    MemberInfo,
    PlanInfo,
    Quote,
    RefundInfo,
    TransactionInfo,
)
from atiende.core.errors import ActionError, Conflict, NotAllowed, NotFound

logger = logging.getLogger(__name__)
NAME = "http"
T = TypeVar("T")
MAX_RESPONSE_BYTES = 5 * 1024 * 1024


class HttpProvider:
    name = NAME

    def __init__(self, base_url: str, secret: str, *, timeout: float = 10.0) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ActionError(_("The account provider URL is not valid."))
        self.base_url = base_url.rstrip("/")
        self.base_path = parts.path.rstrip("/")
        self.secret = secret
        self.timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0))

    @classmethod
    def from_settings(cls, url: str) -> HttpProvider:
        secret = str(
            getattr(settings, "ATIENDE_ACCOUNT_PROVIDER_SECRET", "")
            or os.environ.get("ATIENDE_ACCOUNT_PROVIDER_SECRET", "")
        )
        timeout = float(getattr(settings, "ATIENDE_ACCOUNT_PROVIDER_TIMEOUT", 10.0))
        return cls(url, secret, timeout=timeout)

    # --- transport -----------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        idempotency_key: str = "",
    ) -> Any:
        query_string = urlencode({k: v for k, v in (query or {}).items() if v not in (None, "")})
        target = path + (f"?{query_string}" if query_string else "")
        content = json.dumps(body, default=str).encode() if body is not None else b""
        headers = {
            "Accept": "application/json",
            signing.HEADER: signing.sign(self.secret, method, self.base_path + target, content),
        }
        if body is not None:
            headers["Content-Type"] = "application/json"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        try:
            with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
                response = client.request(
                    method, self.base_url + target, content=content or None, headers=headers
                )
        except httpx.HTTPError as error:
            logger.warning("account provider %s %s failed: %s", method, path, type(error).__name__)
            raise ActionError(
                _("The account system is not answering; try again shortly.")
            ) from error
        return self._answer(response)

    def _answer(self, response: httpx.Response) -> Any:
        if len(response.content) > MAX_RESPONSE_BYTES:
            raise ActionError(_("The account system sent an answer that is too large."))
        try:
            data = response.json() if response.content else {}
        except ValueError:
            data = None
        if response.is_success and data is not None:
            return data
        detail = ""
        if isinstance(data, dict) and isinstance(data.get("detail"), str):
            detail = data["detail"][:300]
        status = response.status_code
        if status >= 500 or 300 <= status < 400 or data is None:
            raise ActionError(_("The account system is not answering; try again shortly."))
        if status == 401:
            logger.warning("account provider refused atiende's signature")
            raise ActionError(
                _("The account system refused atiende's signature (check the shared secret).")
            )
        if status == 404:
            raise NotFound(detail or _("Not found at the account system."))
        if status == 409:
            raise Conflict(detail or _("The account system refused: conflict."))
        if status == 403:
            raise NotAllowed(detail or _("The account system refused this."))
        raise ActionError(detail or _("The account system refused the request."))

    def _parse(self, kind: type[T] | Any, data: Any) -> T:
        try:
            return TypeAdapter(kind).validate_python(data)  # type: ignore[no-any-return]  # the adapter returns `kind`
        except SchemaError as error:
            logger.warning("account provider answered off-contract: %s", error.error_count())
            raise ActionError(_("The account system answered in an unexpected format.")) from error

    def _account_path(self, ref: AccountRef, tail: str = "") -> str:
        return f"/accounts/{quote(ref.account_id, safe='')}{tail}"

    def _list(
        self, kind: type[T], ref: AccountRef, name: str, query: dict[str, Any] | None = None
    ) -> list[T]:
        data = self.request("GET", self._account_path(ref, f"/{name}"), query=query)
        items = data.get(name) if isinstance(data, dict) else None
        return self._parse(list[kind], items)  # type: ignore[valid-type]  # a runtime type argument

    # --- the contract --------------------------------------------------------------------------

    def find_account(self, *, user_id: str = "", email: str = "") -> AccountRef | None:
        try:
            data = self.request(
                "GET", "/accounts/lookup", query={"user_id": user_id, "email": email}
            )
        except NotFound:
            return None
        account_id = data.get("account_id") if isinstance(data, dict) else None
        if not isinstance(account_id, str) or not account_id or len(account_id) > 100:
            raise ActionError(_("The account system answered in an unexpected format."))
        return AccountRef(NAME, account_id)

    def summary(self, ref: AccountRef) -> AccountSummary:
        return self._parse(AccountSummary, self.request("GET", self._account_path(ref, "/summary")))

    def plans(self) -> list[PlanInfo]:
        data = self.request("GET", "/plans")
        return self._parse(list[PlanInfo], data.get("plans") if isinstance(data, dict) else None)

    def invoices(self, ref: AccountRef) -> list[InvoiceInfo]:
        return self._list(InvoiceInfo, ref, "invoices")

    def invoice_document(self, ref: AccountRef, invoice_id: str) -> InvoiceDocument:
        path = self._account_path(ref, f"/invoices/{quote(invoice_id, safe='')}/document")
        return self._parse(InvoiceDocument, self.request("GET", path))

    def charges(self, ref: AccountRef) -> list[ChargeInfo]:
        return self._list(ChargeInfo, ref, "charges")

    def refunds(self, ref: AccountRef) -> list[RefundInfo]:
        return self._list(RefundInfo, ref, "refunds")

    def credits(self, ref: AccountRef) -> list[CreditInfo]:
        return self._list(CreditInfo, ref, "credits")

    def members(self, ref: AccountRef) -> list[MemberInfo]:
        return self._list(MemberInfo, ref, "members")

    def activity(
        self,
        ref: AccountRef,
        *,
        kinds: tuple[str, ...] = (),
        errors_only: bool = False,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 200,
    ) -> list[ActivityInfo]:
        query = {
            "kinds": ",".join(kinds),
            "errors_only": "1" if errors_only else "",
            "since": since.isoformat() if since else "",
            "until": until.isoformat() if until else "",
            "limit": str(limit),
        }
        return self._list(ActivityInfo, ref, "activity", query)

    def transactions(self, ref: AccountRef) -> list[TransactionInfo]:
        return self._list(TransactionInfo, ref, "transactions")

    def quote(self, ref: AccountRef, verb: str, params: dict[str, Any]) -> Quote:
        path = self._account_path(ref, f"/actions/{verb}/quote")
        return self._parse(Quote, self.request("POST", path, body={"params": params}))

    def apply(
        self, ref: AccountRef, verb: str, params: dict[str, Any], *, idempotency_key: str
    ) -> Applied:
        path = self._account_path(ref, f"/actions/{verb}")
        data = self.request("POST", path, body={"params": params}, idempotency_key=idempotency_key)
        return self._parse(Applied, data)
