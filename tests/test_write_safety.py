"""What the first review found: nothing is overwritten, history is never rewritten by csops itself,
a broken policy stops writes, and the hook does not block csops on problems it did not cause."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import datetime

import pytest
from click.testing import CliRunner

from csops.cli import cli
from csops.models.meeting import Held, Meeting, MeetingType
from csops.session import Session
from tests.fixtures import Office

NOW = "2026-11-20T10:00:00+08:00"
LATER = "2026-11-20T11:00:00+08:00"
MT = "records/meetings/2026/11/MT-2611-A001.yaml"


def new_meeting(office: Office, content: str = "本周工作总结") -> str:
    return office.ok("meeting", "new", "--type", "weekly", "--chair", "M001", "--content", content,
                     as_="M001", now=NOW).output


def test_a_new_record_never_overwrites_a_file_written_meanwhile(office: Office) -> None:
    """Two commands on one clone: the second to save must not replace the first one's record."""
    session = Session(root_option=office.root, as_staff="M001", now_option=datetime.fromisoformat(NOW))
    mine = Meeting(id=session.new_id(Meeting, session.now), events=[
        Held(at=session.now, by="M001", type=MeetingType.weekly, chair="M001", content="A的会议")])
    new_meeting(office, "B的会议")  # another command commits the same id first
    before = office.commits()
    try:
        session.save([(None, mine)], action="meeting.new", summary="x")
        raise AssertionError("the save should have been refused")
    except Exception as exc:  # click.ClickException
        assert "already exists" in str(exc)
    assert "B的会议" in (office.root / MT).read_text(encoding="utf-8")
    assert office.commits() == before and office.status() == ""


def test_a_record_changed_since_it_was_read_is_not_overwritten(office: Office) -> None:
    new_meeting(office)
    session = Session(root_option=office.root, as_staff="M001", now_option=datetime.fromisoformat(LATER))
    old = session.load().get("meeting", "MT-2611-A001")
    office.ok("meeting", "decide", "MT-2611-A001", "--text", "补齐回访", "--owner", "CS001",
              "--due", "2026-11-27T18:00:00+08:00", as_="M001", now=LATER)
    stale = old.model_copy(update={"events": [*old.events]})  # type: ignore[union-attr]
    try:
        session.save([(old, stale)], action="meeting.touch", summary="x")
        raise AssertionError("the save should have been refused")
    except Exception as exc:
        assert "changed since this command read it" in str(exc)
    assert "补齐回访" in (office.root / MT).read_text(encoding="utf-8")


def test_staff_add_over_an_invalid_file_is_refused_not_overwritten(office: Office) -> None:
    path = office.write("records/staff/CS099.yaml", "id: CS099\nname: 测试\ndepartment: 客服部  # 手写\nroles: [agent]\nphone: '123'\n")
    office.git("add", "-A")
    office.git("commit", "-qm", "hand-written staff file")
    result = office.run("staff", "add", "CS099", "--name", "测试", "--department", "cs", "--role", "agent", as_="M001")
    assert result.exit_code == 1 and "already exists" in result.output
    assert "# 手写" in path.read_text(encoding="utf-8")


def test_csops_keeps_old_events_as_written(office: Office) -> None:
    new_meeting(office)
    path = office.root / MT
    text = path.read_text(encoding="utf-8").replace("at: 2026-11-20T10:00:00+08:00", "at: 2026-11-20T02:00:00+00:00")
    path.write_text(text, encoding="utf-8")
    office.git("commit", "-qam", "written in UTC by another desk")
    office.ok("meeting", "decide", "MT-2611-A001", "--text", "补齐回访", "--owner", "CS001",
              "--due", "2026-11-27T18:00:00+08:00", as_="M001", now=LATER)
    assert "at: 2026-11-20T02:00:00+00:00" in path.read_text(encoding="utf-8")
    diff = office.git("diff", "HEAD~1", "HEAD", "--", MT).stdout
    removed = [ln for ln in diff.splitlines() if ln.startswith("-") and not ln.startswith("---")]
    assert removed == ["-open_decisions: 0"], diff  # only the summary moves; past events stay as written
    assert "AUDIT-02" not in office.run("audit", "HEAD~1..HEAD").output


