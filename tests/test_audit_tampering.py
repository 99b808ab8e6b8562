"""Issue 10: history you can trust. Each test builds a real repository, acts through csops as a
member of staff at their own keyboard (git identity), tampers with plain git, and sees ``csops
audit`` exit 1 naming the commit — or, for what is legitimate, stay quiet."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.fixtures import Office

NOW = "2026-11-20T10:00:00+08:00"
LATER = "2026-11-20T11:00:00+08:00"
MT = "records/meetings/2026/11/MT-2611-A001.yaml"
PEOPLE = {"CS001": ("李娜", "lina@fenghui.example"), "CS002": ("王芳", "wangfang@fenghui.example"),
          "M001": ("张伟", "zhangwei@fenghui.example"), "G001": ("陈建国", "chenjianguo@fenghui.example"),
          "A001": ("黄静", "huangjing@fenghui.example")}


@pytest.fixture
def at_keyboard(monkeypatch: pytest.MonkeyPatch) -> object:
    """Put a member of staff at the keyboard: git's identity becomes theirs."""

    def sit(staff_id: str) -> None:
        name, email = PEOPLE[staff_id]
        for who in ("AUTHOR", "COMMITTER"):
            monkeypatch.setenv(f"GIT_{who}_NAME", name)
            monkeypatch.setenv(f"GIT_{who}_EMAIL", email)

    return sit


def audit(office: Office, *args: str) -> tuple[int, list[dict[str, str]], dict[str, object]]:
    result = office.run("audit", *args, "--format", "json")
    payload = json.loads(result.output)
    return result.exit_code, payload["findings"], payload


def errors(findings: list[dict[str, str]], rule: str) -> list[dict[str, str]]:
    return [f for f in findings if f["rule"] == rule and f["severity"] == "error"]


def head(office: Office) -> str:
    return office.git("rev-parse", "HEAD").stdout.strip()


def meeting(office: Office, sit: object) -> None:
    sit("M001")  # type: ignore[operator]
    office.ok("meeting", "new", "--type", "weekly", "--chair", "M001", "--content", "本周工作总结", now=NOW)
    office.ok("meeting", "decide", "MT-2611-A001", "--text", "补齐回访", "--owner", "CS001",
              "--due", "2026-11-27T18:00:00+08:00", now=LATER)


def append_done(office: Office, by: str, extra: str = "") -> None:
    path = office.root / MT
    path.write_text(path.read_text(encoding="utf-8").replace("open_decisions: 1", "open_decisions: 0")
                    + f"  - at: 2026-11-20T12:00:00+08:00\n    by: {by}\n    action: done\n    decision: 1\n{extra}",
                    encoding="utf-8")


def test_history_made_at_each_persons_own_keyboard_is_clean(office: Office, at_keyboard: object) -> None:
    meeting(office, at_keyboard)
    code, findings, payload = audit(office)
    assert code == 0, findings
    assert not [f for f in findings if f["severity"] == "error"]
    assert payload["identity"] == "git-author-names"


@pytest.mark.parametrize("message, expected", [
    ("done", 1),  # a plain hand commit: the event's by
    ("完成决议\n\nCsops-Record: MT-2611-A001\nCsops-Action: meeting.done\nCsops-Actor: M001", 2),  # and the trailer
])
def test_AUDIT_03_forged_by_with_and_without_trailers(office: Office, at_keyboard: object, message: str,
                                                      expected: int) -> None:
    meeting(office, at_keyboard)
    at_keyboard("CS001")  # type: ignore[operator]
    append_done(office, "M001")
    office.git("commit", "-qam", message)
    code, findings, _ = audit(office)
    hits = errors(findings, "AUDIT-03")
    assert code == 1 and len(hits) == expected
    assert all(head(office)[:10] in h["message"] for h in hits)
    assert any("event 3 of MT-2611-A001" in h["message"] for h in hits)


