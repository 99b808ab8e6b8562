"""Issue 11 item 3 with real git: two desks append to one ticket in two clones and `git pull` merges
it through the events driver; what the union breaks (two closes) is a validate finding; a real
conflict is git's, with markers and no event lost; pre-merge-commit checks the merge result."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from csops.cli import cli
from csops.models.ticket import Ticket
from csops.yamlio import load_fast
from tests.fixtures import Office, git
from tests.test_merge_clones import clone

TICKET = "T-2611-A001"
FILE = f"records/tickets/2026/11/{TICKET}.yaml"
COMPLAINT = ["ticket", "new", "--type", "complaint", "--severity", "general", "--channel", "phone",
             "--customer", "陈先生", "--contact", "13800000000", "--address", "A座1201",
             "--content", "空调不制冷,已报修两次", "--promised-by", "2026-11-03T17:00:00+08:00"]
LATER = "2026-11-04T09:00:00+08:00"


def received(office: Office) -> None:
    office.ok(*COMPLAINT, as_="CS001", now="2026-11-02T09:00:00+08:00")
    office.ok("ticket", "forward", TICKET, "--to", "E002", "--department", "engineering", "--reason", "空调归工程部",
              as_="CS001", now="2026-11-02T09:10:00+08:00")


def resolved(office: Office) -> None:
    received(office)
    office.ok("ticket", "resolve", TICKET, "--resolution", "更换压缩机", "--validity", "valid", "--verified-by",
              "CS002", "--corrective-action", "加强巡检", "--findings", "压缩机老化", "--evidence", "维修单WX-1",
              "--reply-text", "已为您修好", as_="E002", now="2026-11-03T10:00:00+08:00")
    office.confirm("CS002", TICKET, "2026-11-03T11:00:00+08:00")  # the verifier confirms the validity check
    office.ok("ticket", "callback", TICKET, "--mode", "phone", "--satisfied", "--signature", "--notes", "客户满意",
              as_="M001", now="2026-11-03T15:00:00+08:00")


def close(desk: Office, who: str, now: str) -> None:
    desk.ok("ticket", "close", TICKET, "--customer-notified-at", "2026-11-03T15:00:00+08:00", as_=who, now=now)


def update(desk: Office, who: str, now: str, text: str) -> None:
    desk.ok("ticket", "update", TICKET, "--text", text, as_=who, now=now)


def two_desks(office: Office, tmp_path: Path) -> tuple[Office, Office]:
    """Two clones, set up as the README says: `csops hook install` in each (git config is not cloned)."""
    desks = clone(office.root, tmp_path / "desk-a", "A"), clone(office.root, tmp_path / "desk-b", "B")
    for desk in desks:
        desk.ok("hook", "install")
    return desks


def pull(desk: Office, other: Office) -> tuple[int, str]:
    proc = desk.git("pull", "--no-rebase", "--no-edit", str(other.root), "main", check=False)
    return proc.returncode, proc.stdout + proc.stderr


def test_two_desks_append_to_one_ticket_and_git_pull_merges_them_in_time_order(office: Office,
                                                                                tmp_path: Path) -> None:
    received(office)
    desk_a, desk_b = two_desks(office, tmp_path)
    update(desk_a, "CS001", "2026-11-02T10:00:00+08:00", "甲台: 已联系工程部")
    update(desk_b, "CS002", "2026-11-02T09:30:00+08:00", "乙台: 客户又来电催")
    code, said = pull(desk_a, desk_b)
    assert code == 0, said
    assert desk_a.git("ls-files", "-u").stdout == "" and desk_a.status() == ""
    assert len(desk_a.git("log", "-1", "--format=%P").stdout.split()) == 2  # a real merge commit
    data = load_fast((desk_a.root / FILE).read_text(encoding="utf-8"))
    assert [(e["action"], e["by"]) for e in data["events"]] == [
        ("received", "CS001"), ("forward", "CS001"), ("update", "CS002"), ("update", "CS001")]
    summary = Ticket.model_validate(data).derived_summary()
    assert (data["status"], data["owner"]) == (summary["status"].value, summary["owner"]) == ("in_progress", "E002")
    result = desk_a.run("validate", "--format", "json", now=LATER)
    assert result.exit_code == 0, result.output
    assert not [f for f in json.loads(result.output)["findings"] if f["rule"].startswith("STORE-")]


def test_two_desks_close_the_same_ticket_merge_without_conflict_and_validate_names_TKT_GEN_06(
        office: Office, tmp_path: Path) -> None:
    resolved(office)
    desk_a, desk_b = two_desks(office, tmp_path)
    close(desk_a, "CS001", "2026-11-03T16:00:00+08:00")
    close(desk_b, "CS003", "2026-11-03T16:30:00+08:00")
    code, said = pull(desk_a, desk_b)
    assert desk_a.git("ls-files", "-u").stdout == ""  # git merged the file: no conflict
    assert "<<<<<<<" not in (desk_a.root / FILE).read_text(encoding="utf-8")
    # ... but the merge result breaks a rule, so pre-merge-commit stops the merge commit
    assert code != 0 and "TKT-GEN-06" in said
    result = desk_a.run("validate", "--format", "json", now=LATER)
    assert result.exit_code == 1
    found = [f for f in json.loads(result.output)["findings"] if f["rule"] == "TKT-GEN-06"]
    assert len(found) == 1 and found[0]["path"] == FILE and found[0]["severity"] == "error"
    second_close = (desk_a.root / FILE).read_text(encoding="utf-8").splitlines()[found[0]["line"] - 1]
    assert "action: close" in second_close
    assert "`close`" in found[0]["message"] and "merge" in found[0]["hint"]


def test_both_desks_changing_content_is_a_git_conflict_with_markers_and_no_event_lost(
        office: Office, tmp_path: Path) -> None:
    received(office)
    desk_a, desk_b = two_desks(office, tmp_path)
    for desk, who, now, text in ((desk_a, "CS001", "2026-11-02T10:00:00+08:00", "甲台跟进"),
                                 (desk_b, "CS002", "2026-11-02T09:30:00+08:00", "乙台跟进")):
        update(desk, who, now, text)
        path = desk.root / FILE
        path.write_text(path.read_text(encoding="utf-8").replace("空调不制冷,已报修两次", f"{text}改写的内容"),
                        encoding="utf-8")
        desk.git("commit", "-qam", "hand edit of content")
    code, said = pull(desk_a, desk_b)
    assert code != 0 and "CONFLICT" in said and "content" in said
    assert FILE in desk_a.git("ls-files", "-u").stdout
    text = (desk_a.root / FILE).read_text(encoding="utf-8")
    assert "<<<<<<< ours" in text and ">>>>>>> theirs" in text
    assert "甲台跟进" in text and "乙台跟进" in text
    result = desk_a.run("validate", now=LATER)
    assert result.exit_code == 1 and "STORE-CONFLICT-01" in result.output


def test_pre_merge_commit_checks_the_merge_result(office: Office) -> None:
    office.ok("hook", "install")
    resolved(office)
    office.git("checkout", "-q", "-b", "desk-b")
    update(office, "CS002", "2026-11-03T15:30:00+08:00", "乙台: 客户致谢")
    office.git("checkout", "-q", "main")
    update(office, "CS001", "2026-11-03T15:20:00+08:00", "甲台: 回访记录已归档")
    good = office.git("merge", "--no-ff", "--no-edit", "desk-b", check=False)
    assert good.returncode == 0, good.stdout + good.stderr
    before = office.commits()
    office.git("checkout", "-q", "-b", "desk-c")
    close(office, "CS003", "2026-11-03T16:30:00+08:00")
    office.git("checkout", "-q", "main")
    close(office, "CS001", "2026-11-03T16:00:00+08:00")
    after_close = office.commits()
    bad = office.git("merge", "--no-ff", "--no-edit", "desk-c", check=False)
    assert bad.returncode != 0 and "TKT-GEN-06" in bad.stdout + bad.stderr
    assert office.commits() == after_close == before + 1  # no merge commit was made
    assert (office.root / ".git" / "MERGE_HEAD").exists() and office.git("ls-files", "-u").stdout == ""
    office.git("merge", "--abort")


def test_init_sets_up_the_driver_and_hook_install_is_idempotent_and_spares_foreign_hooks(tmp_path: Path) -> None:
    root = tmp_path / "office"
    assert CliRunner().invoke(cli, ["init", str(root)]).exit_code == 0
    attributes = (root / ".gitattributes").read_text(encoding="utf-8")
    assert "records/**/*.yaml merge=csops-events" in attributes and "records/policy.yaml merge=text" in attributes
    assert ".gitattributes" in git(root, "ls-files").stdout and git(root, "status", "--porcelain").stdout == ""
    driver = git(root, "config", "merge.csops-events.driver").stdout
    assert "-m csops merge-driver %O %A %B %P" in driver
    assert "validate --staged" in (root / ".git" / "hooks" / "pre-merge-commit").read_text()
    office = Office(root)
    again = office.ok("hook", "install")
    assert "pre-merge-commit" in again.output and "请提交" not in again.output  # nothing to commit
    assert (root / ".gitattributes").read_text(encoding="utf-8") == attributes
    foreign = root / ".git" / "hooks" / "pre-merge-commit"
    foreign.write_text("#!/bin/sh\nexit 0\n")
    refused = office.run("hook", "install")
    assert refused.exit_code == 1 and "--force" in refused.output and "pre-merge-commit" in refused.output
    assert foreign.read_text() == "#!/bin/sh\nexit 0\n"
    office.ok("hook", "install", "--force")
    assert "validate --staged" in foreign.read_text()


def test_hook_install_adds_the_attributes_to_an_older_office(office: Office) -> None:
    (office.root / ".gitattributes").write_text("*.png binary\n", encoding="utf-8")
    result = office.ok("hook", "install")
    assert "请提交" in result.output
    lines = (office.root / ".gitattributes").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "*.png binary" and "records/**/*.yaml merge=csops-events" in lines


def test_another_kind_merges_too_its_summary_refolded(office: Office, tmp_path: Path) -> None:
    office.ok("meeting", "new", "--type", "weekly", "--chair", "M001", "--content", "周会",
              as_="M001", now="2026-11-20T10:00:00+08:00")
    desk_a, desk_b = two_desks(office, tmp_path)
    for desk, text, now in ((desk_a, "甲: 更新排班", "2026-11-20T10:30:00+08:00"),
                            (desk_b, "乙: 补钥匙", "2026-11-20T10:20:00+08:00")):
        desk.ok("meeting", "decide", "MT-2611-A001", "--text", text, "--owner", "CS001",
                "--due", "2026-11-27T18:00:00+08:00", as_="M001", now=now)
    code, said = pull(desk_a, desk_b)
    assert code == 0, said
    data = load_fast((desk_a.root / "records/meetings/2026/11/MT-2611-A001.yaml").read_text(encoding="utf-8"))
    assert data["open_decisions"] == 2 and [e.get("text") for e in data["events"]][1:] == ["乙: 补钥匙", "甲: 更新排班"]
    assert desk_a.run("validate", now="2026-11-21T09:00:00+08:00").exit_code == 0