def test_a_broken_policy_stops_every_write(office: Office) -> None:
    policy = office.root / "records" / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8") + "foo: 1\n", encoding="utf-8")
    office.git("commit", "-qam", "typo in policy")
    result = office.run("meeting", "new", "--type", "weekly", "--chair", "M001", "--content", "x", as_="M001", now=NOW)
    assert result.exit_code == 1
    assert "records/policy.yaml has 1 error" in result.output and "STORE-SCHEMA-02" in result.output
    assert not (office.root / MT).exists()


def test_a_broken_policy_is_said_by_every_read(office: Office) -> None:
    policy = office.root / "records" / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8") + "foo: 1\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--root", str(office.root), "--now", NOW, "status"])
    assert result.exit_code == 0, result.output
    assert "records/policy.yaml has 1 error" in result.stderr and "STORE-SCHEMA-02" in result.stderr
    assert "policy.yaml" not in result.stdout  # the status itself stays clean for scripts


def test_the_hook_does_not_block_csops_on_problems_it_did_not_cause(office: Office) -> None:
    office.ok("hook", "install")
    office.write("records/meetings/2026/11/MT-2611-A009.yaml", "id: MT-2611-A009\nevents: []\n")
    office.git("add", "-A")
    office.git("commit", "-q", "--no-verify", "-m", "a broken record slipped in")
    new_meeting(office)  # csops checked its own change: only new errors count
    assert office.git("log", "-1", "--format=%s").stdout.startswith("会议纪要 MT-2611-A010")
    office.write("records/staff/CS099.yaml", "id: CS099\nname: 测试\ndepartment: 客服部\nroles: [agent]\n")
    office.git("add", "-A")
    manual = office.git("commit", "-m", "by hand", check=False)
    assert manual.returncode != 0 and "STORE-ENUM-01" in manual.stdout + manual.stderr


