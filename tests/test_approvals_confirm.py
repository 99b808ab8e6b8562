"""Issue 10 item 3: multi-party approvals are confirmed by each party (csops.approvals, csops confirm).

Real repositories, each person at their own keyboard (git identity): an approval typed in by someone
else stays unconfirmed, is listed by ``key show``, ``status`` and ``audit``, and blocks the step that
relies on it until the approver confirms it with their own commit.
"""

from __future__ import annotations

import json

import pytest

from tests.fixtures import Office, keyboard_env
from tests.keyhelpers import add_registry, at

UNSEAL = ("key", "unseal", "ST-0805", "--path", "emergency", "--reason", "0805漏水, 客户电话不通",
          "--customer-unreachable", "--approved-by", "G001", "--witness", "A001", "--witness", "A002",
          "--witness", "B001", "--before", "封条FC-0001完好")
RESEAL = ("key", "reseal", "ST-0805", "--seal-no", "FC-0002", "--after", "已关闭总阀, 锁门")
KEY_FILE = "records/keys/ST-0805.yaml"


@pytest.fixture
def sit(office: Office, monkeypatch: pytest.MonkeyPatch) -> object:
    """Put a member of staff at the keyboard: git's identity becomes theirs."""

    def at_keyboard(staff_id: str) -> None:
        for name, value in keyboard_env(office.root, staff_id).items():
            monkeypatch.setenv(name, str(value))

    return at_keyboard


def unsealed(office: Office, sit: object) -> None:
    """The CS manager M001, at her own keyboard and without --as, enters an emergency unseal with the
    GM's approval and the three witnesses typed in."""
    add_registry(office)
    sit("M001")  # type: ignore[operator]
    office.ok(*UNSEAL, now=at("22:00"))


def waiting(office: Office, when: str) -> list[dict[str, object]]:
    shown = json.loads(office.ok("key", "show", "ST-0805", "--format", "json", now=when).output)
    return shown["unconfirmed"]  # type: ignore[no-any-return]


def test_KEY_SEAL_03_KEY_SEAL_04_unseal_stays_unconfirmed_until_each_party_confirms(office: Office, sit: object) -> None:
    unsealed(office, sit)
    # four approvals typed in by M001: the GM's and each witness's, all unconfirmed
    assert sorted((a["approver"], a["role"], a["rule"]) for a in waiting(office, at("22:05"))) == [
        ("A001", "witnesses[0]", "KEY-SEAL-04"), ("A002", "witnesses[1]", "KEY-SEAL-04"),
        ("B001", "witnesses[2]", "KEY-SEAL-04"), ("G001", "approved_by", "KEY-SEAL-03")]
    text = office.ok("key", "show", "ST-0805", now=at("22:05")).output
    assert "待确认: 总经理 陈建国(G001) 批准紧急启封 (第 3 条记录)" in text
    assert text.count("待确认:") == 4 and "csops confirm ST-0805" in text
    status = office.ok("status", now=at("22:05")).output
    assert "待确认审批 4 项" in status and "ST-0805 总经理 陈建国(G001) 批准紧急启封" in status
    sections = json.loads(office.ok("status", "--format", "json", now=at("22:05")).output)
    assert len(next(s for s in sections if s["title"].startswith("待确认"))["data"]["unconfirmed"]) == 4

    # no reseal on unconfirmed approvals: refused, nothing written, the message says who confirms
    before = office.commits()
    refused = office.run(*RESEAL, now=at("23:00"))
    assert refused.exit_code == 1 and "KEY-SEAL-03" in refused.output and "KEY-SEAL-04" in refused.output
    assert "csops confirm ST-0805" in refused.output and "陈建国(G001)" in refused.output
    assert office.commits() == before and office.status() == ""

    # each confirms with their own git identity; the reseal waits for the last of them
    wrong_event = office.run("confirm", "ST-0805", "--event", "1", now=at("22:20"))  # M001: nothing of hers
    assert wrong_event.exit_code == 1 and "第 1 条记录上没有待" in wrong_event.output
    office.confirm("G001", "ST-0805", at("22:20"), "--event", "3")
    assert office.git("log", "-1", "--format=%ae").stdout.strip() == keyboard_env(office.root, "G001")["GIT_AUTHOR_EMAIL"]
    assert len(waiting(office, at("22:21"))) == 3
    still = office.run(*RESEAL, now=at("23:00"))
    assert still.exit_code == 1 and "KEY-SEAL-04" in still.output and "KEY-SEAL-03" not in still.output
    for n, person in enumerate(("A001", "A002", "B001")):
        office.confirm(person, "ST-0805", at(f"22:3{n}"))
    assert waiting(office, at("22:40")) == []
    assert "待确认审批 0 项" in office.ok("status", now=at("22:40")).output
    office.ok(*RESEAL, now=at("23:00"))

    events = office.root.joinpath(KEY_FILE).read_text(encoding="utf-8")
    assert events.count("action: confirm") == 4 and "role: witnesses[2]" in events
    code = office.run("audit", now=at("23:30")).exit_code
    assert code == 0, office.run("audit", now=at("23:30")).output