def test_AUDIT_03_as_never_forges_the_author_it_records_who_entered_it(office: Office, at_keyboard: object) -> None:
    meeting(office, at_keyboard)
    at_keyboard("CS001")  # type: ignore[operator]
    office.ok("meeting", "done", "MT-2611-A001", "1", as_="M001", now="2026-11-20T12:00:00+08:00")
    log = office.git("log", "-1", "--format=%an <%ae>%n%B").stdout
    assert log.startswith("李娜 <lina@fenghui.example>")  # the keyboard, not the --as person
    assert "Csops-Actor: M001" in log and "Csops-Entered-By: CS001" in log
    assert "entered_by: CS001" in (office.root / MT).read_text(encoding="utf-8")
    code, findings, _ = audit(office)
    assert code == 0 and not errors(findings, "AUDIT-03")
    # Typing someone else in as the one who entered it is a forgery too.
    office.git("reset", "-q", "--hard", "HEAD~1")
    append_done(office, "M001", "    entered_by: CS002\n")
    office.git("commit", "-qam", "done")
    code, findings, _ = audit(office, "HEAD~1..HEAD")
    assert code == 1 and "entered_by CS002" in errors(findings, "AUDIT-03")[0]["message"]


def test_AUDIT_01_a_deleted_record(office: Office, at_keyboard: object) -> None:
    meeting(office, at_keyboard)
    office.git("rm", "-q", MT)
    office.git("commit", "-qm", "tidy up")
    code, findings, _ = audit(office)
    assert code == 1 and head(office)[:10] in errors(findings, "AUDIT-01")[0]["message"]


def test_AUDIT_08_a_renumbered_record(office: Office, at_keyboard: object) -> None:
    meeting(office, at_keyboard)
    new = MT.replace("A001", "A009")
    office.git("mv", MT, new)
    path = office.root / new
    path.write_text(path.read_text(encoding="utf-8").replace("id: MT-2611-A001", "id: MT-2611-A009"), encoding="utf-8")
    office.git("commit", "-qam", "renumber")
    code, findings, _ = audit(office)
    hits = errors(findings, "AUDIT-08")
    assert code == 1 and hits and "MT-2611-A001 to MT-2611-A009" in hits[0]["message"]
    assert head(office)[:10] in hits[0]["message"]


def test_AUDIT_02_an_edited_past_event(office: Office, at_keyboard: object) -> None:
    meeting(office, at_keyboard)
    path = office.root / MT
    path.write_text(path.read_text(encoding="utf-8").replace("补齐回访", "已取消"), encoding="utf-8")
    office.git("commit", "-qam", "fix wording")
    code, findings, _ = audit(office)
    assert code == 1 and head(office)[:10] in errors(findings, "AUDIT-02")[0]["message"]


def test_AUDIT_05_an_event_dated_after_its_commit(office: Office, at_keyboard: object) -> None:
    meeting(office, at_keyboard)
    path = office.root / MT
    path.write_text(path.read_text(encoding="utf-8").replace("open_decisions: 1", "open_decisions: 0")
                    + "  - at: 2099-01-01T12:00:00+08:00\n    by: M001\n    action: done\n    decision: 1\n",
                    encoding="utf-8")
    office.git("commit", "-qam", "done early")
    code, findings, _ = audit(office)
    assert code == 1 and head(office)[:10] in errors(findings, "AUDIT-05")[0]["message"]


def closed_complaint(office: Office, sit: object) -> str:
    sit("CS001")  # type: ignore[operator]
    tid = "T-2611-A001"
    steps = [
        ("CS001", "2026-11-02T09:00:00+08:00", ["ticket", "new", "--type", "complaint", "--severity", "general",
                                                 "--channel", "phone", "--customer", "陈先生", "--contact", "13800000000",
                                                 "--address", "A座1201", "--content", "空调不制冷,已报修两次",
                                                 "--promised-by", "2026-11-03T17:00:00+08:00"]),
        ("CS001", "2026-11-02T09:10:00+08:00", ["ticket", "forward", tid, "--to", "E002", "--department",
                                                 "engineering", "--reason", "空调归工程部"]),
        ("E002", "2026-11-03T10:00:00+08:00", ["ticket", "resolve", tid, "--resolution", "更换压缩机", "--validity",
                                                "valid", "--verified-by", "CS002", "--corrective-action", "加强巡检",
                                                "--findings", "压缩机老化", "--evidence", "维修单WX-1",
                                                "--reply-text", "已为您修好"]),
        ("M001", "2026-11-03T15:00:00+08:00", ["ticket", "callback", tid, "--mode", "phone", "--satisfied",
                                                "--signature", "--notes", "客户满意"]),
        ("CS001", "2026-11-03T16:00:00+08:00", ["ticket", "close", tid, "--customer-notified-at",
                                                 "2026-11-03T15:00:00+08:00"]),
    ]
    for who, when, args in steps:
        office.ok(*args, as_=who if who != "CS001" else None, now=when)
        if args[1] == "resolve":  # the verifier confirms the validity check at their own keyboard
            office.confirm("CS002", tid, "2026-11-03T11:00:00+08:00")
    return tid


