"""
Checks that the README and docs/ say only what is true of the code.
"""

import importlib
import re
import subprocess
from pathlib import Path

import httpx
import pytest

from callback_receiver.app import create_app as create_receiver
from callback_receiver.settings import ReceiverSettings
from invoice_api.app import create_app as create_api
from invoice_api.settings import ApiSettings
from tests.docs.markdown import all_text, blocks
from tests.servers import ROOT, serve
from tests.settings_defaults import all_defaults

SETTING = re.compile(r"\b(INVOICE_API|CALLBACK_RECEIVER)_([A-Z_]+)\b")
LOCAL_URL = re.compile(r"http://127\.0\.0\.1:(\d+)(/[^\s`)'\"]*)?")
SCRIPT_CALL = re.compile(r"uv run python (scripts/\S+\.py)(.*)")
TIMELINE = re.compile(r" +\d+ ms  (accepted|paid|delivered|verified) +\S")


@pytest.mark.parametrize("block", blocks("bash"))
def test_docs_bash_blocks_parse(block: str) -> None:
    """Every bash block is valid bash."""
    result = subprocess.run(["bash", "-n"], input=block, capture_output=True, text=True)

    assert result.returncode == 0, result.stderr


def test_docs_script_calls_use_real_options() -> None:
    """Each `uv run python scripts/...` names a real script and real options."""
    calls = SCRIPT_CALL.findall(all_text())

    assert {script for script, _ in calls} >= {
        "scripts/send_invoice.py",
        "scripts/stop_demo.py",
    }
    for script, rest in calls:
        assert (ROOT / script).is_file(), script
        options = re.findall(r"(--[a-z-]+)(?: (\"[^\"]*\"|\S+))?", rest)
        argv = [part for option in options for part in option if part]
        module = importlib.import_module(f"scripts.{Path(script).stem}")
        module.parse_args([arg.strip('"') for arg in argv if arg != "--help"])


def test_docs_settings_exist() -> None:
    """Every INVOICE_API_* or CALLBACK_RECEIVER_* name the docs use is a setting."""
    known = {f"INVOICE_API_{name.upper()}" for name in ApiSettings.model_fields} | {
        f"CALLBACK_RECEIVER_{name.upper()}" for name in ReceiverSettings.model_fields
    }

    used = {f"{prefix}_{name}" for prefix, name in SETTING.findall(all_text())}

    assert used - known == set()


def test_architecture_lists_every_setting_with_its_default() -> None:
    """The settings table has one row per setting, with the real default."""
    text = (ROOT / "docs" / "architecture.md").read_text("utf-8")

    rows = dict(re.findall(r"^\| `([A-Z_]+)` \| (.+?) \|", text, re.MULTILINE))

    assert set(rows) == set(all_defaults())
    for name, default in all_defaults().items():
        shown = f"`{default}`" if default else "empty"
        assert rows[name] in (shown, "the demo secret"), name


def test_docs_local_urls_are_served() -> None:
    """Every 127.0.0.1 URL is a route of the API or the receiver, or a callback URL."""
    routes = {
        "8000": _paths(create_api(ApiSettings(_env_file=None))),
        "8001": _paths(create_receiver(ReceiverSettings(_env_file=None))),
    }

    for port, path in LOCAL_URL.findall(all_text()):
        assert port in routes, port
        route = re.sub(r"\{[a-z_]+\}", "x", path.split("?")[0].rstrip(".:,;")) or "/"
        targets = (route, f"{route}/invoices/x")
        assert any(
            re.fullmatch(pattern, target)
            for pattern in routes[port]
            for target in targets
        ), path


@pytest.mark.parametrize(
    "sample",
    [block for block in blocks("text") if "round trip complete" in str(block.values)],
)
def test_docs_timelines_match_script_output(sample: str) -> None:
    """Each sample timeline has the script's four steps, in order."""
    lines = sample.splitlines()
    steps = [TIMELINE.match(line) for line in lines[:4]]
    assert [step.group(1) for step in steps if step] == [
        "accepted",
        "paid",
        "delivered",
        "verified",
    ]


def test_ci_runs_readme_test_command() -> None:
    """The README's test command is what CI runs."""
    readme = (ROOT / "README.md").read_text("utf-8")
    ci = (ROOT / ".ci" / "run").read_text("utf-8")

    assert "```bash\nuv run pytest\n```" in readme
    assert re.search(r"run pytest$", ci, re.MULTILINE)


def _paths(app: object) -> list[str]:
    document = app.openapi()  # type: ignore[attr-defined]
    paths = [re.sub(r"\{[a-z_]+\}", "[^/]+", path) for path in document["paths"]]
    return [*paths, "/docs", "/openapi.json", "/"]


@pytest.mark.parametrize(
    "recipe", [block for block in blocks("bash") if "PUT" in str(block.values)]
)
def test_docs_failure_mode_recipe_works(recipe: str, tmp_path: Path) -> None:
    """The `curl` that switches on the failure mode does so on a real receiver."""
    [curl] = [line for line in recipe.splitlines() if "/failure-mode" in line]
    settings = ReceiverSettings(
        _env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"
    )

    with serve(create_receiver(settings)) as receiver:
        command = curl.replace("http://127.0.0.1:8001", receiver)
        result = subprocess.run(["bash", "-c", command], capture_output=True, text=True)
        state = httpx.get(f"{receiver}/failure-mode").json()

    assert result.returncode == 0, result.stderr
    assert (state["count"], state["status"], state["retry_after"]) == (2, 503, "3")