def test_AUDIT_14_confirm_refuses_as_and_what_awaits_no_one(office: Office, sit: object) -> None:
    unsealed(office, sit)
    before = office.commits()
    by_proxy = office.run("confirm", "ST-0805", as_="G001", now=at("22:10"))
    assert by_proxy.exit_code == 1 and "AUDIT-15" in by_proxy.output and "不能用 --as" in by_proxy.output
    mine = office.run("confirm", "ST-0805", now=at("22:10"))  # M001 at the keyboard: nothing awaits her
    assert mine.exit_code == 1 and "没有待 张伟(M001) 确认的审批" in mine.output and "陈建国(G001)" in mine.output
    missing = office.run("confirm", "ST-9999", now=at("22:10"))
    assert missing.exit_code == 1 and "STORE-REF-02" in missing.output
    assert office.commits() == before and office.status() == ""
    # the one who did type an approval in (her own) has it confirmed already
    assert all(a["approver"] != "M001" for a in waiting(office, at("22:10")))


def _append(office: Office, text: str) -> None:
    path = office.root / KEY_FILE
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_AUDIT_14_a_confirm_typed_in_by_someone_else_is_an_audit_error(office: Office, sit: object) -> None:
    unsealed(office, sit)
    assert office.run("audit", now=at("22:05")).exit_code == 0  # unconfirmed approvals: warnings only
    warnings = json.loads(office.run("audit", "--format", "json", now=at("22:05")).output)["findings"]
    assert {f["rule"] for f in warnings if f["severity"] == "warning"} >= {"KEY-SEAL-03", "KEY-SEAL-04"}
    # M001's desk types the GM's confirmation in itself, saying so (entered_by): it proves nothing
    _append(office, "  - at: 2026-11-20T22:10:00+08:00\n    by: G001\n    action: confirm\n    entered_by: M001\n"
                    "    event: 2\n    role: approved_by\n")
    office.git("commit", "-qam", "GM said yes on the phone")
    sha = office.git("rev-parse", "HEAD").stdout.strip()[:10]
    result = json.loads(office.run("audit", "--format", "json", now=at("22:15")).output)
    hits = [f for f in result["findings"] if f["rule"] == "AUDIT-15" and f["severity"] == "error"]
    assert hits and sha in hits[0]["message"] and "entered by M001" in hits[0]["message"]
    assert any(a["approver"] == "G001" for a in waiting(office, at("22:15")))  # still unconfirmed


def test_AUDIT_14_a_confirm_of_someone_elses_approval_is_an_audit_error(office: Office, sit: object) -> None:
    unsealed(office, sit)
    sit("A001")  # type: ignore[operator]
    # A001, at her own keyboard, "confirms" the GM's approval: her commit, her event, not her approval
    _append(office, "  - at: 2026-11-20T22:10:00+08:00\n    by: A001\n    action: confirm\n"
                    "    event: 2\n    role: approved_by\n")
    office.git("commit", "-qam", "confirm")
    result = json.loads(office.run("audit", "--format", "json", now=at("22:15")).output)
    hits = [f for f in result["findings"] if f["rule"] == "AUDIT-15" and f["severity"] == "error"]
    assert hits and "names G001, not A001" in hits[0]["message"]


