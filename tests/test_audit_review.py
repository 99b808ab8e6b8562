"""Git history as the audit trail (csops audit) and the reviewer's view of a branch (csops review)."""

from __future__ import annotations

import json

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