def test_AUDIT_06_07_a_closed_ticket_edited_without_reopen(office: Office, at_keyboard: object) -> None:
    tid = closed_complaint(office, at_keyboard)
    code, findings, _ = audit(office)
    assert code == 0, [f for f in findings if f["severity"] == "error"]
    path = next((office.root / "records/tickets").rglob(f"{tid}.yaml"))
    path.write_text(path.read_text(encoding="utf-8").replace("空调不制冷,已报修两次", "空调噪音"), encoding="utf-8")
    office.git("commit", "-qam", "typo")
    code, findings, _ = audit(office)
    assert code == 1
    assert "content" in errors(findings, "AUDIT-06")[0]["message"]
    assert head(office)[:10] in errors(findings, "AUDIT-07")[0]["message"]


def test_AUDIT_09_a_policy_edit_by_someone_who_may_not(office: Office, at_keyboard: object) -> None:
    policy = office.root / "records/policy.yaml"
    text = policy.read_text(encoding="utf-8")
    assert "major: 10" in text
    at_keyboard("CS001")  # type: ignore[operator]
    policy.write_text(text.replace("major: 10", "major: 600", 1), encoding="utf-8")
    office.git("commit", "-qam", "longer forwarding")
    code, findings, _ = audit(office)
    hits = errors(findings, "AUDIT-09")
    assert code == 1 and hits and head(office)[:10] in hits[0]["message"] and "CS001" in hits[0]["message"]
    # The CS manager may.
    office.git("reset", "-q", "--hard", "HEAD~1")
    office.git("update-ref", "-d", "refs/csops/audited")
    at_keyboard("M001")  # type: ignore[operator]
    policy.write_text(text.replace("major: 10", "major: 15", 1), encoding="utf-8")
    office.git("commit", "-qam", "15 minutes")
    assert not errors(audit(office)[1], "AUDIT-09")


def test_AUDIT_10_roles_changed_by_someone_who_may_not(office: Office, at_keyboard: object) -> None:
    at_keyboard("CS001")  # type: ignore[operator]
    result = office.run("staff", "edit", "CS001", "--role", "cs_manager")
    assert result.exit_code == 0, result.output  # the command records it; the audit holds the author to it
    code, findings, _ = audit(office)
    assert code == 1 and "roles" in errors(findings, "AUDIT-10")[0]["message"]


def test_AUDIT_10_a_new_person_added_by_someone_who_may_not_grant_roles(office: Office, at_keyboard: object) -> None:
    """Adding a member of staff sets their roles and identities: an agent who adds a "manager"
    with a second email of their own would grant themself the right; a policy editor may add anyone."""
    at_keyboard("CS001")  # type: ignore[operator]
    office.ok("staff", "add", "ZZ01", "--name", "王五", "--department", "cs", "--role", "cs_manager",
              "--email", "lina.second@fenghui.example")
    code, findings, _ = audit(office)
    hits = errors(findings, "AUDIT-10")
    assert code == 1 and hits and "added staff ZZ01" in hits[0]["message"] and "cs_manager" in hits[0]["message"]
    office.git("reset", "-q", "--hard", "HEAD~1")
    office.git("update-ref", "-d", "refs/csops/audited")
    at_keyboard("M001")  # type: ignore[operator]
    office.ok("staff", "add", "ZZ01", "--name", "王五", "--department", "cs", "--role", "agent")
    assert not errors(audit(office)[1], "AUDIT-10")


def test_AUDIT_11_filter_branch_over_an_audited_range(office: Office, at_keyboard: object) -> None:
    meeting(office, at_keyboard)
    assert audit(office)[0] == 0
    audited = office.git("rev-parse", "refs/csops/audited").stdout.strip()
    assert audited == head(office)
    subprocess.run(["git", "filter-branch", "-f", "--tree-filter",
                    f"sed -i 's/补齐回访/不必回访/' {MT} 2>/dev/null || true", "HEAD"],
                   cwd=office.root, check=True, capture_output=True, env={**os.environ,
                                                                          "FILTER_BRANCH_SQUELCH_WARNING": "1"})
    assert head(office) != audited
    code, findings, _ = audit(office)
    hits = errors(findings, "AUDIT-11")
    assert code == 1 and hits
    assert audited[:10] in hits[0]["message"] and head(office)[:10] in hits[0]["message"]
    # It stays an error on every later audit, until a policy editor accepts the new history.
    assert audit(office)[0] == 1
    at_keyboard("CS001")  # type: ignore[operator]
    assert office.run("audit", "--accept-rewrite").exit_code == 2
    at_keyboard("M001")  # type: ignore[operator]
    assert office.run("audit", "--accept-rewrite").exit_code == 0
    assert audit(office)[0] == 0


