"""Issue 2: the one write path. Atomic files, one commit per action, nothing half-done on failure."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.fixtures import Office

NOW = "2026-11-20T10:00:00+08:00"
LATER = "2026-11-20T11:00:00+08:00"
MT = "records/meetings/2026/11/MT-2611-A001.yaml"


def new_meeting(office: Office) -> None:
    office.ok("meeting", "new", "--type", "weekly", "--chair", "M001", "--content", "本周工作总结", as_="M001", now=NOW)


def stray_temp_files(root: Path) -> list[Path]:
    return [p for p in (root / "records").rglob("*") if p.name.endswith(".tmp")]


@pytest.fixture
def own_git_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """git's identity comes from this clone's config (user.email), as on a desk's own machine."""
    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(key, raising=False)


def test_a_command_makes_one_commit_authored_by_the_person_at_the_keyboard(office: Office, own_git_config: None) -> None:
    office.git("config", "user.name", "张伟")
    office.git("config", "user.email", "zhangwei@fenghui.example")
    before = office.commits()
    new_meeting(office)
    assert office.commits() == before + 1
    log = office.git("log", "-1", "--format=%an <%ae>%n%B").stdout
    assert log.startswith("张伟 <zhangwei@fenghui.example>")
    assert "Csops-Entered-By" not in log  # M001 acted at their own keyboard
    assert "Csops-Record: MT-2611-A001" in log
    assert "Csops-Action: meeting.new" in log
    assert "Csops-Actor: M001" in log
    assert office.status() == ""
    assert (office.root / MT).read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=../../../../schemas/meeting.schema.json")


def test_actor_from_git_email_mapped_through_the_roster(office: Office, own_git_config: None) -> None:
    office.git("config", "user.email", "sunli@fenghui.example")
    office.git("config", "user.name", "孙丽")
    office.ok("meeting", "new", "--type", "other", "--chair", "S001", "--content", "排班讨论", now=NOW)
    assert office.git("log", "-1", "--format=%an <%ae>").stdout.strip() == "孙丽 <sunli@fenghui.example>"
    assert "by: S001" in (office.root / MT).read_text(encoding="utf-8")


def test_a_write_without_a_git_identity_is_refused_not_forged(office: Office, own_git_config: None) -> None:
    office.git("config", "--unset", "user.email")
    office.git("config", "--unset", "user.name")
    office.git("config", "user.useConfigOnly", "true")  # git may not guess one from the host name
    result = office.run("meeting", "new", "--type", "weekly", "--chair", "M001", "--content", "x", as_="M001", now=NOW)
    assert result.exit_code == 1 and "git config user.email" in result.output
    assert not (office.root / MT).exists() and office.status() == ""


def test_unknown_actor_is_refused_with_a_clear_message(office: Office, own_git_config: None) -> None:
    result = office.run("meeting", "new", "--type", "weekly", "--chair", "M001", "--content", "x", as_="X999", now=NOW)
    assert result.exit_code == 2
    assert "X999" in result.output and "csops staff list" in result.output
    office.git("config", "user.email", "stranger@example.com")
    result = office.run("meeting", "new", "--type", "weekly", "--chair", "M001", "--content", "x", now=NOW)
    assert result.exit_code == 2
    assert "cannot tell who you are" in result.output
    assert not (office.root / MT).exists()


def test_no_commit_leaves_the_change_staged(office: Office) -> None:
    before = office.commits()
    office.ok("--no-commit", "meeting", "new", "--type", "weekly", "--chair", "M001", "--content", "x", as_="M001", now=NOW)
    assert office.commits() == before
    assert office.git("diff", "--cached", "--name-only").stdout.strip() == MT


def test_refused_change_writes_nothing(office: Office) -> None:
    new_meeting(office)
    before_text = (office.root / MT).read_bytes()
    before = office.commits()
    result = office.run("meeting", "done", "MT-2611-A001", "4", as_="M001", now=LATER)
    assert result.exit_code == 1
    assert "RPT-13" in result.output and "decision 4 is marked done" in result.output
    assert (office.root / MT).read_bytes() == before_text
    assert office.commits() == before and office.status() == ""


