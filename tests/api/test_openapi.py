"""The OpenAPI document is valid OpenAPI 3.1, lists every API route, and says how each
operation authenticates."""

from __future__ import annotations

import re
from typing import Any

import jsonschema_rs
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

from atiende.api.main import api


def document() -> dict[str, Any]:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    result: dict[str, Any] = response.json()
    return result


def test_document_validates_against_the_openapi_31_schema(db: None) -> None:
    doc = document()

    assert doc["openapi"].startswith("3.1")
    OPENAPI_31_VALIDATOR.validate(doc)
    for name, schema in doc["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(schema), name


def test_document_lists_every_route(db: None) -> None:
    documented = {re.sub(r"\{[^}]+\}", "{}", path) for path in document()["paths"]}
    routed = {re.sub(r"<[^>]+>", "{}", "/api/" + str(p.pattern)) for p in _api_patterns()}
    routed.discard("/api/openapi.json")

    assert documented == routed


def test_every_operation_declares_auth_and_an_id(db: None) -> None:
    operations = [
        operation for path_item in document()["paths"].values() for operation in path_item.values()
    ]

    assert len(operations) >= 17
    # Every operation says how it authenticates; the public ones say so explicitly with an
    # empty requirement ({}), and they are exactly these: the chat widget's own calls before a
    # session exists, and the help center's article suggestions.
    assert all(operation.get("security") for operation in operations)
    public = sorted(
        operation["operationId"] for operation in operations if operation["security"] == [{}]
    )
    assert all("chat" in name or "suggest" in name for name in public), public
    assert len({operation["operationId"] for operation in operations}) == len(operations)
    schemes = document()["components"]["securitySchemes"]
    assert schemes["TokenAuth"] == {"type": "http", "scheme": "bearer"}


def _api_patterns() -> list[URLPattern]:
    resolver = get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver) and entry.app_name == "api":
            return [
                p
                for p in entry.url_patterns
                if isinstance(p, URLPattern) and p.callback.__module__.startswith("ninja")
            ]
    raise AssertionError("no api URLs")


def test_the_api_object_is_the_one_served() -> None:
    assert api.urls_namespace == "api"
