"""
The README and docs/ as the docs checks read them: files, fenced blocks, text.
"""

import re
from pathlib import Path

import pytest

from tests.servers import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
# A fenced block, at the margin or indented inside a list item.
FENCE = re.compile(r"^( *)```(\w*)\n(.*?)^\1```", re.MULTILINE | re.DOTALL)


def fenced(path: Path, language: str) -> list[str]:
    """
    The fenced blocks of one file in a given language, in order, unindented.
    """
    found = []
    for match in FENCE.finditer(path.read_text("utf-8")):
        indent, tag, body = match.groups()
        if tag == language:
            lines = body.splitlines(keepends=True)
            found.append("".join(line.removeprefix(indent) for line in lines))
    return found


def blocks(language: str) -> list[pytest.ParameterSet]:
    """
    Every fenced block in a given language across the docs, one param each.
    """
    return [
        pytest.param(block, id=f"{path.relative_to(ROOT).as_posix()}-{index}")
        for path in DOCS
        for index, block in enumerate(fenced(path, language))
    ]


def all_text() -> str:
    """
    The docs and the README as one text.
    """
    return "\n".join(path.read_text("utf-8") for path in DOCS)