def test_failure_after_temp_file_before_rename_leaves_record_intact(office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    new_meeting(office)
    before_text = (office.root / MT).read_bytes()
    before = office.commits()

    def disk_full(src: str, dst: str) -> None:
        assert Path(src).exists()  # the temp file was written and synced
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    result = office.run("meeting", "decide", "MT-2611-A001", "--text", "补齐回访", "--owner", "CS001",
                        "--due", "2026-11-27T18:00:00+08:00", as_="M001", now=LATER)
    monkeypatch.undo()
    assert result.exit_code == 1
    assert "nothing was written or committed" in result.output
    assert (office.root / MT).read_bytes() == before_text
    assert stray_temp_files(office.root) == []
    assert office.commits() == before
    assert office.status() == ""


def test_failure_after_rename_before_commit_rolls_back(office: Office) -> None:
    new_meeting(office)
    before_text = (office.root / MT).read_bytes()
    before = office.commits()
    hook = office.root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'refusing for the test' >&2\nexit 1\n")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)
    result = office.run("meeting", "decide", "MT-2611-A001", "--text", "补齐回访", "--owner", "CS001",
                        "--due", "2026-11-27T18:00:00+08:00", as_="M001", now=LATER)
    assert result.exit_code == 1
    assert "refusing for the test" in result.output
    assert (office.root / MT).read_bytes() == before_text  # old record intact
    assert office.commits() == before  # no half-made commit
    assert office.status() == ""  # index clean, nothing untracked
    assert stray_temp_files(office.root) == []


def test_failure_on_a_new_record_removes_it(office: Office) -> None:
    hook = office.root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\nexit 1\n")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)
    before = office.commits()
    result = office.run("meeting", "new", "--type", "weekly", "--chair", "M001", "--content", "x", as_="M001", now=NOW)
    assert result.exit_code == 1
    assert "nothing was written or committed" in result.output
    assert not (office.root / MT).exists()
    assert not (office.root / "records" / "meetings").exists()  # the folders it made are gone too
    assert office.commits() == before
    assert office.status() == ""


def test_user_edits_to_the_same_record_are_never_swept_into_a_commit(office: Office) -> None:
    new_meeting(office)
    office.ok("meeting", "decide", "MT-2611-A001", "--text", "补齐回访", "--owner", "CS001",
              "--due", "2026-11-27T18:00:00+08:00", as_="M001", now=NOW)
    path = office.root / MT
    path.write_text(path.read_text(encoding="utf-8") + "# my note\n", encoding="utf-8")
    result = office.run("meeting", "done", "MT-2611-A001", "1", as_="M001", now=LATER)
    assert result.exit_code == 1
    assert "uncommitted changes" in result.output
    assert path.read_text(encoding="utf-8").endswith("# my note\n")


def test_other_staged_work_stays_out_of_the_commit(office: Office) -> None:
    office.write("notes.txt", "draft\n")
    office.git("add", "notes.txt")
    new_meeting(office)
    assert office.git("show", "--name-only", "--format=", "HEAD").stdout.split() == [MT]
    assert office.git("diff", "--cached", "--name-only").stdout.strip() == "notes.txt"


def test_round_trip_keeps_comments_and_key_order(office: Office) -> None:
    new_meeting(office)
    path = office.root / MT
    text = path.read_text(encoding="utf-8").replace("content: 本周工作总结", "content: 本周工作总结  # 张经理补充")
    path.write_text(text, encoding="utf-8")
    office.git("commit", "-qam", "hand note")
    office.ok("meeting", "decide", "MT-2611-A001", "--text", "补齐回访", "--owner", "CS001",
              "--due", "2026-11-27T18:00:00+08:00", as_="M001", now=LATER)
    after = path.read_text(encoding="utf-8")
    assert "# 张经理补充" in after
    assert after.index("open_decisions") < after.index("events:")
    assert "open_decisions: 1" in after


def test_missing_option_is_a_usage_error_off_a_terminal(office: Office) -> None:
    result = office.run("meeting", "new", "--type", "weekly", "--chair", "M001", as_="M001", now=NOW)
    assert result.exit_code == 2
    assert "missing --content" in result.output
    assert not (office.root / MT).exists()


def test_missing_option_is_prompted_for_on_a_terminal(office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("csops.commands.interactive", lambda: True)
    result = office.run("meeting", "new", "--type", "weekly", "--chair", "M001", as_="M001", now=NOW, input="本周工作总结\n")
    assert result.exit_code == 0, result.output
    assert "content: 本周工作总结" in (office.root / MT).read_text(encoding="utf-8")


def test_a_value_the_model_rejects_is_a_refusal_not_a_crash(office: Office) -> None:
    result = office.run("staff", "add", "CS099", "--name", "测试", "--department", "客服部", "--role", "agent", as_="M001")
    assert result.exit_code == 1
    assert "STORE-ENUM-01" in result.output and "write `cs`" in result.output
    assert not (office.root / "records" / "staff" / "CS099.yaml").exists()


def test_a_refusal_is_json_with_format_json(office: Office) -> None:
    import json

    new_meeting(office)
    result = office.run("--format", "json", "meeting", "done", "MT-2611-A001", "4", as_="M001", now=LATER)
    assert result.exit_code == 1
    payload = json.loads(result.output)
    assert payload["refused"] is True and payload["problems"][0]["rule"] == "RPT-13"


def test_a_git_email_of_an_inactive_person_says_so(office: Office, own_git_config: None) -> None:
    path = office.root / "records/staff/S001.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("active: true", "active: false"), encoding="utf-8")
    office.git("config", "user.email", "sunli@fenghui.example")
    result = office.run("meeting", "new", "--type", "other", "--chair", "M001", "--content", "x", now=NOW)
    assert result.exit_code == 2
    assert "孙丽" in result.output and "not active" in result.output
    assert not (office.root / MT).exists()


def test_written_records_keep_their_mode_and_new_ones_get_the_usual_one(office: Office) -> None:
    new_meeting(office)
    path = office.root / MT
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0600
    path.chmod(0o640)
    office.ok("meeting", "decide", "MT-2611-A001", "--text", "补齐回访记录", "--owner", "CS001",
              "--due", "2026-11-30T18:00:00+08:00", as_="M001", now=NOW)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