def test_KEY_SEAL_03_validate_reports_a_reseal_on_unconfirmed_approvals(office: Office, sit: object) -> None:
    unsealed(office, sit)
    path = office.root / KEY_FILE
    text = path.read_text(encoding="utf-8").replace("state: unsealed", "state: sealed").replace(
        "seal_no: FC-0001", "seal_no: FC-0002")
    path.write_text(text + "  - at: 2026-11-20T23:00:00+08:00\n    by: M001\n    action: reseal\n"
                           "    seal_no: FC-0002\n    after_note: 已关闭总阀\n    signed_by: M001\n", encoding="utf-8")
    office.git("commit", "-qam", "reseal by hand")
    result = office.run("validate", now=at("23:30"))
    assert result.exit_code == 1
    line = next(x for x in result.output.splitlines() if "error KEY-SEAL-03" in x)
    assert line.startswith(f"{KEY_FILE}:") and "待确认 总经理 陈建国(G001)" in line
    assert "fix: 审批人各自用自己的 git 身份 (不用 --as) 运行 csops confirm ST-0805" in result.output
    assert "error KEY-SEAL-04" in result.output
    data = json.loads(office.run("validate", "--format", "json", now=at("23:30")).output)
    assert {"KEY-SEAL-03", "KEY-SEAL-04"} <= {f["rule"] for f in data["findings"] if f["severity"] == "error"}


def test_KEY_LOAN_01_loan_approval_typed_in_is_listed_until_the_head_confirms(office: Office, sit: object) -> None:
    add_registry(office)
    office.ok("key", "lend", "OF-101", "--copy", "1", "--to", "CS001", "--purpose", "领取办公用品",
              "--approved-by", "M001", as_="A001", now=at("10:00"))
    text = office.ok("key", "show", "OF-101", now=at("10:05")).output
    assert "借用 KL-2611-A001 待确认: 部门负责人 张伟(M001) 批准借用钥匙" in text
    office.confirm("M001", "KL-2611-A001", at("10:10"))
    assert "待确认" not in office.ok("key", "show", "OF-101", now=at("10:15")).output


def test_TKT_VAL_02_a_late_confirm_on_a_closed_ticket_is_no_AUDIT_07(office: Office, sit: object) -> None:
    """A ticket closed (by hand, before its verifier confirmed) can still be confirmed afterwards:
    appending only a confirm is not changing a closed record (AUDIT-07), yet the close stays an error."""
    sit("CS001")  # type: ignore[operator]
    office.ok("ticket", "new", "--type", "complaint", "--severity", "general", "--channel", "phone", "--customer",
              "陈先生", "--contact", "13800000000", "--address", "A座1201", "--content", "空调不制冷",
              "--promised-by", "2026-11-03T17:00:00+08:00", now="2026-11-02T09:00:00+08:00")
    tid = "T-2611-A001"
    office.ok("ticket", "forward", tid, "--to", "E002", "--department", "engineering", "--reason", "空调归工程部",
              now="2026-11-02T09:10:00+08:00")
    office.ok("ticket", "resolve", tid, "--resolution", "更换压缩机", "--validity", "valid", "--verified-by", "CS002",
              "--corrective-action", "加强巡检", "--findings", "压缩机老化", "--evidence", "维修单WX-1",
              "--reply-text", "已为您修好", now="2026-11-03T10:00:00+08:00")
    office.ok("ticket", "callback", tid, "--mode", "phone", "--satisfied", "--signature", "--notes", "满意",
              as_="M001", now="2026-11-03T15:00:00+08:00")
    path = next((office.root / "records/tickets").rglob(f"{tid}.yaml"))
    path.write_text(path.read_text(encoding="utf-8").replace("status: resolved", "status: closed")
                    + "  - at: 2026-11-03T16:00:00+08:00\n    by: CS001\n    action: close\n"
                      "    customer_notified_at: 2026-11-03T15:00:00+08:00\n", encoding="utf-8")
    office.git("commit", "-qam", "close")
    assert "error TKT-VAL-02" in office.run("validate", now="2026-11-04T09:00:00+08:00").output
    office.confirm("CS002", tid, "2026-11-04T09:00:00+08:00")
    findings = json.loads(office.run("audit", "--format", "json", now="2026-11-04T10:00:00+08:00").output)["findings"]
    assert not [f for f in findings if f["rule"] in ("AUDIT-07", "AUDIT-15", "AUDIT-03")], findings
    assert "error TKT-VAL-02" in office.run("validate", now="2026-11-04T10:00:00+08:00").output
