"""The one write path every mutating command uses.

Write the record files atomically, stage exactly them, and commit them with the acting member of
staff as author, a one-line message in business words and ``Csops-*`` trailers. A failure at any
step restores the files and the index: no half-written record, no half-made commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from csops import git
from csops.models.staff import Staff
from csops.yamlio import atomic_write


class WriteError(RuntimeError):
    pass


@dataclass(frozen=True)
class Change:
    rel: str  # path relative to the repository root
    text: str


def author_of(person: Staff) -> tuple[str, str]:
    email = person.git_emails[0] if person.git_emails else f"{person.id}@staff.csops.invalid"
    return person.name, email


def commit_message(summary: str, *, records: Sequence[str], action: str, actor: Staff) -> str:
    lines = [summary.strip().splitlines()[0], ""]
    lines += [f"Csops-Record: {rid}" for rid in records]
    lines += [f"Csops-Action: {action}", f"Csops-Actor: {actor.id}"]
    return "\n".join(lines) + "\n"


def apply(
    root: Path,
    changes: Sequence[Change],
    *,
    actor: Staff,
    action: str,
    summary: str,
    records: Sequence[str],
    no_commit: bool = False,
    when: datetime | None = None,
) -> str | None:
    """Write, stage and commit ``changes``; return the commit id (None with ``no_commit``)."""
    if not changes:
        raise WriteError("nothing to write")
    paths = [c.rel for c in changes]
    if git.toplevel(root) is None:
        raise WriteError(f"{root} is not a git repository: run `csops init` or `git init` first")
    dirty = git.status_porcelain(root, paths)
    if dirty.strip():
        raise WriteError(
            "these records have uncommitted changes; commit or discard them first:\n" + dirty.rstrip()
        )
    backups: dict[str, bytes | None] = {}
    for change in changes:
        target = root / change.rel
        backups[change.rel] = target.read_bytes() if target.exists() else None
    written: list[str] = []
    try:
        for change in changes:
            atomic_write(root / change.rel, change.text)
            written.append(change.rel)
        git.add(root, paths)
        if no_commit:
            return None
        name, email = author_of(actor)
        committer = None if git.config_get("user.email", root) else (name, email)
        return git.commit(
            root, paths, commit_message(summary, records=records, action=action, actor=actor),
            author=f"{name} <{email}>", committer=committer,
            date=when.isoformat() if when is not None else None,
        )
    except BaseException as exc:
        _restore(root, written, backups)
        git.unstage(root, paths)
        if isinstance(exc, (OSError, git.GitError)):
            raise WriteError(f"nothing was written or committed: {exc}") from exc
        raise


def _restore(root: Path, written: Sequence[str], backups: dict[str, bytes | None]) -> None:
    for rel in written:
        old = backups.get(rel)
        target = root / rel
        if old is None:
            target.unlink(missing_ok=True)
        else:
            atomic_write(target, old)
