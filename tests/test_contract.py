"""
The receiver accepts exactly what the API documents for its callback.
"""

import re
from typing import Any

import pytest

from callback_receiver.app import create_app as create_receiver
from callback_receiver.settings import ReceiverSettings
from invoice_api.app import create_app as create_api
from invoice_api.settings import ApiSettings
from tests.servers import ROOT

CALLBACK_KEY = "{$request.query.callback_url}/invoices/{$request.body#/id}"
RECEIVER_PATH = "/callback/invoices/{invoice_id}"


def resolve(document: dict[str, Any], node: Any) -> Any:
    """
    Replace every local `$ref` in `node` by what it points to, recursively.
    """
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return resolve(document, target)
        return {key: resolve(document, value) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(document, item) for item in node]
    return node


def shape(node: Any) -> Any:
    """
    A schema without its prose: `description` texts differ, types must not.
    """
    if isinstance(node, dict):
        return {
            key: shape(value)
            for key, value in node.items()
            if not (key == "description" and isinstance(value, str))
        }
    if isinstance(node, list):
        return [shape(item) for item in node]
    return node


def json_body(document: dict[str, Any], holder: dict[str, Any]) -> Any:
    """
    The resolved application/json schema of a request body or a response, as shape.
    """
    return shape(resolve(document, holder["content"]["application/json"]["schema"]))


@pytest.fixture(scope="module")
def documents() -> tuple[dict[str, Any], dict[str, Any]]:
    """
    The API's callback operation and the receiver's route, each with its document.
    """
    api = create_api(ApiSettings(_env_file=None)).openapi()
    receiver = create_receiver(ReceiverSettings(_env_file=None)).openapi()
    callback = api["paths"]["/invoices/"]["post"]["callbacks"]["invoice_paid"]
    return (
        {"doc": api, "op": callback[CALLBACK_KEY]["post"]},
        {"doc": receiver, "op": receiver["paths"][RECEIVER_PATH]["post"]},
    )


def test_contract_request_bodies_match(
    documents: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    """The receiver documents the same body schema the API sends."""
    api, receiver = documents

    sent = json_body(api["doc"], api["op"]["requestBody"])
    accepted = json_body(receiver["doc"], receiver["op"]["requestBody"])

    assert accepted == sent
    assert receiver["op"]["requestBody"]["required"] is True


def test_contract_answers_match(
    documents: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    """The receiver's 200 answer is the InvoiceEventReceived the API documents."""
    api, receiver = documents

    expected = json_body(api["doc"], api["op"]["responses"]["200"])
    answered = json_body(receiver["doc"], receiver["op"]["responses"]["200"])

    assert answered == expected


@pytest.mark.parametrize(
    ("package", "other"),
    [
        pytest.param("invoice_api", "callback_receiver", id="api"),
        pytest.param("callback_receiver", "invoice_api", id="receiver"),
    ],
)
def test_contract_packages_stay_apart(package: str, other: str) -> None:
    """Neither package imports the other: they share a contract, not code."""
    imports = re.compile(rf"^\s*(from|import)\s+{other}\b", re.MULTILINE)

    offenders = [
        path.name
        for path in (ROOT / package).rglob("*.py")
        if imports.search(path.read_text("utf-8"))
    ]

    assert offenders == []
