from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from csops.commands import format_option

if TYPE_CHECKING:
    from csops.context import Context
    from csops.findings import Finding
    from csops.session import Session


@click.command()
@click.argument("rev_range", required=False)
@click.option("--all", "whole", is_flag=True, help="Audit the whole history, not only what came after the last clean audit.")
@click.option("--require-signed", is_flag=True,
              help="Every commit must carry a good SSH signature of its author's key from the roster (AUDIT-12).")
@click.option("--accept-rewrite", is_flag=True,
              help="A policy editor accepts a rewritten history after reviewing it (AUDIT-11): audit it all and start from it.")
@format_option
@click.pass_obj
def audit(session: Session, rev_range: str | None, whole: bool, require_signed: bool, accept_rewrite: bool) -> None:
    """Check the git history of records: nothing deleted or bent, each step committed by who acted.

    Records are never deleted or renumbered, events only appended, each step committed by who
    acted (or recorded as entered for them), policy and roles changed only by a policy editor, and
    the history never rewritten (AUDIT-01..14); a confirm is typed by the approver themself
    (AUDIT-15). Approvals typed in by someone else and not yet confirmed are listed as warnings.

    REV_RANGE is a git range. Without one, the audit starts at the head the last clean audit ended
    on (kept in refs/csops/audited; share it with `git push origin refs/csops/audited`) and says so
    when that head is no longer in the history.

    \b
    Example:
      csops audit
      csops audit --all --require-signed
      csops audit origin/main..HEAD --format json
    """
    from csops import git
    from csops.audit import AUDITED_REF
    from csops.audit import audit as run_audit
    from csops.findings import report_json, report_text

    root = session.root
    if rev_range and (problem := git.bad_revision(root, rev_range)):
        raise click.BadParameter(problem, param_hint="REV_RANGE")
    ctx = session.load()
    head = git.head(root)
    last = git.read_ref(root, AUDITED_REF)
    rewritten: list[Finding] = []
    start = None
    if rev_range is None and not whole and head and last:
        if git.commit_exists(root, last) and git.is_ancestor(root, last, head):
            start = last
        elif not accept_rewrite:
            rewritten.append(_rewritten(last, head))
    if accept_rewrite:
        _may_accept(session)
    rng = rev_range or (f"{start}..HEAD" if start else None)
    signed = require_signed or ctx.policy.audit.require_signed
    result, changes = run_audit(root, rng, ctx.staff, require_signed=signed)
    result.extend(rewritten)
    result.extend(_unconfirmed(ctx))
    moved = False
    if rev_range is None and head and not result.errors:
        moved = head != last and git.update_ref(root, AUDITED_REF, head, last)
    commits = len({c.commit.sha for c in changes})
    if session.json:
        report_json(result, sys.stdout, extra={
            "range": rng or "HEAD", "commits": commits, "audited_head": head if moved else last,
            "identity": "ssh-signatures" if signed else "git-author-names"})
        sys.exit(result.exit_code)
    since = f", 从上次审计的 {start[:10]} 起 (since the last clean audit)" if start else ""
    click.echo(f"已审计 {commits} 次提交、{result.files_checked} 个记录文件{since} (audited {commits} commits)")
    if not signed:
        click.echo("身份依据: 提交作者的 git 姓名和邮箱, 未验证签名; 要求签名: csops audit --require-signed "
                   "(identity rests on git author names, which anyone can set)")
    report_text(result, sys.stdout)
    if moved and head:
        click.echo(f"审计起点已更新为 {head[:10]} ({AUDITED_REF})")
    sys.exit(result.exit_code)


def _rewritten(last: str, head: str) -> Finding:
    from csops.audit import AUDITED_REF
    from csops.findings import Finding, Severity

    return Finding(
        f"commit {head[:10]}", 1, 1, Severity.error, "AUDIT-11",
        f"the history was rewritten: the head the last audit found clean, {last[:10]}, is no longer in the "
        f"history of HEAD {head[:10]} (a force push, rebase, filter-branch or reset)",
        f"compare them (git log --oneline {head[:10]}...{last[:10]}) and restore the audited history "
        f"(git reset --hard {last[:10]} and push it back); only after a review may a policy editor accept "
        f"the new history: csops audit --accept-rewrite (moves {AUDITED_REF})")


def _may_accept(session: Session) -> None:
    me = session.keyboard().staff
    editors = set(session.load().policy.audit.policy_editors)
    if me is None or not any(r in editors for r in me.roles):
        raise click.UsageError("only a policy editor (audit.policy_editors in records/policy.yaml) may accept a "
                               "rewritten history, as themself (their own git identity, not --as)")



def _unconfirmed(ctx: Context) -> list[Finding]:
    """A warning per approval typed in by someone else that its approver has not confirmed (issue
    10): the record says they approved, nothing they did proves it yet."""
    from csops.approvals import KINDS
    from csops.commands.confirm import unconfirmed_fact
    from csops.facts import facts
    from csops.findings import Finding, Severity

    found = []
    for kind in sorted(KINDS):
        for rel, rows in sorted(facts(ctx, kind, "unconfirmed", unconfirmed_fact).items()):
            for rid, event, approver, title, what, rule in rows:
                found.append(Finding(rel, 1, 1, Severity.warning, rule,
                                     f"待确认: {rid} {title} {ctx.name(approver)} {what} (第 {event + 1} 条记录), "
                                     "由他人代为录入, 审批人本人尚未确认",
                                     f"由 {ctx.name(approver)} 本人 (自己的 git 身份) 运行 csops confirm {rid}"))
    return found
