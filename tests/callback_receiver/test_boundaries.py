"""
Tests of the package boundary: the receiver shares a contract with the API, not code.
"""

import ast
from pathlib import Path

import callback_receiver

PACKAGE = Path(callback_receiver.__file__).parent


def _imported_modules(source: Path) -> set[str]:
    tree = ast.parse(source.read_text("utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_import_nothing_from_invoice_api() -> None:
    """No module of callback_receiver imports invoice_api."""
    imported = set().union(*(_imported_modules(p) for p in PACKAGE.rglob("*.py")))

    offending = {name for name in imported if name.split(".")[0] == "invoice_api"}

    assert offending == set()
    assert "callback_receiver.app" in imported
