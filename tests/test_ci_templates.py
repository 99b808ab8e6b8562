"""Issue 11, item 2: the CI files `csops init` ships for an office's records repository. The
workflow's own commands run here on a real repository: a pull request's merge result, its range, the
review written to the job summary (GitHub) or printed for the MR note (GitLab)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from csops.yamlio import load_fast
from tests.fixtures import Office, git
from tests.test_tickets_cli import COMPLAINT, T0, step

GITHUB = ".github/workflows/csops.yml"
GITLAB = ".gitlab-ci.yml"


def branch_with_a_ticket(office: Office) -> tuple[str, str]:
    """main, and a branch `feature` that takes a complaint: (base sha, head sha)."""
    base = office.git("rev-parse", "HEAD").stdout.strip()
    office.git("checkout", "-qb", "feature")
    step(office, "CS001", T0, *COMPLAINT)
    head = office.git("rev-parse", "HEAD").stdout.strip()
    return base, head


def shell(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return subprocess.run(["bash", "-e", "-c", script], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PATH": path, "CSOPS_NOW": "", **env})


def test_init_ships_both_ci_files_with_this_version_pinned(office: Office) -> None:
    from csops import __version__

    for rel in (GITHUB, GITLAB):
        text = (office.root / rel).read_text(encoding="utf-8")
        assert f'CSOPS_INSTALL: "csops=={__version__}"' in text
        assert office.git("ls-files", rel).stdout.strip() == rel  # committed with the office


def _expression(value: str, github: dict[str, str]) -> str:
    return re.sub(r"\$\{\{\s*([\w.]+)\s*\}\}", lambda m: github[m.group(1)], value)


def github_steps(office: Office, base: str, head: str, summary: Path) -> list[tuple[str, int, str]]:
    """Run the workflow's steps as GitHub would for a pull request (its merge result checked out,
    the install step left out: csops is this checkout's); (name, exit status, output) of each."""
    office.git("checkout", "-q", "--detach", "main")
    office.git("merge", "-q", "--no-ff", "-m", "Merge pull request #1", "feature")
    workflow = load_fast((office.root / GITHUB).read_text(encoding="utf-8"))
    github = {"github.event.pull_request.base.sha": base, "github.event.pull_request.head.sha": head,
              "github.event_name": "pull_request", "github.event.before": base, "github.sha": head}
    ran = []
    for entry in workflow["jobs"]["records"]["steps"]:
        if "run" not in entry or entry.get("id") == "install":
            continue
        condition = entry.get("if")
        if condition:
            left, right = (part.strip() for part in condition.split("=="))
            if github[left] != right.strip("'"):
                continue
        env = {k: _expression(str(v), github) for k, v in entry.get("env", {}).items()}
        result = shell(entry["run"], office.root, {**env, "GITHUB_STEP_SUMMARY": str(summary)})
        ran.append((entry["name"], result.returncode, result.stdout + result.stderr))
    return ran


def gitlab_script(office: Office, tmp_path: Path, base: str, head: str) -> subprocess.CompletedProcess[str]:
    """Run the job's script as GitLab would for a merge request (the MR head checked out)."""
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", str(origin))
    office.git("remote", "add", "origin", str(origin))
    office.git("push", "-q", "origin", "main")
    office.git("checkout", "-q", "--detach", head)
    job = load_fast((office.root / GITLAB).read_text(encoding="utf-8"))["csops"]
    assert "pip install" in " ".join(job["before_script"])  # the install, left out: csops is this checkout's
    script = "\n".join(job["script"])
    env = {"CI_MERGE_REQUEST_IID": "1", "CI_MERGE_REQUEST_DIFF_BASE_SHA": base, "CI_COMMIT_SHA": head,
           "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main", "CSOPS_NOTE_TOKEN": ""}
    return shell(script, office.root, env)


def test_github_workflow_steps_run_on_a_pull_requests_merge_result(office: Office, tmp_path: Path) -> None:
    base, head = branch_with_a_ticket(office)
    summary = tmp_path / "summary.md"
    ran = github_steps(office, base, head, summary)
    assert [(name, code) for name, code, _ in ran] == [
        ("validate the merge result", 0), ("audit the branch's commits", 0), ("review summary", 0)], ran
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## csops 审核 `") and "新建 工单 `T-2611-A001`" in text and "可以合并" in text


def test_gitlab_job_script_runs_on_a_merge_request(office: Office, tmp_path: Path) -> None:
    base, head = branch_with_a_ticket(office)
    result = gitlab_script(office, tmp_path, base, head)
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "## csops 审核 `" in result.stdout and "T-2611-A001" in result.stdout
    assert office.git("status", "--porcelain").stdout.strip() in ("", "?? csops-review.md")  # merge undone


def broken_branch(office: Office) -> tuple[str, str]:
    base, _ = branch_with_a_ticket(office)
    office.write("records/tickets/2026/11/T-2611-A009.yaml", "id: T-2611-A009\ntype: 投诉\n")
    office.git("add", "-A")
    office.git("commit", "-qm", "hand-made ticket")
    return base, office.git("rev-parse", "HEAD").stdout.strip()


def test_both_ci_files_fail_a_branch_whose_merge_result_has_an_error(office: Office, tmp_path: Path) -> None:
    base, head = broken_branch(office)
    ran = github_steps(office, base, head, tmp_path / "summary.md")
    validate = next(r for r in ran if r[0] == "validate the merge result")
    assert validate[1] == 1 and "T-2611-A009" in validate[2]
    assert "需要处理" in (tmp_path / "summary.md").read_text(encoding="utf-8")
    office.git("checkout", "-q", "feature")
    result = gitlab_script(office, tmp_path, base, head)
    assert result.returncode != 0 and "T-2611-A009" in result.stdout
