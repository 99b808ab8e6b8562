from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from csops.session import Session


@click.command()
@click.argument("rev_range")
@click.option("--format", "fmt", type=click.Choice(["text", "md", "json"]), default=None,
              help="Output: text in Chinese (default), md for a pull-request comment or job summary, or json.")
@click.pass_obj
def review(session: Session, rev_range: str, fmt: str | None) -> None:
    """What a branch changes, in business words, for the reviewer of a pull request.

    Lists each record the range touches field by field (严重程度 轻微 → 重大) with the events it appends
    and the commits, every changed policy parameter (before → after), the approvals on them still
    waiting for the approver's own confirmation, the audit's findings over the range, and the
    validation findings the branch introduces: the branch head's tree checked against its base's,
    both read from git (whatever is checked out), so what was wrong before the branch is not
    blamed on it. Exit 1 when anything needs a reviewer's attention: an error the branch brings,
    a bent history, or a policy change.

    \b
    Example:
      csops review main..HEAD
      csops review origin/main..HEAD --format md >> "$GITHUB_STEP_SUMMARY"
      csops review origin/main..feature/night-complaints --format json
    """
    from csops import git
    from csops.audit import audit as run_audit

    fmt = fmt or session.format or "text"
    if ".." not in rev_range:
        raise click.BadParameter("give a range like main..HEAD", param_hint="REV_RANGE")
    if problem := git.bad_revision(session.root, rev_range):
        raise click.BadParameter(problem, param_hint="REV_RANGE")
    if "..." not in rev_range:  # A...B is a symmetric difference: no ancestry is implied
        base, _, tip = rev_range.partition("..")
        if not git.is_ancestor(session.root, base or "HEAD", tip or "HEAD"):
            raise click.ClickException(
                f"AUDIT-11: {base} 不是 {tip or 'HEAD'} 的祖先 (the base is not an ancestor of the head): the branch "
                "was rewritten, or the base moved on since it branched; nothing was reviewed. Review from where "
                f"the branch left it: csops review $(git merge-base {base} {tip or 'HEAD'})..{tip or 'HEAD'}, or "
                "merge the base into the branch first")
    ctx = session.load()
    audited, changes = run_audit(session.root, rev_range, ctx.staff)
    base, tip = _ends(session.root, rev_range)
    validated, fixed = _introduced(session.root, base, tip, session.now_option or datetime.now(UTC))
    names = {sid: person.name for sid, person in ctx.staff.items()}
    records = _records(changes, names)
    for entry in records:
        versions = entry.pop("_versions", None)
        if versions is not None:
            effect = _kpi_effect(ctx, versions, session.now_option or datetime.now(UTC))
            if effect is not None:
                entry["kpi_effect"] = effect
    problems = [f.as_dict() for f in audited.sorted()] + [f.as_dict() for f in validated.sorted()]
    errors = len(audited.errors) + len(validated.errors)
    policy_changed = any(r["kind"] == "policy" and r["fields"] for r in records)
    attention = errors > 0 or policy_changed
    report = {"range": rev_range, "commits": len({c.commit.sha for c in changes}), "records": records,
              "findings": problems, "errors": errors, "fixed": fixed, "unconfirmed": _unconfirmed(records, changes, names),
              "policy_changed": policy_changed, "ok": not attention}
    if fmt == "json":
        session.emit_json(report)
    elif fmt == "md":
        click.echo(_markdown(report))
    else:
        _text(report, audited.sorted() + validated.sorted())
    sys.exit(1 if attention else 0)


def _ends(root: Any, rev_range: str) -> tuple[str, str]:
    """(base, tip) of ``A..B`` (A, B) or ``A...B`` (their merge base, B); an empty side is HEAD."""
    from csops import git

    if "..." in rev_range:
        a, _, b = rev_range.partition("...")
        tip = b or "HEAD"
        return git.merge_base(root, a or "HEAD", tip) or (a or "HEAD"), tip
    a, _, b = rev_range.partition("..")
    return a or "HEAD", b or "HEAD"


def _introduced(root: Any, base: str, tip: str, now: datetime) -> tuple[Any, int]:
    """The findings the branch introduces: validation of the tip's tree less that of the base's
    (each commit's tree read from git into a temporary index: no checkout, whatever is checked out),
    and how many findings of the base the branch removes."""
    from csops import git
    from csops.checker import check
    from csops.findings import Result, new_findings

    with git.tree_as_index(root, tip):
        after = check(root, now, from_index=True)
    with git.tree_as_index(root, base):  # incremental from the tip's: only what the branch changed
        before = check(root, now, from_index=True)
    introduced, gone = new_findings(before.findings, after.findings)
    return Result(findings=introduced, files_checked=after.files_checked), gone


