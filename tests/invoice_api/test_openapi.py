"""
Tests of the API's OpenAPI document and its documented callback.
"""

from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate

CALLBACK_KEY = "{$request.query.callback_url}/invoices/{$request.body#/id}"


@pytest.fixture
def openapi(api: str) -> dict[str, Any]:
    """
    The OpenAPI document as the running API serves it.
    """
    document: dict[str, Any] = httpx.get(f"{api}/openapi.json").json()
    return document


def test_openapi_document_is_valid(openapi: dict[str, Any]) -> None:
    """The whole document passes openapi-spec-validator."""
    validate(openapi)

    assert openapi["openapi"].startswith("3.")


def test_openapi_documents_invoice_paid_callback(openapi: dict[str, Any]) -> None:
    """POST /invoices/ documents the callback with its body, answer and headers."""
    callbacks = openapi["paths"]["/invoices/"]["post"]["callbacks"]

    operation = callbacks["invoice_paid"][CALLBACK_KEY]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert body == {"$ref": "#/components/schemas/InvoiceEvent"}
    assert answer == {"$ref": "#/components/schemas/InvoiceEventReceived"}
    assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}


def test_openapi_callback_schemas(openapi: dict[str, Any]) -> None:
    """InvoiceEvent and InvoiceEventReceived have the documented fields."""
    schemas = openapi["components"]["schemas"]

    event, received = schemas["InvoiceEvent"], schemas["InvoiceEventReceived"]
    assert set(event["required"]) == {"description", "paid"}
    assert event["properties"]["paid"]["type"] == "boolean"
    assert received["required"] == ["ok"]


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(CALLBACK_KEY, id="raw-key"),
        pytest.param("/{$request.query.callback_url}/invoices/x", id="slash-key"),
        pytest.param("/invoices/x", id="invoice-path"),
    ],
)
def test_callback_path_is_not_served(api: str, path: str) -> None:
    """The callback path is documentation only: posting to it is not a route."""
    response = httpx.post(f"{api}/{path.lstrip('/')}", json={"paid": True})

    assert response.status_code in (404, 405)


def test_docs_page_is_served(api: str) -> None:
    """/docs answers with the Swagger UI page."""
    response = httpx.get(f"{api}/docs")

    assert response.status_code == 200
    assert "swagger" in response.text.lower()


def test_openapi_documents_only_optional_callback_url(openapi: dict[str, Any]) -> None:
    """POST /invoices/ takes one query parameter, optional, and says what if absent."""
    operation = openapi["paths"]["/invoices/"]["post"]

    [parameter] = operation["parameters"]
    assert (parameter["name"], parameter["in"]) == ("callback_url", "query")
    assert parameter["required"] is False
    assert "no callback is sent" in parameter["description"]
    assert "unknown query parameter" in operation["description"]
