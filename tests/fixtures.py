"""Real records repositories in temporary folders, driven through the real CLI and the real git."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from click.testing import CliRunner, Result

from csops.cli import cli

PROJECT = Path(__file__).resolve().parents[1]
DEMO_RECORDS = PROJECT / "records"

GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Test Runner",
    "GIT_AUTHOR_EMAIL": "runner@example.invalid",
    "GIT_COMMITTER_NAME": "Test Runner",
    "GIT_COMMITTER_EMAIL": "runner@example.invalid",
}


def git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=check)


def init_repo(path: Path, *, station: str = "A", hook: bool = False) -> Path:
    """A records repo made by `csops init`, with the demo roster and policy committed."""
    args = ["init", str(path), "--station", station]
    if not hook:
        args.append("--no-hook")
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    git(path, "config", "user.name", "Test Runner")
    git(path, "config", "user.email", "runner@example.invalid")
    shutil.copy(DEMO_RECORDS / "policy.yaml", path / "records" / "policy.yaml")
    for staff_file in (DEMO_RECORDS / "staff").glob("*.yaml"):
        shutil.copy(staff_file, path / "records" / "staff" / staff_file.name)
    git(path, "add", "records")
    git(path, "commit", "-q", "-m", "demo roster and policy")
    return path


def demo_repo(path: Path) -> Path:
    """A git repository at ``path`` holding a copy of the demo office, committed."""
    path.mkdir()
    shutil.copytree(DEMO_RECORDS, path / "records")
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "records")
    git(path, "commit", "-q", "-m", "demo")
    return path


def keyboard_env(root: Path, staff_id: str) -> dict[str, str | None]:
    """git's identity set to ``staff_id``'s own (their first git email in the roster): the member of
    staff at their own keyboard. Empty when they have no git email."""
    from ruamel.yaml import YAML

    path = root / "records" / "staff" / f"{staff_id}.yaml"
    if not path.is_file():
        return {}
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    emails = data.get("git_emails") or []
    if not emails:
        return {}
    return {f"GIT_{who}_{part}": value for who in ("AUTHOR", "COMMITTER")
            for part, value in (("NAME", str(data["name"])), ("EMAIL", str(emails[0])))}


@dataclass
class Office:
    """A records repository and a way to run csops in it."""

    root: Path

    def run(self, *args: str, as_: str | None = None, now: datetime | str | None = None,
            input: str | None = None) -> Result:
        argv = ["--root", str(self.root)]
        if as_:
            argv += ["--as", as_]
        if now is not None:
            argv += ["--now", now if isinstance(now, str) else now.isoformat()]
        return CliRunner().invoke(cli, [*argv, *args], input=input, catch_exceptions=False)

    def ok(self, *args: str, **kwargs: object) -> Result:
        result = self.run(*args, **kwargs)  # type: ignore[arg-type]
        assert result.exit_code == 0, f"csops {' '.join(args)} exited {result.exit_code}:\n{result.output}"
        return result

    def confirm(self, staff_id: str, record_id: str, now: datetime | str | None = None, *args: str) -> Result:
        """``csops confirm`` run by ``staff_id`` at their own keyboard (their git identity, no --as)."""
        argv = ["--root", str(self.root)] + (["--now", now if isinstance(now, str) else now.isoformat()] if now else [])
        result = CliRunner().invoke(cli, [*argv, "confirm", record_id, *args], catch_exceptions=False,
                                    env=keyboard_env(self.root, staff_id))
        assert result.exit_code == 0, f"csops confirm {record_id} by {staff_id} exited {result.exit_code}:\n{result.output}"
        return result

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return git(self.root, *args, check=check)

    def commits(self) -> int:
        return int(self.git("rev-list", "--count", "HEAD").stdout.strip())

    def status(self) -> str:
        return self.git("status", "--porcelain", "--untracked-files=all").stdout


def csops_subprocess(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "csops", *args], cwd=cwd, capture_output=True, text=True,
                          env=full_env)
