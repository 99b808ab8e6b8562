from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.fixtures import GIT_ENV, Office, init_repo


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test sees the developer's git config; every commit has a known identity."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("CSOPS_AS", raising=False)
    monkeypatch.delenv("CSOPS_STATION", raising=False)
    os.environ.pop("GIT_DIR", None)


@pytest.fixture
def office(tmp_path: Path) -> Office:
    """A fresh records repo (csops init) with the demo roster and policy."""
    return Office(init_repo(tmp_path / "office"))
