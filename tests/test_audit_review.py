"""Git history as the audit trail (csops audit) and the reviewer's view of a branch (csops review)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.fixtures import Office

NOW = "2026-11-20T10:00:00+08:00"
LATER = "2026-11-20T11:00:00+08:00"
MT = "records/meetings/2026/11/MT-2611-A001.yaml"


def meeting_with_decision(office: Office) -> None:
    office.ok("meeting", "new", "--type", "weekly", "--chair", "M001", "--content", "本周工作总结", as_="M001", now=NOW)
    office.ok("meeting", "decide", "MT-2611-A001", "--text", "补齐回访", "--owner", "CS001",
              "--due", "2026-11-27T18:00:00+08:00", as_="M001", now=LATER)


def audit_rules(office: Office, *args: str) -> tuple[int, set[str]]:
    result = office.run("audit", *args, "--format", "json")
    payload = json.loads(result.output.split("\n", 1)[-1] if not result.output.startswith("{") else result.output)
    return result.exit_code, {f["rule"] for f in payload["findings"]}


def test_history_made_through_csops_is_clean(office: Office) -> None:
    meeting_with_decision(office)
    code, rules = audit_rules(office)
    assert code == 0 and not {r for r in rules if r.startswith("AUDIT-0") and r != "AUDIT-04"}


def test_deleted_record_is_found(office: Office) -> None:
    meeting_with_decision(office)
    office.git("rm", "-q", MT)
    office.git("commit", "-qm", "tidy up")
    code, rules = audit_rules(office)
    assert code == 1 and "AUDIT-01" in rules


def test_rewritten_events_are_found(office: Office) -> None:
    meeting_with_decision(office)
    path = office.root / MT
    path.write_text(path.read_text(encoding="utf-8").replace("补齐回访", "已取消"), encoding="utf-8")
    office.git("commit", "-qam", "fix wording")
    code, rules = audit_rules(office)
    assert code == 1
    assert {"AUDIT-02", "AUDIT-04"} <= rules


def test_author_must_be_the_acting_staff_member(office: Office) -> None:
    meeting_with_decision(office)
    path = office.root / MT
    path.write_text(path.read_text(encoding="utf-8").replace("open_decisions: 1", "open_decisions: 0")
                    + "  - at: 2026-11-20T12:00:00+08:00\n    by: M001\n    action: done\n    decision: 1\n",
                    encoding="utf-8")
    office.git("commit", "-qam", "done\n\nCsops-Action: meeting.done\nCsops-Actor: M001")
    code, rules = audit_rules(office)
    assert code == 1 and "AUDIT-03" in rules


def test_event_dated_after_its_commit_is_found(office: Office) -> None:
    meeting_with_decision(office)
    path = office.root / MT
    path.write_text(path.read_text(encoding="utf-8").replace("open_decisions: 1", "open_decisions: 0")
                    + "  - at: 2099-01-01T12:00:00+08:00\n    by: M001\n    action: done\n    decision: 1\n",
                    encoding="utf-8")
    office.git("commit", "-qam", "done early")
    code, rules = audit_rules(office)
    assert code == 1 and "AUDIT-05" in rules


def test_review_summarises_a_branch_in_business_words(office: Office) -> None:
    office.git("checkout", "-qb", "feature")
    meeting_with_decision(office)
    result = office.run("review", "main..feature", now=LATER)
    assert result.exit_code == 0, result.output
    assert "[新建] meeting MT-2611-A001" in result.output or "[新建] 会议纪要 MT-2611-A001" in result.output
    assert "会议纪要 MT-2611-A001 新增决议: 补齐回访" in result.output
    assert "可以合并" in result.output


def test_review_flags_a_branch_with_problems(office: Office) -> None:
    office.git("checkout", "-qb", "feature")
    meeting_with_decision(office)
    path = office.root / MT
    path.write_text(path.read_text(encoding="utf-8").replace("type: weekly", "type: 周会"), encoding="utf-8")
    office.git("commit", "-qam", "hand edit")
    result = office.run("review", "main..feature", "--format", "json", now=LATER)
    payload = json.loads(result.output)
    assert result.exit_code == 1 and payload["ok"] is False
    assert {"STORE-ENUM-01", "AUDIT-04"} <= {f["rule"] for f in payload["findings"]}


def test_a_bad_revision_is_a_usage_error_not_a_crash(office: Office) -> None:
    for args in (("review", "nonsense..HEAD"), ("audit", "nonsense"), ("audit", "HEAD..nonsense")):
        result = office.run(*args)
        assert result.exit_code == 2, result.output
        assert "bad revision" in result.output
    assert office.run("audit", "HEAD~1..HEAD").exit_code == 0


def test_review_shows_a_branch_field_by_field_with_its_policy_parameters(office: Office) -> None:
    """Issue 11: a branch that adds a ticket, raises a complaint's severity and lengthens a policy
    deadline — review names all three in business words and exits 1 (a policy change needs approval)."""
    from tests.test_tickets_cli import COMPLAINT, T0, step

    minor = [a if a != "general" else "minor" for a in COMPLAINT]
    step(office, "CS001", T0, *minor)
    office.git("checkout", "-qb", "feature")
    step(office, "CS001", "2026-11-02T10:00:00+08:00", *COMPLAINT)
    step(office, "M001", "2026-11-02T10:30:00+08:00", "ticket", "classify", "T-2611-A001", "--severity", "major",
         "--criterion", "economic_loss")
    policy = office.root / "records" / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace("      major: 10\n", "      major: 30\n", 1),
                      encoding="utf-8")
    office.git("commit", "-qam", "制度: 重大投诉转呈时限")
    result = office.run("review", "main..feature", now="2026-11-02T11:00:00+08:00")
    assert result.exit_code == 1, result.output
    assert "[新建] 工单 T-2611-A002" in result.output
    assert "状态: 受理 → 处理中" in result.output
    assert "+ 定级 (张伟, 2026-11-02 10:30): 等级 重大" in result.output
    assert "时限 › 投诉 › 转呈时限(分钟) › 重大: 10 → 30" in result.output
    assert "只适用于其后受理的工单" in result.output and "制度参数变更需审批" in result.output
    md = office.run("review", "main..feature", "--format", "md", now="2026-11-02T11:00:00+08:00")
    assert md.exit_code == 1 and md.output.startswith("## csops 审核 `main..feature`")
    assert "| 状态 | 受理 | 处理中 |" in md.output and "- 新增: 定级 (张伟" in md.output
    payload = json.loads(office.run("review", "main..feature", "--format", "json").output)
    policy_entry = next(r for r in payload["records"] if r["kind"] == "policy")
    assert [f["field"] for f in policy_entry["fields"]] == ["sla.complaint.forward_min.major"]
    assert payload["policy_changed"] is True and payload["ok"] is False


def test_review_blames_a_branch_only_for_what_it_brings(office: Office) -> None:
    """Issue 11: the validation in a review is the branch head's tree against its base's, both read
    from git: a problem already on main is not the branch's, a branch that mends it says so, and the
    review does not depend on what is checked out."""
    meeting_with_decision(office)
    path = office.root / MT
    path.write_text(path.read_text(encoding="utf-8").replace("type: weekly", "type: 周会"), encoding="utf-8")
    office.git("commit", "-qam", "hand edit on main")  # STORE-ENUM-01, already on main
    office.git("checkout", "-qb", "feature")
    office.ok("meeting", "new", "--type", "weekly", "--chair", "M001", "--content", "下周排班", as_="M001", now=LATER)
    office.git("checkout", "-q", "main")  # the reviewer is on main: the branch is read from git
    result = office.run("review", "main..feature", "--format", "json", now=LATER)
    payload = json.loads(result.output)
    assert result.exit_code == 0 and payload["ok"] is True, result.output
    assert "STORE-ENUM-01" not in {f["rule"] for f in payload["findings"]} and payload["fixed"] == 0
    office.git("checkout", "-qb", "mend")
    path.write_text(path.read_text(encoding="utf-8").replace("type: 周会", "type: weekly"), encoding="utf-8")
    office.git("commit", "-qam", "mend the meeting type")
    office.git("checkout", "-q", "main")
    text = office.run("review", "main..mend", now=LATER).output
    assert "本分支消除了 1 个原有问题" in text
    # A branch that brings the same problem again is blamed for it.
    office.git("checkout", "-q", "feature")
    other = office.root / "records/meetings/2026/11/MT-2611-A002.yaml"
    other.write_text(other.read_text(encoding="utf-8").replace("type: weekly", "type: 周会"), encoding="utf-8")
    office.git("commit", "-qam", "hand edit on the branch")
    payload = json.loads(office.run("review", "main..feature", "--format", "json", now=LATER).output)
    assert payload["ok"] is False
    assert [f["path"] for f in payload["findings"] if f["rule"] == "STORE-ENUM-01"] == [str(other.relative_to(office.root))]


def test_review_lists_approvals_still_waiting_for_the_approver(office: Office) -> None:
    """Issue 10/11: an approval typed in by someone else is shown as a claim until the approver confirms."""
    from tests.keyhelpers import add_registry, at

    add_registry(office)
    office.git("checkout", "-qb", "loan")
    office.ok("key", "lend", "OF-101", "--copy", "1", "--to", "CS001", "--purpose", "领取办公用品",
              "--approved-by", "M001", as_="A001", now=at("10:00"))
    result = office.run("review", "main..loan", now=at("10:05"))
    assert "待本人确认 (unconfirmed) KL-2611-A001: 部门负责人 张伟(M001) 批准借用钥匙" in result.output, result.output
    md = office.run("review", "main..loan", "--format", "md", now=at("10:05")).output
    assert "### 待审批人本人确认" in md and "`csops confirm KL-2611-A001`" in md
    office.confirm("M001", "KL-2611-A001", at("10:10"))
    assert "待本人确认" not in office.run("review", "main..loan", now=at("10:15")).output


def test_review_of_a_kpi_target_change_names_the_running_month_s_verdicts_it_moves(tmp_path: Path) -> None:
    """Issue 11: a month's KPI targets are the policy's at the month's end (csops.policy_history), so
    merging a target change moves the running month's verdicts (and no past month's): the review says
    which, before → after. The demo office: November has 27 tickets, 6 valid complaints among them."""
    from tests.fixtures import demo_repo

    now = "2026-11-23T09:00:00+08:00"
    office = Office(demo_repo(tmp_path / "demo"))
    kpi = json.loads(office.ok("kpi", "--month", "2026-11", "--format", "json", now=now).output)
    valid_rate = kpi["kpis"]["KPI-05"]
    assert valid_rate["value"] is not None and 0.01 < valid_rate["value"] < 0.3 and valid_rate["ok"] is False
    office.git("checkout", "-qb", "targets")
    policy = office.root / "records" / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text.replace("valid_complaint_rate: 0.01", "valid_complaint_rate: 0.3", 1), encoding="utf-8")
    office.git("commit", "-qam", "有效投诉率目标 30%")
    payload = json.loads(office.run("review", "main..targets", "--format", "json", now=now).output)
    effect = next(r for r in payload["records"] if r["kind"] == "policy")["kpi_effect"]
    assert effect["month"] == "2026-11"
    assert [m["key"] for m in effect["moved"]] == ["KPI-05"]
    moved = effect["moved"][0]
    assert (moved["target_before"], moved["target_after"], moved["ok_before"], moved["ok_after"]) == (0.01, 0.3, False, True)
    assert moved["value"] == valid_rate["value"]
    text_out = office.run("review", "main..targets", now=now).output
    assert "本月 (2026-11) KPI 有效投诉率(÷工单总数)" in text_out and "目标 0.01 → 0.3, 未达标 → 达标" in text_out
    # A past month's figures keep the targets of their own end: October is not named.
    assert "2026-10" not in json.dumps(effect)