def test_AUDIT_11_review_refuses_a_base_that_is_not_an_ancestor(office: Office, at_keyboard: object) -> None:
    meeting(office, at_keyboard)
    office.git("branch", "old-main")
    office.git("reset", "-q", "--hard", "HEAD~1")
    office.git("commit", "-q", "--allow-empty", "-m", "rewritten")
    result = office.run("review", "old-main..HEAD")
    assert result.exit_code == 1 and "AUDIT-11" in result.output and "merge-base" in result.output


def test_AUDIT_13_a_self_approved_unseal(office: Office, at_keyboard: object) -> None:
    at_keyboard("A001")  # type: ignore[operator]
    office.ok("key", "add", "ST-0805", "--name", "0805托管钥匙", "--location", "8F", "--category", "sealed_tenant",
              "--slot", "S-05", "--copy", "cs:A001", "--seal-no", "FC-0001", "--agreement-ref", "TG-01",
              "--handover-ref", "JJ-01", "--unit", "0805", now="2026-11-20T08:00:00+08:00")
    at_keyboard("M001")  # type: ignore[operator]
    path = office.root / "records/keys/ST-0805.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("state: sealed", "state: unsealed")
                    + "  - at: 2026-11-20T22:00:00+08:00\n    by: M001\n    action: unseal\n    path: emergency\n"
                      "    reason: 漏水\n    requested_by: M001\n    approved_by: M001\n    customer_unreachable: true\n",
                    encoding="utf-8")
    office.git("commit", "-qam", "unseal")
    code, findings, _ = audit(office)
    hits = errors(findings, "AUDIT-13")
    assert code == 1 and hits and head(office)[:10] in hits[0]["message"]


def keypair(folder: Path, name: str) -> tuple[Path, str]:
    key = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
    return key, key.with_suffix(".pub").read_text(encoding="utf-8").strip()


def test_AUDIT_12_unsigned_and_wrongly_signed_commits_under_require_signed(
        office: Office, at_keyboard: object, tmp_path: Path) -> None:
    lina_key, lina_pub = keypair(tmp_path, "lina")
    fang_key, fang_pub = keypair(tmp_path, "fang")
    at_keyboard("M001")  # type: ignore[operator]
    office.ok("staff", "edit", "CS001", "--signing-key", str(lina_key.with_suffix(".pub")))
    office.ok("staff", "edit", "CS002", "--signing-key", fang_pub)
    assert lina_pub in (office.root / "records/staff/CS001.yaml").read_text(encoding="utf-8")
    start = head(office)
    # CS001 signs with her own key: csops signs because git is set up to.
    at_keyboard("CS001")  # type: ignore[operator]
    office.git("config", "gpg.format", "ssh")
    office.git("config", "user.signingkey", str(lina_key))
    office.ok("meeting", "new", "--type", "weekly", "--chair", "M001", "--content", "周会", now=NOW)
    code, findings, payload = audit(office, f"{start}..HEAD", "--require-signed")
    assert code == 0 and not errors(findings, "AUDIT-12") and payload["identity"] == "ssh-signatures"
    # Signed with someone else's key, authored as CS001.
    office.git("config", "user.signingkey", str(fang_key))
    office.ok("meeting", "decide", "MT-2611-A001", "--text", "补齐回访", "--owner", "CS001",
              "--due", "2026-11-27T18:00:00+08:00", now=LATER)
    wrong = head(office)
    # Not signed at all.
    office.git("config", "--unset", "user.signingkey")
    office.ok("meeting", "done", "MT-2611-A001", "1", now="2026-11-20T12:00:00+08:00")
    unsigned = head(office)
    code, findings, _ = audit(office, f"{start}..HEAD", "--require-signed")
    hits = {f["message"].split()[1]: f["message"] for f in errors(findings, "AUDIT-12")}
    assert code == 1 and set(hits) == {wrong[:10], unsigned[:10]}
    assert "王芳(CS002)" in hits[wrong[:10]] and "no signature" in hits[unsigned[:10]]
    # Without --require-signed the audit says what identity rests on.
    text = office.run("audit", f"{start}..HEAD").output
    assert "身份依据" in text and "git author names" in text
