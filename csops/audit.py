"""Audit checks over git history: the records' history has not been bent.

For every commit in a range that touches ``records/``, each record file's before and after are
compared: no record deleted, events only appended, the commit author is the acting member of staff,
new events not dated after their commit. Families add their own history checks (for example,
TKT-FCR-01: a ticket's first-contact owner never changes) to ``HISTORY_CHECKS``.

Uses GitPython to walk commits; imported only by ``csops audit`` and ``csops review``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from csops.findings import Finding, Result, Severity
from csops.models.staff import Staff
from csops.rules import Problem
from csops.store import RECORDS
from csops.yamlio import YamlSyntaxError, load_fast

#: Family history checks, "module:function"; each takes a RecordChange and yields Problems.
HISTORY_CHECKS: list[str] = [
    "csops.rules.tickets:first_owner_unchanged",
]
# Clock skew tolerated between an event's time and its commit's time.
SKEW = timedelta(minutes=5)


@dataclass
class CommitInfo:
    sha: str
    author_name: str
    author_email: str
    when: datetime
    subject: str
    trailers: dict[str, list[str]] = field(default_factory=dict)

    def trailer(self, key: str) -> str | None:
        values = self.trailers.get(key)
        return values[0] if values else None

    @property
    def action(self) -> str | None:
        return self.trailer("Csops-Action")

    @property
    def actor(self) -> str | None:
        return self.trailer("Csops-Actor")


@dataclass
class RecordChange:
    commit: CommitInfo
    path: str
    change: str  # A, M, D, R
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @property
    def record_id(self) -> str:
        data = self.after or self.before or {}
        return str(data.get("id", Path(self.path).stem))

    def new_events(self) -> list[dict[str, Any]]:
        old = _events(self.before)
        new = _events(self.after)
        return new[len(old):] if new[: len(old)] == old else new


def _events(data: dict[str, Any] | None) -> list[dict[str, Any]]:
    events = (data or {}).get("events")
    return [e for e in events if isinstance(e, dict)] if isinstance(events, list) else []


def _parse(blob: Any) -> dict[str, Any] | None:
    if blob is None:
        return None
    try:
        data = load_fast(blob.data_stream.read().decode("utf-8"))
    except (UnicodeDecodeError, YamlSyntaxError):
        return None
    return data if isinstance(data, dict) else None


def trailers_of(message: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in message.splitlines():
        if line.startswith("Csops-") and ": " in line:
            key, value = line.split(": ", 1)
            found.setdefault(key, []).append(value.strip())
    return found


def changes(root: Path, rev_range: str | None) -> Iterator[RecordChange]:
    """Record file changes commit by commit, oldest first (first-parent history)."""
    import git as gitpython

    repo = gitpython.Repo(root)
    rev = rev_range or "HEAD"
    for commit in repo.iter_commits(rev, paths=RECORDS, reverse=True, first_parent=True):
        info = CommitInfo(
            sha=commit.hexsha, author_name=str(commit.author.name), author_email=str(commit.author.email),
            when=commit.authored_datetime, subject=str(commit.summary),
            trailers=trailers_of(str(commit.message)),
        )
        if commit.parents:  # R=True: a_blob is the parent's version, b_blob this commit's
            diffs = commit.diff(commit.parents[0], paths=RECORDS, R=True)
        else:  # the root commit against the empty tree already reads as "added"
            diffs = commit.diff(gitpython.NULL_TREE, paths=RECORDS)
        for diff in diffs:
            path = diff.b_path or diff.a_path or ""
            if not path.endswith((".yaml", ".yml")):
                continue
            yield RecordChange(
                commit=info, path=path, change=diff.change_type or "M",
                before=_parse(diff.a_blob), after=_parse(diff.b_blob),
            )


def _staff_emails(staff: dict[str, Staff]) -> dict[str, set[str]]:
    from csops.writer import author_of

    return {sid: {e.lower() for e in person.git_emails} | {author_of(person)[1].lower()} for sid, person in staff.items()}


def check_change(change: RecordChange, staff: dict[str, Staff]) -> Iterator[Problem]:
    short = change.commit.sha[:10]
    if change.change == "D":
        yield Problem(f"record {change.record_id} was deleted in commit {short}", (),
                      f"records are never deleted: restore it (git checkout {short}^ -- {change.path})",
                      rule="AUDIT-01")
        return
    old, new = _events(change.before), _events(change.after)
    if new[: len(old)] != old:
        yield Problem(f"commit {short} rewrote the event history of {change.record_id} (events are append-only)",
                      ("events",), f"restore the old events (git show {short}^:{change.path}) and add a correcting event",
                      rule="AUDIT-02")
    actor = change.commit.actor
    if actor:
        emails = _staff_emails(staff).get(actor)
        if emails is None:
            yield Problem(f"commit {short} names actor {actor}, who is not in the roster", (),
                          "the actor must be a rostered member of staff", rule="AUDIT-03")
        elif change.commit.author_email.lower() not in emails:
            yield Problem(
                f"commit {short} was authored by {change.commit.author_name} <{change.commit.author_email}> "
                f"but acts as {actor}", (), "commit through csops so the author is the acting member of staff",
                rule="AUDIT-03")
    elif change.commit.action is None:
        yield Problem(f"commit {short} ({change.commit.subject}) changed {change.record_id} by hand, not through csops",
                      (), "a reviewer should confirm hand edits; prefer the csops command for the action",
                      rule="AUDIT-04", severity=Severity.warning)
    for event in change.new_events():
        at = event.get("at")
        try:
            when = datetime.fromisoformat(str(at))
        except ValueError:
            continue
        if when.tzinfo is not None and when > change.commit.when + SKEW:
            yield Problem(f"an event of {change.record_id} is dated {at}, after its commit {short} ({change.commit.when.isoformat()})",
                          ("events",), "check the event time and the clock of the machine that committed it",
                          rule="AUDIT-05")


def history_checks() -> list[Callable[[RecordChange], Iterable[Problem]]]:
    found = []
    for spec in HISTORY_CHECKS:
        module, attr = spec.split(":")
        found.append(getattr(importlib.import_module(module), attr))
    return found


def audit(root: Path, rev_range: str | None, staff: dict[str, Staff]) -> tuple[Result, list[RecordChange]]:
    result = Result()
    seen: list[RecordChange] = []
    extra = history_checks()
    for change in changes(root, rev_range):
        seen.append(change)
        problems = list(check_change(change, staff))
        for check in extra:
            problems.extend(check(change))
        for p in problems:
            result.add(Finding(change.path, 1, 1, p.severity or Severity.error, p.rule, p.message, p.hint))
    result.files_checked = len({c.path for c in seen})
    return result, seen
