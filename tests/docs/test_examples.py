"""
The examples in the docs and in examples/ are what the API and Python accept, and
are saved so that every tool reads them alike.
"""

import json
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from invoice_api.app import create_app
from invoice_api.models import Invoice
from invoice_api.settings import DEMO_SECRET, ApiSettings
from invoice_api.signing import Signer
from tests.docs.markdown import DOCS, blocks, fenced
from tests.servers import ROOT, serve, wait_for

EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
EXAMPLE_INVOICE = ROOT / "examples" / "invoice.json"
# A hashtable literal in PowerShell: `@{ id = "..."; customer = "..." }`.
HASHTABLE = re.compile(r"@\{([^}]*)\}")
HASH_ENTRY = re.compile(r"(\w+) = \"([^\"]*)\"")
JAPANESE = re.compile("[\u3040-\u30ff\u4e00-\u9fff]")


def request_model() -> type[Invoice]:
    """
    The model of `POST /invoices/`'s body, checked against the API's OpenAPI.
    """
    document = create_app(ApiSettings(_env_file=None)).openapi()
    body = document["paths"]["/invoices/"]["post"]["requestBody"]
    reference = body["content"]["application/json"]["schema"]["$ref"]

    assert reference == f"#/components/schemas/{Invoice.__name__}"
    return Invoice


def encoding_problems(data: bytes) -> list[str]:
    """
    Why a file would not read the same everywhere: a BOM, or not being UTF-8.
    """
    problems = []
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        problems.append("starts with a byte order mark")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(f"not UTF-8: {exc.reason} at byte {exc.start}")
    return problems


def json_examples() -> list[pytest.ParameterSet]:
    """
    Every ```json block of the docs and every examples/*.json file.
    """
    files = [
        pytest.param(path.read_text("utf-8"), id=path.relative_to(ROOT).as_posix())
        for path in EXAMPLES
    ]
    return [*blocks("json"), *files]


@pytest.mark.parametrize("example", json_examples())
def test_docs_json_examples_are_valid_invoices(example: str) -> None:
    """Each JSON example is a body that `POST /invoices/` accepts."""
    invoice = request_model().model_validate_json(example)

    assert invoice.id


def test_docs_powershell_invoices_are_valid() -> None:
    """Each invoice built as a PowerShell hashtable is one the API accepts."""
    tables = [
        dict(HASH_ENTRY.findall(body))
        for block in blocks("powershell")
        for body in HASHTABLE.findall(str(block.values[0]))
    ]

    assert tables
    for table in tables:
        request_model().model_validate(table)


@pytest.mark.parametrize(
    "example",
    [
        pytest.param('{"id": "inv-1", "total": "1"}', id="no-customer"),
        pytest.param(
            '{"id": "inv-1", "customer": "山田", "total": "1", "paid": true}',
            id="extra-field",
        ),
        pytest.param('{"id": "inv 1", "customer": "山田", "total": "1"}', id="bad-id"),
        pytest.param('{"id": "inv-1", "customer": "山田", "total": 1,}', id="not-json"),
    ],
)
def test_validate_invoice_rejects_bad_example(example: str) -> None:
    """An example the API would refuse fails the check."""
    with pytest.raises(ValidationError):
        request_model().model_validate_json(example)


def test_docs_show_example_invoice_as_saved() -> None:
    """A JSON block showing the example invoice matches examples/invoice.json."""
    saved = json.loads(EXAMPLE_INVOICE.read_text("utf-8"))

    shown = [
        json.loads(block)
        for path in DOCS
        for block in fenced(path, "json")
        if saved["id"] in block
    ]
    assert len(shown) >= 2
    assert all(invoice == saved for invoice in shown)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_are_utf8_without_bom(path: Path) -> None:
    """Examples are UTF-8 with no byte order mark, so curl sends clean JSON."""
    assert encoding_problems(path.read_bytes()) == []


def test_example_invoice_has_japanese_text() -> None:
    """The curl example carries Japanese text, as real invoices here do."""
    assert JAPANESE.search(EXAMPLE_INVOICE.read_text("utf-8"))


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b'\xef\xbb\xbf{"id": "a"}', id="utf8-bom"),
        pytest.param('{"id": "a"}'.encode("utf-16"), id="utf16"),
        pytest.param('{"customer": "山田"}'.encode("cp932"), id="shift-jis"),
    ],
)
def test_check_encoding_rejects_bad_file(data: bytes) -> None:
    """A BOM, UTF-16 or Shift_JIS file is reported."""
    assert encoding_problems(data)


@pytest.mark.parametrize("block", blocks("python"))
def test_docs_python_blocks_compile(block: str) -> None:
    """Every Python block is valid Python."""
    compile(block, "<docs>", "exec")


def test_compile_python_rejects_broken_block() -> None:
    """A block with a syntax error fails the check."""
    with pytest.raises(SyntaxError):
        compile("def verify(body:\n    return body\n", "<docs>", "exec")


def test_docs_receiver_example_takes_api_callbacks_once(
    api: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one-file receiver verifies the real API's callback and keeps it once."""
    [source] = fenced(ROOT / "docs" / "receiving-callbacks.md", "python")
    monkeypatch.chdir(tmp_path)
    example: dict[str, Any] = {}
    exec(compile(source, "receiving-callbacks.md", "exec"), example)
    database: sqlite3.Connection = example["db"]

    try:
        with serve(example["app"]) as receiver:
            accepted = httpx.post(
                f"{api}/invoices/",
                params={"callback_url": f"{receiver}/callback"},
                content=EXAMPLE_INVOICE.read_bytes(),
                headers={"content-type": "application/json; charset=utf-8"},
            )
            wait_for(lambda: _stored(database))
            repeat, forged = _replay(receiver, _stored(database)[0])
        stored = _stored(database)
    finally:
        database.close()

    assert accepted.status_code == 202
    assert repeat.status_code == 200
    assert forged.status_code == 401
    assert len(stored) == 1
    assert "株式会社サンプル商事" in stored[0][1].decode("utf-8")


def _stored(database: sqlite3.Connection) -> list[tuple[str, bytes]]:
    return database.execute("SELECT webhook_id, body FROM events").fetchall()


def _replay(
    receiver: str, event: tuple[str, bytes]
) -> tuple[httpx.Response, httpx.Response]:
    # The same event signed again, as a retry sends it; then a tampered copy.
    webhook_id, body = event
    url = f"{receiver}/callback/invoices/inv-example-001"
    headers = Signer([DEMO_SECRET]).headers(webhook_id, int(time.time()), body)
    repeat = httpx.post(url, content=body, headers=headers)
    forged = httpx.post(url, content=body.replace(b"true", b"false"), headers=headers)
    return repeat, forged
