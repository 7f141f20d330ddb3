"""
A scratch copy of the project for the scripts: its own `.env`, never the real one.
"""

from pathlib import Path

import pytest

from tests.servers import ROOT

LINKED = ("scripts", "kit_process")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """
    A project folder whose scripts/ and kit_process/ link to the real ones; a test
    writes its `.env` when it needs one.
    """
    folder = tmp_path / "project"
    folder.mkdir()
    for name in LINKED:
        (folder / name).symlink_to(ROOT / name)
    return folder


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """
    A folder outside the project, to run the scripts from.
    """
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder
