"""
The log events table in docs/architecture.md lists exactly what the servers log.
"""

import ast
import re

from tests.servers import ROOT

ARCHITECTURE = ROOT / "docs" / "architecture.md"
PROCESSES = {"invoice_api": "api", "callback_receiver": "receiver"}
LEVELS = {"info": "INFO", "warning": "WARNING", "error": "ERROR", "exception": "ERROR"}
EVENT = re.compile(r"`([a-z_]+\.[a-z_]+)`")
Logged = set[tuple[str, str, str]]


def logged_events(source: str, process: str) -> Logged:
    """
    (process, event, level) of each `logger.<level>("event.name ...")` in `source`.
    """
    found = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        receiver, level = node.func.value, node.func.attr
        if not (isinstance(receiver, ast.Name) and receiver.id == "logger"):
            continue
        first = node.args[0] if node.args else None
        if level in LEVELS and isinstance(first, ast.Constant):
            found.add((process, str(first.value).split()[0], LEVELS[level]))
    return found


def code_events() -> Logged:
    """
    Every event either server's code logs.
    """
    return {
        event
        for package, process in PROCESSES.items()
        for path in sorted((ROOT / package).glob("*.py"))
        for event in logged_events(path.read_text("utf-8"), process)
    }


def table_events(text: str) -> Logged:
    """
    (process, event, level) of each row of the "## Logs" table.
    """
    section = text.split("\n## Logs\n", 1)[1].split("\n## ", 1)[0]
    found = set()
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 3 and cells[0] in PROCESSES.values():
            found |= {(cells[0], event, cells[2]) for event in EVENT.findall(cells[1])}
    return found


def test_architecture_logs_table_lists_every_logged_event() -> None:
    """Each event the code logs is in the table, at its level, and nothing else."""
    listed = table_events(ARCHITECTURE.read_text("utf-8"))

    assert code_events() - listed == set()
    assert listed - code_events() == set()


def test_find_logged_events_reads_each_level() -> None:
    """Event names are found at their levels; other calls and loggers are not."""
    source = (
        'logger.info("a.started host=%s", h)\n'
        'logger.exception("a.failed")\n'
        'other.warning("b.ignored")\n'
        'logger.debug("c.quiet")\n'
    )

    assert logged_events(source, "api") == {
        ("api", "a.started", "INFO"),
        ("api", "a.failed", "ERROR"),
    }
