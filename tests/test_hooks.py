"""Issue 2: a commit with a broken record is refused by the hook; a good one passes.

Both forms, with real git: `csops hook install`, and the pre-commit framework using this
project's .pre-commit-hooks.yaml (pre-commit builds its own environment from this checkout).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures import PROJECT, Office, git

BROKEN = "schema_version: 1\nid: CS099\nname: 测试\ndepartment: 客服部\nroles: [agent]\n"
GOOD = "schema_version: 1\nid: CS099\nname: 测试\ndepartment: cs\nroles: [agent]\n"


def attempt_commit(office: Office, text: str) -> subprocess.CompletedProcess[str]:
    office.write("records/staff/CS099.yaml", text)
    office.git("add", "records/staff/CS099.yaml")
    return office.git("commit", "-m", "add CS099", check=False)


def test_csops_hook_install_refuses_a_broken_record(office: Office) -> None:
    office.ok("hook", "install")
    before = office.commits()
    refused = attempt_commit(office, BROKEN)
    assert refused.returncode != 0
    assert "STORE-ENUM-01" in refused.stdout + refused.stderr
    assert office.commits() == before
    accepted = attempt_commit(office, GOOD)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert office.commits() == before + 1


def test_hook_checks_the_staged_state_not_the_working_file(office: Office) -> None:
    office.ok("hook", "install")
    office.write("records/staff/CS099.yaml", BROKEN)
    office.git("add", "records/staff/CS099.yaml")
    office.write("records/staff/CS099.yaml", GOOD)  # fixed on disk, but not staged
    before = office.commits()
    refused = office.git("commit", "-m", "add CS099", check=False)
    assert refused.returncode != 0
    assert "STORE-ENUM-01" in refused.stdout + refused.stderr
    assert office.commits() == before


def test_hook_install_does_not_clobber_a_foreign_hook(office: Office) -> None:
    hook = office.root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nexit 0\n")
    result = office.run("hook", "install")
    assert result.exit_code == 1 and "--force" in result.output
    office.ok("hook", "install", "--force")
    assert "csops validate --staged" in hook.read_text()


@pytest.mark.skipif(shutil.which("git") is None or not (PROJECT / ".git").exists(),
                    reason="needs this project as a git checkout")
def test_pre_commit_framework_refuses_a_broken_record(office: Office, tmp_path: Path) -> None:
    head = git(PROJECT, "rev-parse", "HEAD").stdout.strip()
    tracked = git(PROJECT, "ls-files", ".pre-commit-hooks.yaml").stdout.strip()
    if not tracked:
        pytest.skip(".pre-commit-hooks.yaml is not committed in this checkout")
    office.write(".pre-commit-config.yaml", f"repos:\n  - repo: {PROJECT}\n    rev: {head}\n    hooks:\n      - id: csops-validate\n")
    office.git("add", ".pre-commit-config.yaml")
    office.git("commit", "-qm", "use the pre-commit framework")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    bindir = Path(sys.executable).parent
    subprocess.run([str(bindir / "pre-commit"), "install"], cwd=office.root, check=True, env=env, capture_output=True)
    before = office.commits()
    office.write("records/staff/CS099.yaml", BROKEN)
    office.git("add", "records/staff/CS099.yaml")
    refused = subprocess.run(["git", "commit", "-m", "add CS099"], cwd=office.root, env=env, capture_output=True, text=True)
    assert refused.returncode != 0, refused.stdout + refused.stderr
    output = refused.stdout + refused.stderr
    assert "csops-validate" in output and "STORE-ENUM-01" in output
    office.write("records/staff/CS099.yaml", GOOD)
    office.git("add", "records/staff/CS099.yaml")
    accepted = subprocess.run(["git", "commit", "-m", "add CS099"], cwd=office.root, env=env, capture_output=True, text=True)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert office.commits() == before + 1
