"""Where a printed form comes from, and checking a paper against the records (issue 13).

A form carries ``csops:<id>@<commit>#<hash>``: the record, the commit it was rendered from, and
the first 12 hex digits of the record file's git blob id, which is a hash of its exact content.
``csops verify`` takes that text back and says whether the record at that commit has that content
and whether it changed since, so a signed paper can be held against the history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

HASH_DIGITS = 12
_TEXT = re.compile(r"^(?:csops:)?(?P<id>[^@#\s]+)@(?P<commit>[0-9a-f]{7,40}|worktree)#(?P<hash>[0-9a-f]{7,40})$")


@dataclass(frozen=True)
class Provenance:
    record_id: str
    path: str
    blob: str
    #: HEAD when the file there is this content; None when it has uncommitted changes.
    commit: str | None

    @property
    def short_hash(self) -> str:
        return self.blob[:HASH_DIGITS]

    @property
    def text(self) -> str:
        return f"csops:{self.record_id}@{self.commit[:10] if self.commit else 'worktree'}#{self.short_hash}"


def of_file(root: Path | None, record_id: str, rel: str, blob: str) -> Provenance:
    """The provenance of the record ``record_id`` in file ``rel`` whose content has blob id ``blob``."""
    from csops import git

    commit = None
    if root is not None and git.toplevel(root) is not None:
        head = git.head(root)
        at_head = _blob_at(root, head, rel) if head else None
        commit = head if at_head == blob else None
    return Provenance(record_id, rel, blob, commit)


def _blob_at(root: Path, commit: str | None, rel: str) -> str | None:
    from csops import git

    if commit is None:
        return None
    proc = git.run(["rev-parse", "-q", "--verify", f"{commit}:{rel}"], root, check=False)
    return proc.stdout.decode().strip() if proc.returncode == 0 else None


@dataclass(frozen=True)
class Verdict:
    matches: bool
    changed_since: int | None  # commits that changed the file after ``commit`` (None: not checked)
    message: str


def parse(text: str) -> tuple[str, str, str] | None:
    """(record id, commit or "worktree", hash) from a form's provenance text."""
    found = _TEXT.match(text.strip())
    return (found["id"], found["commit"], found["hash"]) if found else None


def verify(root: Path, rel: str, commit: str, short_hash: str, current_blob: str | None) -> Verdict:
    """Whether the file ``rel`` at ``commit`` has content ``short_hash``, and what happened after."""
    from csops import git

    if commit == "worktree":
        same = current_blob is not None and current_blob.startswith(short_hash)
        return Verdict(same, None, "与当前工作区的记录一致 (matches the uncommitted record)" if same else
                       "与当前记录不一致, 且打印时的内容从未提交, 无法核对历史 (printed from uncommitted changes)")
    if not git.commit_exists(root, commit):
        return Verdict(False, None, f"提交 {commit} 不在本仓库的历史中 (no such commit)")
    then = _blob_at(root, commit, rel)
    if then is None:
        return Verdict(False, None, f"提交 {commit[:10]} 中没有这份记录 ({rel})")
    if not then.startswith(short_hash):
        return Verdict(False, None, f"与提交 {commit[:10]} 中的记录内容不一致: 纸面与记录不符 (the paper does not "
                                    "match the record at that commit)")
    proc = git.run(["rev-list", "--count", f"{commit}..HEAD", "--", rel], root, check=False)
    later = int(proc.stdout.decode().strip() or 0) if proc.returncode == 0 else 0
    dirty = current_blob is not None and current_blob != then and later == 0
    if later or dirty:
        since = f"此后已修改 ({later} 次提交{'及未提交的修改' if dirty else ''}), 纸面不是最新内容"
        return Verdict(True, later, f"与提交 {commit[:10]} 中的记录一致; {since}")
    return Verdict(True, 0, f"与提交 {commit[:10]} 中的记录一致, 此后未修改 (matches; unchanged since)")
