"""
Every PowerShell block parses, and runs as meant in Windows PowerShell 5.1 too.
"""

import pytest

from tests.docs.markdown import blocks
from tests.docs.powershell import commands, lint_problems, parse_problems


@pytest.mark.parametrize("block", blocks("powershell"))
def test_docs_powershell_blocks_parse(block: str) -> None:
    """The tree-sitter PowerShell grammar leaves no ERROR or MISSING node."""
    assert parse_problems(block) == []


@pytest.mark.parametrize("block", blocks("powershell"))
def test_docs_powershell_blocks_pass_lint(block: str) -> None:
    """No block uses what Windows PowerShell 5.1 refuses or reads otherwise."""
    assert lint_problems(block) == []


@pytest.mark.parametrize(
    "block",
    [
        pytest.param('Write-Output "unclosed\n', id="unclosed-string"),
        pytest.param("if ($ready) {\n    uv run honcho start\n", id="missing-brace"),
        pytest.param(
            'curl.exe --data-binary @examples/invoice.json "http://127.0.0.1:8000/"\n',
            id="unquoted-at-file",
        ),
        pytest.param("Get-ChildItem ` \n  -Force\n", id="backtick-before-space"),
    ],
)
def test_parse_powershell_rejects_broken_block(block: str) -> None:
    """A block the grammar cannot read is reported with its line."""
    problems = parse_problems(block)

    assert problems
    assert problems[0].startswith("line ")


@pytest.mark.parametrize(
    ("block", "rule"),
    [
        pytest.param("curl http://127.0.0.1:8000/docs\n", "bare curl", id="curl"),
        pytest.param("CURL -s http://127.0.0.1:8001/\n", "bare curl", id="curl-upper"),
        pytest.param("uv sync && uv run honcho start\n", "&& or ||", id="and-and"),
        pytest.param("uv run honcho start || exit 1\n", "&& or ||", id="or-or"),
        pytest.param("export INVOICE_API_PORT=8010\n", "export", id="export"),
        pytest.param(
            "INVOICE_API_PORT=8010 uv run honcho start\n", "NAME=value", id="env-prefix"
        ),
        pytest.param(
            "curl.exe -H x --data-binary @examples/invoice.json\n",
            "unquoted @name",
            id="unquoted-at-file",
        ),
        pytest.param(
            "Get-ChildItem ` \n  -Force\n", "a backtick", id="backtick-then-space"
        ),
        pytest.param('Write-Output "a`tb"\n', "a backtick", id="backtick-escape"),
        pytest.param(
            "Write-Output \u201chello\u201d\n", "curly quotes", id="curly-double"
        ),
        pytest.param(
            "Write-Output \u2018hello\u2019\n", "curly quotes", id="curly-single"
        ),
        pytest.param(
            "Invoke-RestMethod http://localhost:8000/docs\n",
            "localhost",
            id="localhost",
        ),
        pytest.param(
            "curl.exe -X POST http://127.0.0.1:8000/invoices/ "
            """-d '{"id": "inv-1", "customer": "a", "total": 1}'\n""",
            "inline JSON for a program",
            id="inline-json-to-curl-exe",
        ),
        pytest.param(
            "Invoke-RestMethod -Method Post -Uri http://127.0.0.1:8000/invoices/ "
            """-Body '{"id": "inv-1", "customer": "山田花子", "total": 1}'\n""",
            "non-ASCII text in a web cmdlet",
            id="japanese-string-body",
        ),
    ],
)
def test_lint_powershell_rejects_pitfall(block: str, rule: str) -> None:
    """Each pitfall that the grammar accepts is named by the lint."""
    problems = lint_problems(block)

    assert any(problem.startswith(rule) for problem in problems), problems


@pytest.mark.parametrize(
    "block",
    [
        pytest.param(
            'curl.exe -X POST "http://127.0.0.1:8000/invoices/" '
            '--data-binary "@examples/invoice.json"\n',
            id="curl-exe-quoted-file",
        ),
        pytest.param("Get-ChildItem `\n  -Force\n", id="backtick-at-line-end"),
        pytest.param("$body = 'a && b || c'  # export X=1\n", id="data-not-code"),
        pytest.param('$invoice = @{ id = "a"; total = "1" }\n', id="hashtable"),
        pytest.param("$env:INVOICE_API_PORT = '8010'\n", id="env-variable"),
        pytest.param(
            "Invoke-RestMethod -Method Put -Uri http://127.0.0.1:8001/failure-mode "
            """-Body '{"count": 2}'\n""",
            id="ascii-json-to-cmdlet",
        ),
    ],
)
def test_lint_powershell_accepts_sound_block(block: str) -> None:
    """What only looks like a pitfall, in a string, a comment or a hashtable, passes."""
    assert lint_problems(block) == []


def test_list_powershell_commands_without_comments() -> None:
    """Comments and blank lines are not commands; strings in commands are kept."""
    block = '# start\nuv run honcho start  # first window\n\n$x = "# kept"\n'

    assert commands(block) == ["uv run honcho start", '$x = "# kept"']