def _unconfirmed(records: list[dict[str, Any]], changes: list[Any], names: dict[str, str]) -> list[dict[str, Any]]:
    """Approvals on the touched records, as the tip has them, that someone else typed in and the
    approver has not confirmed yet (csops confirm): the reviewer should know they are only claims."""
    from csops.approvals import unconfirmed

    last = {c.path: c.after for c in changes}
    out = []
    for entry in records:
        data = last.get(entry["path"])
        if not isinstance(data, dict) or entry["kind"] not in ("ticket", "key", "key_loan", "hazmat", "swap"):
            continue
        for approval in unconfirmed(data, entry["kind"]):
            out.append({"record": entry["record"], "approver": approval.approver, "rule": approval.rule,
                        "text": approval.text(lambda sid: f"{names.get(sid, sid)}({sid})")})
    return out


#: Said of every policy change (issue 10, item 6: csops.policy_history).
POLICY_FORWARD = ("自合并的提交起施行 (或文件中更晚的 effective_from), 只适用于其后受理的工单; "
                  "已受理工单的时限、结论和已出的月报不变")


def _records(changes: list[Any], names: dict[str, str]) -> list[dict[str, Any]]:
    """Per record: the first version before the range, the last after it, the commits between."""
    from csops.labels import zh
    from csops.review import event_text, field_changes, new_events

    by_path: dict[str, dict[str, Any]] = {}
    for change in changes:
        entry = by_path.get(change.path)
        if entry is None:
            entry = by_path[change.path] = {"record": change.record_id, "path": change.path,
                                            "kind": _kind(change.path), "new": change.change == "A",
                                            "deleted": False, "actions": [], "_before": change.before}
        entry["_after"] = change.after
        entry["deleted"] = change.change == "D"
        entry["actions"].append({
            "commit": change.commit.sha[:10], "at": change.commit.when.isoformat(),
            "author": change.commit.author_name, "action": change.commit.action or "(hand edit)",
            "summary": change.commit.subject,
        })
    out = []
    for entry in by_path.values():
        before, after = entry.pop("_before"), entry.pop("_after")
        entry["kind_label"] = zh(entry["kind"])
        entry["fields"] = [] if entry["new"] or entry["deleted"] else \
            [f.as_dict() for f in field_changes(before, after)]
        entry["events"] = [event_text(e, names) for e in new_events(before, after)]
        if entry["kind"] == "policy" and entry["fields"]:
            entry["effect"] = POLICY_FORWARD
            entry["_versions"] = (before, after)
        out.append(entry)
    return out


def _kpi_effect(ctx: Any, versions: tuple[Any, Any], now: datetime) -> dict[str, Any] | None:
    """The running month's KPIs whose target or verdict the policy change moves (its targets are
    those in force at the month's end, so a merge now sets them; past months keep theirs)."""
    from pydantic import ValidationError

    from csops.models.policy import Policy
    from csops.report import month_bounds
    from csops.sla import kpis

    try:
        old, new = (Policy.model_validate(v) for v in versions)
    except (ValidationError, TypeError):
        return None  # validate reports a broken policy
    month = ctx.calendar.local(now).strftime("%Y-%m")
    start, end = month_bounds(ctx.calendar, month)
    before, after = kpis(ctx, start, end, now, targets=old), kpis(ctx, start, end, now, targets=new)
    moved = [{"key": key, "label": row["label"], "value": row["value"], "target_before": before[key]["target"],
              "target_after": row["target"], "ok_before": before[key]["ok"], "ok_after": row["ok"]}
             for key, row in after.items() if key in before and
             (before[key]["target"], before[key]["ok"]) != (row["target"], row["ok"])]
    return {"month": month, "moved": moved}


def _kpi_lines(entry: dict[str, Any]) -> list[str]:
    """「本月 (2026-12) KPI 回访满意率 0.93: 目标 0.95 → 0.9, 未达标 → 达标」 for each KPI the change moves."""
    effect = entry.get("kpi_effect")
    if not effect:
        return []

    def verdict(ok: bool | None) -> str:
        return "无数据" if ok is None else ("达标" if ok else "未达标")

    if not effect["moved"]:
        return [f"本月 ({effect['month']}) KPI: 目标与结论均不变"]
    return [f"本月 ({effect['month']}) KPI {m['label']} {m['value'] if m['value'] is not None else '-'}: "
            f"目标 {m['target_before']} → {m['target_after']}, {verdict(m['ok_before'])} → {verdict(m['ok_after'])}"
            for m in effect["moved"]]


