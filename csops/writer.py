"""The one write path every mutating command uses.

Write the record files atomically, stage exactly them, and commit them with the acting member of
staff as author, a one-line message in business words and ``Csops-*`` trailers. A failure at any
step restores the files and the index: no half-written record, no half-made commit.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from csops import git
from csops.git import CHECKED_ENV  # csops's own commits: their hook need not check again
from csops.yamlio import atomic_write

if TYPE_CHECKING:
    from csops.models.staff import Staff


class WriteError(RuntimeError):
    pass


@dataclass(frozen=True)
class Change:
    rel: str  # path relative to the repository root
    text: str
    #: The bytes the command read before changing the record (None: a new record, no file yet).
    #: The write is refused when the file on disk is no longer that, so nothing is overwritten.
    expected: bytes | None = None


LOCK_NAME = "csops.lock"


@contextmanager
def repo_lock(root: Path) -> Iterator[None]:
    """One csops write at a time per clone: check, write and commit are not interleaved."""
    lock = Path(git.out(["rev-parse", "--git-dir"], root))
    lock = (lock if lock.is_absolute() else root / lock) / LOCK_NAME
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError as exc:
        raise WriteError(
            f"another csops command is writing in this repository ({lock} exists); "
            "wait for it, or remove the file if no csops command is running"
        ) from exc
    try:
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        yield
    finally:
        lock.unlink(missing_ok=True)


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
    with repo_lock(root):
        _check_untouched(root, changes)
        return _write_and_commit(root, changes, paths, actor=actor, action=action, summary=summary,
                                 records=records, no_commit=no_commit, when=when)


def _check_untouched(root: Path, changes: Sequence[Change]) -> None:
    dirty = git.status_porcelain(root, [c.rel for c in changes])
    if dirty.strip():
        raise WriteError(
            "these records have uncommitted changes; commit or discard them first:\n" + dirty.rstrip()
        )
    for change in changes:
        target = root / change.rel
        current = target.read_bytes() if target.exists() else None
        if current != change.expected:
            what = "already exists" if change.expected is None else "changed since this command read it"
            raise WriteError(f"{change.rel} {what} (another command or clone wrote it); nothing was written: run the command again")


def _write_and_commit(root: Path, changes: Sequence[Change], paths: list[str], *, actor: Staff, action: str,
                      summary: str, records: Sequence[str], no_commit: bool, when: datetime | None) -> str | None:
    backups = {c.rel: c.expected for c in changes}
    new_dirs = [d for c in changes for d in _missing_dirs(root / c.rel)]
    written: list[str] = []
    head_before = git.head(root)
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
            date=when.isoformat() if when is not None else None, env={CHECKED_ENV: "1"},
        )
    except BaseException as exc:
        if git.head(root) != head_before and not no_commit:
            raise  # interrupted after git made the commit: the commit stands, nothing to undo
        try:
            _restore(root, written, backups, new_dirs)
        finally:
            git.unstage(root, paths)
        if isinstance(exc, (OSError, git.GitError)):
            raise WriteError(f"nothing was written or committed: {exc}") from exc
        raise


def _missing_dirs(path: Path) -> list[Path]:
    """Folders that writing ``path`` will create, deepest first (removed again on rollback)."""
    missing = []
    for parent in path.parents:
        if parent.exists():
            break
        missing.append(parent)
    return missing


def _restore(root: Path, written: Sequence[str], backups: dict[str, bytes | None], new_dirs: Sequence[Path]) -> None:
    for rel in written:
        old = backups.get(rel)
        target = root / rel
        if old is None:
            target.unlink(missing_ok=True)
        else:
            atomic_write(target, old)
    for folder in new_dirs:
        with contextlib.suppress(OSError):
            folder.rmdir()
