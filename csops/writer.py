"""The one write path every mutating command uses.

Write the record files atomically, stage exactly them, and commit them as the person at the
keyboard (git's own identity, never one csops makes up: that is what the audit relies on), with a
one-line message in business words and ``Csops-*`` trailers naming the acting member of staff and,
when someone enters a step for another (``--as``), who entered it. Commits are signed when git is
set up to sign (``user.signingkey``). A failure at any
step restores the files and the index: no half-written record, no half-made commit.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
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
#: Seconds a writer waits for another writer's turn before it says the repository is busy.
LOCK_WAIT_ENV = "CSOPS_LOCK_WAIT"
LOCK_WAIT = 10.0
#: A lock file without a process id this old was left by a writer killed as it took the lock.
LOCK_UNWRITTEN_AFTER = 10.0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def _stale(lock: Path) -> bool:
    """Whether ``lock`` was left by a writer that is gone (killed, crashed, machine restarted)."""
    try:
        text = lock.read_text(encoding="utf-8", errors="replace")
        age = time.time() - lock.stat().st_mtime
    except FileNotFoundError:
        return False  # released meanwhile: just try again
    parts = text.split()
    if not parts or not parts[0].isdigit():
        return age > LOCK_UNWRITTEN_AFTER
    if len(parts) > 1 and parts[1] != socket.gethostname():
        return False  # a process on another machine (a shared folder): it cannot be asked
    return not _alive(int(parts[0]))


def _journal(lock: Path, head: str | None, paths: Sequence[str]) -> None:
    """Note in our lock what this write is about to change, so that a writer that finds the lock
    stale (this process killed mid-write) can put those records back as they were."""
    lines = [f"{os.getpid()} {socket.gethostname()}", f"head {head or '-'}", *paths]
    atomic_write(lock, "\n".join(lines) + "\n")


def _undo_killed_write(root: Path, lock: Path) -> None:
    """Put back what a writer killed between writing and committing left (files written, records
    staged): its command never said it was done, so its change is undone, as a failed write is.
    Nothing is undone once its commit exists (HEAD moved): the commit stands."""
    try:
        lines = lock.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return
    if len(lines) < 3 or not lines[1].startswith("head "):
        return  # it had not begun to write
    head, paths = lines[1][5:], [p for p in lines[2:] if p]
    # git's own lock, left by the `git commit` killed with it: made after our journal, so not the
    # lock of a git command that was running before the write began. (A git command someone starts
    # by hand in the moment between the kill and this line would lose its lock: a window of a
    # dead process's making that only a human can close; git says so if it happens.)
    index_lock = lock.parent / "index.lock"
    with contextlib.suppress(OSError):
        if index_lock.stat().st_mtime >= lock.stat().st_mtime:
            index_lock.unlink()
    if (git.head(root) or "-") != head:
        return
    in_head = set(git.out(["ls-tree", "-r", "--name-only", "HEAD", "--", *paths], root).splitlines()) \
        if head != "-" else set()
    if not git.unstage(root, paths):
        return  # the index cannot be changed now: leave the files as they are; the write says so
    kept = [p for p in paths if p in in_head]
    if kept:
        git.run(["checkout", "-q", "HEAD", "--", *kept], root, check=False)
    for rel in paths:
        if rel not in in_head:
            (root / rel).unlink(missing_ok=True)


def _clear_stale(lock: Path, root: Path | None = None) -> None:
    """Remove a stale lock, once: a second lock serialises the clearing, so a writer never removes
    the fresh lock another writer has just taken in place of the stale one. A write the dead
    process left half done is undone first."""
    breaker = lock.with_name(lock.name + ".clear")
    try:
        fd = os.open(breaker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        with contextlib.suppress(OSError):  # a clearer killed mid-way: its lock is seconds old at most
            if time.time() - breaker.stat().st_mtime > LOCK_UNWRITTEN_AFTER:
                breaker.unlink()
        return
    try:
        if _stale(lock):
            if root is not None:
                with contextlib.suppress(OSError, git.GitError):
                    _undo_killed_write(root, lock)
            lock.unlink(missing_ok=True)
    finally:
        os.close(fd)
        breaker.unlink(missing_ok=True)


def _wait_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get(LOCK_WAIT_ENV, LOCK_WAIT)))
    except ValueError:
        return LOCK_WAIT


@contextmanager
def repo_lock(root: Path) -> Iterator[None]:
    """One csops write at a time per clone: check, write and commit are not interleaved.

    A writer waits its turn (``CSOPS_LOCK_WAIT`` seconds, 10 by default) and then says the
    repository is busy; a lock whose process is gone (kill -9, a crash) is cleared, not obeyed.
    """
    lock = git.git_dir(root) / LOCK_NAME
    if lock in _HELD:  # this process has its turn already (taken before the record's id was chosen)
        yield
        return
    deadline = time.monotonic() + _wait_seconds()
    while True:
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            break
        except FileExistsError:
            if _stale(lock):
                _clear_stale(lock, root)
                continue
            if time.monotonic() >= deadline:
                holder = ""
                with contextlib.suppress(OSError):
                    holder = lock.read_text(encoding="utf-8", errors="replace").split()[0]
                raise WriteError(
                    f"仓库忙: 另一个 csops 命令 (进程 {holder or '?'}) 正在写入, 已等待 {_wait_seconds():.0f} 秒; "
                    "什么也没有写入, 请稍后重试 (busy: another csops command is writing in this "
                    f"repository; its lock is {lock})"
                ) from None
            time.sleep(0.05)
    try:
        _HELD.add(lock)
        os.write(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())
        os.close(fd)
        yield
    finally:
        _HELD.discard(lock)
        lock.unlink(missing_ok=True)


#: The locks this process holds (``repo_lock`` inside ``repo_lock`` is the same turn).
_HELD: set[Path] = set()


def commit_message(summary: str, *, records: Sequence[str], action: str, actor: Staff,
                   entered_by: str | None = None) -> str:
    lines = [summary.strip().splitlines()[0], ""]
    lines += [f"Csops-Record: {rid}" for rid in records]
    lines += [f"Csops-Action: {action}", f"Csops-Actor: {actor.id}"]
    if entered_by and entered_by != actor.id:
        lines.append(f"Csops-Entered-By: {entered_by}")
    return "\n".join(lines) + "\n"


NO_IDENTITY = ("git 不知道是谁在操作这台电脑, 什么也没有写入: 请设置你自己的身份 "
               "(git config user.name 你的姓名; git config user.email 你的邮箱), 并把邮箱写入你的员工档案 "
               "(csops staff edit 工号 --email 邮箱). (git has no identity here: commits are authored by the "
               "person at the keyboard, never by the --as person)")


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
    entered_by: str | None = None,
    has_identity: bool = False,
) -> str | None:
    """Write, stage and commit ``changes``; return the commit id (None with ``no_commit``).

    ``entered_by`` is who is at the keyboard (their staff id, else their git email) when that is
    not ``actor``. ``has_identity`` says the caller has just read git's identity (no second
    ``git var``)."""
    if not changes:
        raise WriteError("nothing to write")
    paths = [c.rel for c in changes]
    if git.toplevel(root) is None:
        raise WriteError(f"{root} is not a git repository: run `csops init` or `git init` first")
    if not no_commit and not has_identity and git.identity(root) is None:
        raise WriteError(NO_IDENTITY)
    with repo_lock(root):
        blocker = git.write_blocker(root)
        if blocker is not None:
            raise WriteError(blocker)
        _check_untouched(root, changes)
        message = commit_message(summary, records=records, action=action, actor=actor, entered_by=entered_by)
        return _write_and_commit(root, changes, paths, message=message, no_commit=no_commit, when=when)


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


def _write_and_commit(root: Path, changes: Sequence[Change], paths: list[str], *, message: str,
                      no_commit: bool, when: datetime | None) -> str | None:
    backups = {c.rel: c.expected for c in changes}
    new_dirs = [d for c in changes for d in _missing_dirs(root / c.rel)]
    written: list[str] = []
    head_before = git.head(root)
    with contextlib.suppress(OSError):  # without the note a kill is only harder to undo, not the write
        _journal(git.git_dir(root) / LOCK_NAME, head_before, paths)
    try:
        for change in changes:
            atomic_write(root / change.rel, change.text)
            written.append(change.rel)
        git.add(root, paths)
        if no_commit:
            return None
        return git.commit(root, paths, message, date=when.isoformat() if when is not None else None,
                          sign=git.signs_commits(root), env={CHECKED_ENV: "1"})
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