def _flag(entry: dict[str, Any]) -> str:
    return "新建" if entry["new"] else ("删除" if entry["deleted"] else "修改")


def _verdict(report: dict[str, Any]) -> str:
    if report["ok"]:
        return "可以合并 (ok to merge)"
    reasons = ([f"{report['errors']} 个错误"] if report["errors"] else []) + \
        (["制度参数变更需审批"] if report["policy_changed"] else [])
    return "需要处理 (needs attention): " + ", ".join(reasons)


def _text(report: dict[str, Any], findings: list[Any]) -> None:
    click.echo(f"审核 (review) {report['range']}: {report['commits']} 次提交, {len(report['records'])} 份记录")
    for entry in report["records"]:
        click.echo(f"  [{_flag(entry)}] {entry['kind_label']} {entry['record']}")
        for change in entry["fields"]:
            click.echo(f"      {change['label']}: {change['old_text']} → {change['new_text']}")
        for event in entry["events"]:
            click.echo(f"      + {event}")
        if entry.get("effect"):
            click.echo(f"      施行: {entry['effect']}")
        for line in _kpi_lines(entry):
            click.echo(f"      {line}")
        for action in entry["actions"]:
            click.echo(f"      {action['at'][:16].replace('T', ' ')} {action['author']}: {action['summary']}")
    for item in report["unconfirmed"]:
        click.echo(f"  待本人确认 (unconfirmed) {item['record']}: {item['text']} — {item['rule']}, csops confirm {item['record']}")
    for finding in findings:
        click.echo("  " + finding.as_text().replace("\n", "\n  "))
    if report["fixed"]:
        click.echo(f"  本分支消除了 {report['fixed']} 个原有问题 (findings of the base the branch removes)")
    click.echo(f"结论 (verdict): {_verdict(report)}")


def _markdown(report: dict[str, Any]) -> str:
    """The review as a pull-request comment or CI job summary."""
    def cell(text: object) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    mark = "✅" if report["ok"] else "⚠️"
    lines = [f"## csops 审核 `{report['range']}`", "",
             f"**结论**: {mark} {_verdict(report)} · {report['commits']} 次提交 · {len(report['records'])} 份记录", ""]
    for entry in report["records"]:
        lines.append(f"### {_flag(entry)} {entry['kind_label']} `{entry['record']}`")
        if entry["fields"]:
            lines += ["", "| 字段 | 原值 | 新值 |", "|---|---|---|"]
            lines += [f"| {cell(c['label'])} | {cell(c['old_text'])} | {cell(c['new_text'])} |" for c in entry["fields"]]
            lines.append("")
        lines += [f"- 新增: {cell(e)}" for e in entry["events"]]
        if entry.get("effect"):
            lines.append(f"- **施行**: {entry['effect']}")
        lines += [f"- {cell(line)}" for line in _kpi_lines(entry)]
        lines += [f"- `{a['commit']}` {cell(a['author'])}: {cell(a['summary'])}" for a in entry["actions"]]
        lines.append("")
    if report["unconfirmed"]:
        lines += ["### 待审批人本人确认 (unconfirmed approvals)", ""]
        lines += [f"- `{u['record']}` {cell(u['text'])} — `{u['rule']}`, `csops confirm {u['record']}`"
                  for u in report["unconfirmed"]]
        lines.append("")
    if report["fixed"]:
        lines += [f"本分支消除了 {report['fixed']} 个原有问题。", ""]
    if report["findings"]:
        lines += ["### 本分支带来的问题 (findings the branch introduces)", "", "| 级别 | 规则 | 位置 | 说明 |",
                  "|---|---|---|---|"]
        lines += [f"| {cell(f['severity'])} | `{f['rule']}` | {cell(f['path'])}:{f['line']} | {cell(f['message'])} |"
                  for f in report["findings"]]
    return "\n".join(lines).rstrip() + "\n"


def _kind(path: str) -> str:
    from csops.models import kind_for_relpath

    return kind_for_relpath(path.split("/", 1)[1] if "/" in path else path) or "record"
