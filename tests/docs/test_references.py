"""
What the docs point at exists: links and their anchors, project files, ports, and
the operations of both servers.
"""

import re
from pathlib import Path

import pytest

from callback_receiver.app import create_app as create_receiver
from callback_receiver.settings import ReceiverSettings
from invoice_api.app import create_app as create_api
from invoice_api.settings import ApiSettings
from tests.docs.markdown import DOCS, FENCE, all_text
from tests.servers import ROOT

LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#+ (.+)$", re.MULTILINE)
PROJECT_PATH = re.compile(
    r"(?<![\w/.-])((?:scripts|examples|docs|invoice_api|callback_receiver)/[\w./-]*\w)"
)
PORT = re.compile(
    r"\bports? (\d+)(?:(?:,| and| or) (\d+))?|ポート ?(\d+)(?: ?と ?(\d+))?"
)
OPERATION = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE) (/[^\s`)]*)")
LOCALHOST_URL = re.compile(r"https?://localhost\b", re.IGNORECASE)


def broken_links(path: Path) -> list[str]:
    """
    Relative links of a Markdown file whose file or heading does not exist.
    """
    broken = []
    for target in LINK.findall(path.read_text("utf-8")):
        if re.match(r"[a-z]+:", target):
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append(target)
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(target)
    return broken


def anchors(path: Path) -> set[str]:
    """
    The anchors GitHub makes of a Markdown file's headings.
    """
    text = FENCE.sub("", path.read_text("utf-8"))
    return {
        re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        for heading in HEADING.findall(text)
    }


def missing_paths(text: str) -> set[str]:
    """
    Project files named in the text (`scripts/...`, `examples/...`) that do not exist.
    """
    return {path for path in PROJECT_PATH.findall(text) if not (ROOT / path).exists()}


def unknown_ports(text: str) -> set[int]:
    """
    Ports named in prose ("port 8000", "ポート 8001") that neither server uses.
    """
    named = {int(port) for found in PORT.findall(text) for port in found if port}
    defaults = {ApiSettings.model_fields["port"].default}
    defaults.add(ReceiverSettings.model_fields["port"].default)
    return named - defaults


def unknown_operations(text: str) -> set[str]:
    """
    `METHOD /path` mentions that are not an operation of the API or the receiver.
    """
    known = _operations(create_api(ApiSettings(_env_file=None)))
    known |= _operations(create_receiver(ReceiverSettings(_env_file=None)))
    known |= {("GET", "/docs"), ("GET", "/openapi.json"), ("GET", "/")}

    unknown = set()
    for method, path in OPERATION.findall(text):
        route = re.sub(r"\{[a-z_]+\}", "x", path.split("?")[0].rstrip(".,:;"))
        if not any(
            method == known_method and re.fullmatch(pattern, route)
            for known_method, pattern in known
        ):
            unknown.add(f"{method} {path}")
    return unknown


def _operations(app: object) -> set[tuple[str, str]]:
    document = app.openapi()  # type: ignore[attr-defined]
    return {
        (method.upper(), re.sub(r"\{[a-z_]+\}", "[^/]+", path))
        for path, operations in document["paths"].items()
        for method in operations
    }


def test_docs_checks_read_japanese_pages() -> None:
    """The docs checks read the pages under docs/ja/ as well as the English ones."""
    assert ROOT / "docs" / "ja" / "windows-powershell.md" in DOCS


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_docs_links_resolve(path: Path) -> None:
    """Every relative link leads to a file, and to a heading when it names one."""
    assert broken_links(path) == []


def test_docs_project_paths_exist() -> None:
    """Every project file the docs name, such as a script, is in the project."""
    named = set(PROJECT_PATH.findall(all_text()))

    assert {"scripts/stop_demo.py", "examples/invoice.json"} <= named
    assert missing_paths(all_text()) == set()


def test_docs_ports_are_the_servers_ports() -> None:
    """Only the two servers' default ports are named, in English and Japanese."""
    assert unknown_ports(all_text()) == set()


def test_docs_operations_exist() -> None:
    """Every `METHOD /path` the docs mention is an operation of one of the servers."""
    assert unknown_operations(all_text()) == set()


def test_docs_urls_avoid_localhost() -> None:
    """No URL says localhost, which tries IPv6 first and stalls on Windows."""
    assert LOCALHOST_URL.findall(all_text()) == []


def test_check_links_rejects_missing_file_and_heading(tmp_path: Path) -> None:
    """A link to a missing file or a missing heading is reported."""
    page = tmp_path / "page.md"
    page.write_text(
        "# Start here\n[ok](#start-here) [file](gone.md) [heading](page.md#nowhere)\n",
        encoding="utf-8",
    )

    assert broken_links(page) == ["gone.md", "page.md#nowhere"]


def test_make_anchors_like_github() -> None:
    """Headings with punctuation, code and Japanese become GitHub's anchors."""
    path = ROOT / "docs" / "troubleshooting.md"

    assert {
        "winerror-10048-port-already-in-use",
        "python-opens-the-microsoft-store",
        "japanese-text-shows-as--or-garbled",
    } <= anchors(path)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        pytest.param("free port 8080 first", {8080}, id="english"),
        pytest.param("ports 8000 and 9001", {9001}, id="english-pair"),
        pytest.param("ポート 8002 と 8001 を使います", {8002}, id="japanese"),
        pytest.param("ports 8000 and 8001, then WinError 10048", set(), id="known"),
    ],
)
def test_find_unknown_ports(text: str, found: set[int]) -> None:
    """A port that neither server listens on by default is reported."""
    assert unknown_ports(text) == found


def test_find_unknown_operations() -> None:
    """A method or path that no server serves is reported; real ones are not."""
    text = (
        "`POST /invoices/` `GET /invoices/{id}` `PUT /failure-mode` "
        "`DELETE /invoices/{id}` `GET /refunds`"
    )

    assert unknown_operations(text) == {"DELETE /invoices/{id}", "GET /refunds"}


def test_find_missing_paths() -> None:
    """A script or example that is not in the project is reported."""
    text = "run `uv run python scripts/stop_demo.py`, then send examples/refund.json"

    assert missing_paths(text) == {"examples/refund.json"}


def test_find_localhost_urls() -> None:
    """The localhost check sees a URL but not the word in prose."""
    text = "never localhost: http://127.0.0.1:8000/docs, not HTTP://LOCALHOST:8000/"

    assert LOCALHOST_URL.findall(text) == ["HTTP://LOCALHOST"]
