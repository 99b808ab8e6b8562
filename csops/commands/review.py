from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from csops.commands import format_option

if TYPE_CHECKING:
    from csops.session import Session


@click.command()
@click.argument("rev_range")
@format_option
@click.pass_obj
def review(session: Session, rev_range: str) -> None:
    """What a branch changes, in business words, for the reviewer of a pull request.

    Lists each record the range touches with the actions taken (from the commits), runs the audit
    checks over the range and validates the checked-out tree. Exit 1 when anything needs attention.

    \b
    Example:
      csops review main..HEAD
      csops review origin/main..feature/night-complaints --format json
    """
    from csops import git
    from csops.audit import audit as run_audit
    from csops.checker import check
    from csops.labels import zh

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
    touched = sorted({c.path for c in changes})
    validated = check(session.root, session.now_option or datetime.now(UTC), only=set(touched))
    records: dict[str, dict[str, Any]] = {}
    for change in changes:
        entry = records.setdefault(change.path, {
            "record": change.record_id, "path": change.path,
            "kind": _kind(change.path), "actions": [],
        })
        if change.change == "A" and not entry["actions"]:
            entry["new"] = True
        entry["actions"].append({
            "commit": change.commit.sha[:10], "at": change.commit.when.isoformat(),
            "author": change.commit.author_name, "action": change.commit.action or "(hand edit)",
            "summary": change.commit.subject,
        })
    problems = [f.as_dict() for f in audited.sorted()] + [f.as_dict() for f in validated.sorted()]
    errors = len(audited.errors) + len(validated.errors)
    if session.json:
        session.emit_json({"range": rev_range, "records": list(records.values()), "findings": problems,
                           "errors": errors, "ok": errors == 0})
        sys.exit(1 if errors else 0)
    commits = len({c.commit.sha for c in changes})
    click.echo(f"审核 (review) {rev_range}: {commits} 次提交, {len(records)} 份记录")
    for entry in records.values():
        flag = "新建" if entry.get("new") else "修改"
        click.echo(f"  [{flag}] {zh(entry['kind'])} {entry['record']}")
        for action in entry["actions"]:
            click.echo(f"      {action['at'][:16].replace('T', ' ')} {action['author']}: {action['summary']}")
    for finding in audited.sorted() + validated.sorted():
        click.echo("  " + finding.as_text().replace("\n", "\n  "))
    verdict = "可以合并 (ok to merge)" if errors == 0 else f"需要处理 (needs attention): {errors} 个错误"
    click.echo(f"结论 (verdict): {verdict}")
    sys.exit(1 if errors else 0)


def _kind(path: str) -> str:
    from csops.models import kind_for_relpath

    return kind_for_relpath(path.split("/", 1)[1] if "/" in path else path) or "record"