def test_one_writer_at_a_time(office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    """A live writer's lock is obeyed: the next one waits its turn, then says the repository is busy."""
    lock = office.root / ".git" / "csops.lock"
    lock.write_text(f"{os.getpid()} {socket.gethostname()}\n")  # this very process: alive
    monkeypatch.setenv("CSOPS_LOCK_WAIT", "0.3")
    started = time.monotonic()
    result = office.run("meeting", "new", "--type", "weekly", "--chair", "M001", "--content", "x", as_="M001", now=NOW)
    assert result.exit_code == 1 and "仓库忙" in result.output and "busy" in result.output
    assert time.monotonic() - started >= 0.3  # it waited before refusing
    assert not (office.root / MT).exists() and not (office.root / "records" / "meetings").exists()
    lock.unlink()
    new_meeting(office)
    assert not lock.exists()


def _dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(proc.stdout)


def test_a_lock_left_by_a_killed_writer_is_cleared(office: Office) -> None:
    """kill -9 leaves the lock file behind; its process is gone, so the next writer clears it."""
    lock = office.root / ".git" / "csops.lock"
    lock.write_text(f"{_dead_pid()} {socket.gethostname()}\n")
    new_meeting(office)
    assert not lock.exists() and (office.root / MT).exists() and office.status() == ""


def test_a_killed_writer_really_leaves_no_blocked_desk(office: Office) -> None:
    """A real csops process killed with SIGKILL while it holds the lock; the next command goes on."""
    import signal

    lock = office.root / ".git" / "csops.lock"
    code = ("import sys, time; from pathlib import Path; from csops.writer import repo_lock\n"
            "with repo_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(office.root)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert lock.exists()  # nothing ran to remove it
    new_meeting(office)
    assert not lock.exists() and office.status() == ""


def test_writers_started_together_wait_their_turn(office: Office) -> None:
    """Eight `meeting new` at once on one clone: every one commits, each with its own id."""
    argv = [sys.executable, "-m", "csops", "--root", str(office.root), "--as", "M001", "--now", NOW,
            "meeting", "new", "--type", "weekly", "--chair", "M001", "--content", "并发写入"]
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env={**os.environ, "CSOPS_LOCK_WAIT": "120"}) for _ in range(8)]
    outputs = [p.communicate()[0] for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, outputs
    made = sorted((office.root / "records" / "meetings").rglob("MT-*.yaml"))
    assert len(made) == 8 and office.status() == ""
    assert office.commits() >= 9


@pytest.mark.parametrize("state", ["merge", "rebase", "cherry-pick", "bisect", "detached", "conflict"])
def test_no_write_in_an_unsafe_git_state(office: Office, state: str) -> None:
    """Mid-merge, mid-rebase, mid-cherry-pick, bisect, a detached HEAD, unresolved conflicts: the
    write is refused with what to do, and nothing is written, staged or committed."""
    git_dir = office.root / ".git"
    head = office.git("rev-parse", "HEAD").stdout.strip()
    if state == "merge":
        (git_dir / "MERGE_HEAD").write_text(head + "\n")
    elif state == "rebase":
        (git_dir / "rebase-merge").mkdir()
    elif state == "cherry-pick":
        (git_dir / "CHERRY_PICK_HEAD").write_text(head + "\n")
    elif state == "bisect":
        (git_dir / "BISECT_LOG").write_text("")
    elif state == "detached":
        office.git("checkout", "-q", "--detach")
    else:  # a real conflict on a scratch file
        office.git("checkout", "-q", "-b", "other")
        office.write("notes.txt", "a\n")
        office.git("add", "notes.txt")
        office.git("commit", "-q", "-m", "a")
        office.git("checkout", "-q", "main")
        office.write("notes.txt", "b\n")
        office.git("add", "notes.txt")
        office.git("commit", "-q", "-m", "b")
        office.git("merge", "-q", "other", check=False)
        (git_dir / "MERGE_HEAD").unlink(missing_ok=True)  # only the unmerged index entries remain
    before = office.commits()
    status = office.status()
    result = office.run("meeting", "new", "--type", "weekly", "--chair", "M001", "--content", "x", as_="M001", now=NOW)
    assert result.exit_code == 1, result.output
    expected = {"merge": "合并", "rebase": "变基", "cherry-pick": "拣选", "bisect": "二分查找",
                "detached": "分离", "conflict": "未解决的冲突"}[state]
    assert expected in result.output and "什么也没有写入" in result.output
    assert office.commits() == before and office.status() == status
    assert not (office.root / "records" / "meetings").exists()


def test_a_writer_killed_between_staging_and_commit_leaves_nothing_staged(office: Office) -> None:
    """kill -9 while git runs the commit (the record written and staged, no commit yet): the next
    command undoes that half write, as a failed write is undone, then does its own work."""
    import signal

    hook = office.root / ".git" / "hooks" / "pre-commit"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text("#!/bin/sh\nsleep 60\n")
    hook.chmod(0o755)
    argv = [sys.executable, "-m", "csops", "--root", str(office.root), "--as", "M001", "--now", NOW,
            "meeting", "new", "--type", "weekly", "--chair", "M001", "--content", "被中断的写入"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while "MT-" not in office.git("diff", "--cached", "--name-only").stdout:
        assert time.monotonic() < deadline and proc.poll() is None, "the write never reached git commit"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # csops, git commit and the hook: as a power cut would
    proc.wait()
    before = office.commits()
    assert office.status() != ""  # staged, uncommitted: what a kill used to leave
    hook.unlink()
    new_meeting(office, "下一位的会议")
    assert office.commits() == before + 1 and office.status() == ""
    made = sorted((office.root / "records" / "meetings").rglob("MT-*.yaml"))
    assert len(made) == 1 and "下一位的会议" in made[0].read_text(encoding="utf-8")
    assert not (office.root / ".git" / "csops.lock").exists()
