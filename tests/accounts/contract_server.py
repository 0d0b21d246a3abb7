"""A business's back end, as small as the HTTP provider contract allows (docs/accounts.md).

It runs on 127.0.0.1 in a thread of the test, verifies every request's `Atiende-Signature`,
answers lookups, reads and action quotes, and applies refunds, credits and plan changes with
the same invariants a real back end must keep: a refund never exceeds captured - refunded,
and an `Idempotency-Key` seen before returns the first answer.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from atiende.accounts import signing

SECRET = "whsec_contract_test"
NOW = "2026-11-20T10:00:00+00:00"
PLANS: list[dict[str, Any]] = [
    {"code": "basic", "name": "Basic", "price": 900, "currency": "EUR", "interval": "month",
     "max_members": 1, "requires_student_verification": False, "list_price": 0},
    {"code": "plus", "name": "Plus", "price": 1500, "currency": "EUR", "interval": "month",
     "max_members": 1, "requires_student_verification": False, "list_price": 0},
]  # fmt: skip


class Backend:
    """The business's state: one account, one charge."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.plan = "basic"
        self.charge: dict[str, Any] = {
            "id": "ch_a",
            "amount": 2000,
            "refunded": 0,
            "currency": "EUR",
        }
        self.refunds: list[dict[str, Any]] = []
        self.credits: list[dict[str, Any]] = []
        self.answers: dict[str, tuple[int, dict[str, Any]]] = {}
        self.requests: list[dict[str, str]] = []
        self.mode = ""  # "", "error500", "redirect", "slow", "garbage"

    def summary(self) -> dict[str, Any]:
        plan = next(item for item in PLANS if item["code"] == self.plan)
        return {
            "account_id": "acct_42",
            "kind": "subscription",
            "plan": plan,
            "status": "active",
            "renews_at": NOW,
            "cancel_at_period_end": False,
            "paused_until": None,
            "last_payment": "succeeded",
            "last_payment_at": NOW,
            "payment_method": {"brand": "Visa", "last4": "1881", "exp_month": 1,
                               "exp_year": 2030, "expired": False},
            "credit_balance": sum(item["remaining"] for item in self.credits),
            "currency": "EUR",
            "members": 1,
            "withdrawals_frozen": False,
        }  # fmt: skip

    def charge_info(self) -> dict[str, Any]:
        return {**self.charge, "status": "succeeded", "description": "Plus, November",
                "card": "Visa 1881", "failure_reason": "", "created_at": NOW}  # fmt: skip

    def quote(self, verb: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if verb == "refund":
            if params.get("charge_id") != "ch_a":
                return 404, {"detail": "No such charge."}
            left = self.charge["amount"] - self.charge["refunded"]
            amount = params.get("amount") or left
            if params.get("currency") and params["currency"] != "EUR":
                return 400, {"detail": "Currency mismatch."}
            if not isinstance(amount, int) or amount <= 0 or amount > left:
                return 409, {"detail": f"At most {left} can be refunded."}
            return 200, {"amount": -amount, "currency": "EUR", "details": {}}
        if verb == "grant_credit":
            return 200, {"amount": -int(params["amount"]), "currency": "EUR"}
        if verb == "change_plan":
            target = next((item for item in PLANS if item["code"] == params.get("plan")), None)
            if target is None:
                return 404, {"detail": "No such plan."}
            price = target["price"]
            proration = {"days_left": 15, "period_days": 30, "old_price": 900,
                         "new_price": price, "amount": (price - 900) // 2}  # fmt: skip
            return 200, {"amount": proration["amount"], "currency": "EUR",
                         "proration": proration, "details": {"from_plan": self.plan}}  # fmt: skip
        if verb == "send_payment_link":
            return 200, {"amount": 0, "currency": "EUR"}
        return 400, {"detail": "This back end does not offer that action."}

    def apply(self, verb: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        status, quote = self.quote(verb, params)
        if status != 200:
            return status, quote
        if verb == "refund":
            self.charge["refunded"] += -quote["amount"]
            self.refunds.append({"id": f"re_{len(self.refunds) + 1}", "amount": -quote["amount"]})
            return 200, {"reference": self.refunds[-1]["id"], "details": {}}
        if verb == "grant_credit":
            amount = -quote["amount"]
            self.credits.append({"id": f"cr_{len(self.credits) + 1}", "remaining": amount})
            return 200, {"reference": self.credits[-1]["id"]}
        if verb == "send_payment_link":
            # The business's own card page, single-use on its side.
            return 200, {"reference": "pl_1", "details": {"url": CARD_PAGE}}
        self.plan = params["plan"]
        return 200, {"reference": "", "details": {"plan": self.plan}}


CARD_PAGE = "https://billing.example.test/card/one-time-7f3a"


class Handler(BaseHTTPRequestHandler):
    backend: Backend

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def _handle(self, method: str) -> None:
        backend = self.backend
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        signature = self.headers.get(signing.HEADER, "")
        backend.requests.append(
            {
                "method": method,
                "path": self.path,
                "idempotency_key": self.headers.get("Idempotency-Key", ""),
            }
        )
        if not signing.verify(signature, [SECRET], method, self.path, body):
            self._send(401, {"detail": "Bad signature."})
            return
        if backend.mode == "slow":
            time.sleep(1.5)
        if backend.mode == "error500":
            self._send(500, {"detail": "boom"})
            return
        if backend.mode == "redirect":
            self._send(302, b"", {"Location": "http://169.254.169.254/"})
            return
        if backend.mode == "garbage":
            self._send(200, {"account_id": "acct_42", "kind": 7})
            return
        url = urlsplit(self.path)
        parts = url.path.removeprefix("/v1").strip("/").split("/")
        with backend.lock:
            self._route(method, parts, parse_qs(url.query), json.loads(body or b"{}"))

    def _route(self, method: str, parts: list[str], query: dict[str, list[str]], data: Any) -> None:
        backend = self.backend
        if parts == ["plans"]:
            return self._send(200, {"plans": PLANS})
        if parts == ["accounts", "lookup"]:
            if query.get("user_id") == ["biz-42"] or query.get("email") == ["pat@example.test"]:
                return self._send(200, {"account_id": "acct_42"})
            return self._send(404, {"detail": "No such account."})
        if len(parts) < 3 or parts[:2] != ["accounts", "acct_42"]:
            return self._send(404, {"detail": "No such account."})
        tail = parts[2:]
        if method == "GET" and tail == ["summary"]:
            return self._send(200, backend.summary())
        if method == "GET" and tail == ["charges"]:
            return self._send(200, {"charges": [backend.charge_info()]})
        if method == "GET" and tail in (["invoices"], ["refunds"], ["credits"], ["members"],
                                        ["activity"], ["transactions"]):  # fmt: skip
            return self._send(200, {tail[0]: []})
        if method == "POST" and len(tail) == 3 and tail[0] == "actions" and tail[2] == "quote":
            status, answer = backend.quote(tail[1], data["params"])
            return self._send(status, answer)
        if method == "POST" and len(tail) == 2 and tail[0] == "actions":
            key = self.headers.get("Idempotency-Key", "")
            if not key:
                return self._send(400, {"detail": "Idempotency-Key is required."})
            if key not in backend.answers:
                backend.answers[key] = backend.apply(tail[1], data["params"])
            status, answer = backend.answers[key]
            return self._send(status, answer)
        return self._send(404, {"detail": "Unknown endpoint."})

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")


class ContractServer:
    def __init__(self) -> None:
        self.backend = Backend()
        handler = type("BoundHandler", (Handler,), {"backend": self.backend})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> ContractServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
