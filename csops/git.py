"""Every git call csops makes, through the git CLI.

Kept free of GitPython so that ``csops validate`` (which reads the index in the pre-commit hook)
starts fast; GitPython is imported only by the history/audit commands that walk commits.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Set in the environment of a commit csops makes itself: its hook need not check the tree again.
CHECKED_ENV = "CSOPS_CHECKED_COMMIT"


class GitError(RuntimeError):
    pass


def run(
    args: Sequence[str],
    cwd: Path,
    *,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    full_env = dict(os.environ)
    full_env.setdefault("LC_ALL", "C")
    if env:
        full_env.update(env)
    proc = subprocess.run(
        ["git", *args], cwd=cwd, input=input, env=full_env, capture_output=True, check=False
    )
    if check and proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip() or proc.stdout.decode("utf-8", "replace")
        raise GitError(f"git {' '.join(args[:2])} failed: {message.strip()}")
    return proc


def out(args: Sequence[str], cwd: Path) -> str:
    return run(args, cwd).stdout.decode("utf-8", "replace").strip()


def toplevel(path: Path) -> Path | None:
    proc = run(["rev-parse", "--show-toplevel"], path, check=False)
    if proc.returncode != 0:
        return None
    return Path(proc.stdout.decode().strip())


def config_get(key: str, cwd: Path) -> str | None:
    proc = run(["config", "--get", key], cwd, check=False)
    value = proc.stdout.decode("utf-8", "replace").strip()
    return value or None


def git_dir(cwd: Path) -> Path:
    path = Path(out(["rev-parse", "--git-dir"], cwd))
    return path if path.is_absolute() else cwd / path


#: What git keeps in its folder while an operation is under way: a write then would be lost on an
#: abort or end up inside someone else's merge. (marker, what it is, how to end it)
IN_PROGRESS = (
    ("MERGE_HEAD", "合并 (merge)", "git merge --continue 或 git merge --abort"),
    ("rebase-merge", "变基 (rebase)", "git rebase --continue 或 git rebase --abort"),
    ("rebase-apply", "变基或补丁 (rebase / am)", "git rebase --continue 或 git rebase --abort"),
    ("CHERRY_PICK_HEAD", "拣选 (cherry-pick)", "git cherry-pick --continue 或 git cherry-pick --abort"),
    ("REVERT_HEAD", "还原 (revert)", "git revert --continue 或 git revert --abort"),
    ("BISECT_LOG", "二分查找 (bisect)", "git bisect reset"),
)


def write_blocker(cwd: Path) -> str | None:
    """Why a csops write must not happen in this repository's state now; None when it may."""
    folder = git_dir(cwd)
    for marker, what, how in IN_PROGRESS:
        if (folder / marker).exists():
            return (f"仓库正在进行{what}, 此时写入的记录会在放弃时丢失或混入他人的提交; 什么也没有写入. "
                    f"先完成或放弃它: {how}")
    if run(["symbolic-ref", "-q", "HEAD"], cwd, check=False).returncode != 0:
        return ("HEAD 处于分离状态 (detached HEAD), 此时提交的记录不在任何分支上; 什么也没有写入. "
                "先切换到分支: git switch main")
    conflicted = out(["ls-files", "-u"], cwd)
    if conflicted:
        paths = sorted({line.split("\t", 1)[-1] for line in conflicted.splitlines()})
        return ("有未解决的冲突 (unresolved conflicts): " + ", ".join(paths[:5])
                + "; 什么也没有写入. 先解决并 git add, 或 git checkout -- 放弃")
    return None


def has_head(cwd: Path) -> bool:
    return run(["rev-parse", "--verify", "-q", "HEAD"], cwd, check=False).returncode == 0


def head(cwd: Path) -> str | None:
    proc = run(["rev-parse", "--verify", "-q", "HEAD"], cwd, check=False)
    return proc.stdout.decode().strip() if proc.returncode == 0 else None


def bad_revision(cwd: Path, rev: str) -> str | None:
    """Why ``rev`` (a commit or a range like ``main..HEAD``) names no commits here, or None when it does."""
    proc = run(["rev-list", "--max-count=1", rev, "--"], cwd, check=False)
    if proc.returncode == 0:
        return None
    return proc.stderr.decode("utf-8", "replace").strip().splitlines()[0] if proc.stderr.strip() else f"bad revision {rev!r}"


@dataclass(frozen=True)
class IndexEntry:
    mode: str
    sha: str
    stage: int
    path: str


def ls_index(cwd: Path, prefix: str) -> list[IndexEntry]:
    """Entries of the git index under ``prefix`` (the staged state, as a pre-commit hook sees it)."""
    raw = run(["ls-files", "-s", "-z", "--", prefix], cwd).stdout
    entries = []
    for item in raw.split(b"\0"):
        if not item:
            continue
        meta, _, path = item.partition(b"\t")
        mode, sha, stage = meta.decode().split()
        entries.append(IndexEntry(mode, sha, int(stage), path.decode("utf-8", "surrogateescape")))
    return entries


def _start(args: Sequence[str], cwd: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.setdefault("LC_ALL", "C")
    return subprocess.Popen(["git", *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _finish(proc: subprocess.Popen[bytes], what: str) -> bytes:
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        raise GitError(f"git {what} failed: {stderr.decode('utf-8', 'replace').strip()}")
    return stdout


_LS_FILES_ROW = re.compile(rb"[0-7]{6} ([0-9a-f]{40,64}) ([0-3])\t([^\0]*)\0")


def index_listing(cwd: Path, prefix: str, *, worktree: bool) -> tuple[dict[str, str], bool, list[str]]:
    """The index under ``prefix`` as path → blob id, whether it holds a conflict (a stage other than
    0), and (with ``worktree``) the paths changed in the working tree as ``changed_in_worktree``
    gives them. The three git processes run at once: at 100,000 records each takes a while."""
    procs = [_start(["ls-files", "-s", "-z", "--", prefix], cwd)]
    if worktree:
        procs.append(_start(["diff-files", "--name-only", "-z", "--", prefix], cwd))
        procs.append(_start(["ls-files", "--others", "-z", "--", prefix], cwd))
    outputs = [_finish(proc, what) for proc, what in zip(procs, ("ls-files", "diff-files", "ls-files"), strict=False)]
    # "<mode> <sha> <stage>\t<path>\0": parsed by one regex pass in C, not a loop per entry.
    rows = _LS_FILES_ROW.findall(outputs[0])
    conflicted = any(stage != b"0" for _, stage, _ in rows)
    blobs = {path.decode("utf-8", "surrogateescape"): sha.decode() for sha, _, path in rows}
    changed = [p.decode("utf-8", "surrogateescape") for out in outputs[1:] for p in out.split(b"\0") if p]
    return blobs, conflicted, changed


def clean_tree(cwd: Path, prefix: str) -> str | None:
    """The tree id of ``prefix`` in HEAD when the working tree and the index hold exactly it (nothing
    staged, changed or untracked under it); None otherwise. Git answers this from its index and
    stat data in C, without listing every file to Python: the cheapest "nothing changed" there is."""
    procs = [_start(["rev-parse", "-q", "--verify", f"HEAD:{prefix}"], cwd),
             _start(["diff-index", "--cached", "--quiet", "HEAD", "--", prefix], cwd),
             _start(["diff-files", "--quiet", "--", prefix], cwd),
             _start(["ls-files", "--others", "-z", "--", prefix], cwd)]
    outputs = [proc.communicate()[0] for proc in procs]
    if any(proc.returncode != 0 for proc in procs) or outputs[3]:
        return None
    return outputs[0].decode().strip() or None


def tree_after_commit(cwd: Path, prefix: str, base: str, written: dict[str, str]) -> str | None:
    """HEAD's tree of ``prefix`` when HEAD is a commit on the tree ``base`` that changed exactly
    ``written`` (path → blob id) under it, as a csops write on a clean folder makes; else None."""
    proc = run(["diff-tree", "-r", "--no-commit-id", "--no-renames", "-z", "HEAD^", "HEAD", "--", prefix], cwd,
               check=False)
    trees = run(["rev-parse", f"HEAD^:{prefix}", f"HEAD:{prefix}"], cwd, check=False)
    names = trees.stdout.decode().split()
    if proc.returncode != 0 or trees.returncode != 0 or len(names) != 2 or names[0] != base:
        return None
    # "-z" rows: ":<mode> <mode> <old> <new> <status>\0<path>\0"
    parts = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    seen = {parts[i + 1]: parts[i].split()[3] for i in range(0, len(parts) - 1, 2)}
    return names[1] if seen == written else None


@contextlib.contextmanager
def tree_as_index(cwd: Path, rev: str) -> Iterator[None]:
    """Within the block, git's index is a temporary one holding commit ``rev``'s tree, so that a
    check of "the index" (``check(from_index=True)``) checks that commit, reading its blobs, with
    no checkout and the user's own index untouched."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="csops-tree-") as tmp:
        index = str(Path(tmp) / "index")
        run(["read-tree", rev], cwd, env={"GIT_INDEX_FILE": index})
        before = os.environ.get("GIT_INDEX_FILE")
        os.environ["GIT_INDEX_FILE"] = index
        try:
            yield
        finally:
            if before is None:
                os.environ.pop("GIT_INDEX_FILE", None)
            else:
                os.environ["GIT_INDEX_FILE"] = before


def merge_base(cwd: Path, a: str, b: str) -> str | None:
    proc = run(["merge-base", a, b], cwd, check=False)
    return (proc.stdout.decode().strip() or None) if proc.returncode == 0 else None


def resolve_commit(cwd: Path, rev: str) -> str | None:
    """The full id of commit ``rev`` (a short id, a branch, a tag); None when it names none."""
    proc = run(["rev-parse", "-q", "--verify", f"{rev}^{{commit}}"], cwd, check=False)
    return (proc.stdout.decode().strip() or None) if proc.returncode == 0 else None


def last_commit_before(cwd: Path, when: Any) -> str | None:
    """The last commit on HEAD's first-parent line committed at or before ``when`` (a datetime)."""
    proc = run(["rev-list", "-1", "--first-parent", f"--before={when.isoformat()}", "HEAD"], cwd, check=False)
    return (proc.stdout.decode().strip() or None) if proc.returncode == 0 else None


def index_tree(cwd: Path, prefix: str) -> str | None:
    """The tree id the index holds for ``prefix`` (what a commit now would record there), or None
    (a conflict, nothing under it). git computes it from the index's cache of trees, redoing only
    the folders a ``git add`` touched: the staged view's "nothing changed" without listing every
    file to Python. It writes those tree objects, as the commit would."""
    proc = run(["write-tree", f"--prefix={prefix}/"], cwd, check=False)
    return (proc.stdout.decode().strip() or None) if proc.returncode == 0 else None


def refresh_index(cwd: Path) -> None:
    """Refresh the index's stat data, as ``git status`` does opportunistically.

    Files written in the same second as the index (a fresh clone, a checkout) stay "racily clean"
    and make every later ``diff-files`` compare their contents: 0.3 s at 10,000 files instead of
    0.02 s. Best effort: when another git process holds the index, nothing happens.
    """
    run(["update-index", "-q", "--refresh"], cwd, check=False)


def changed_in_worktree(cwd: Path, prefix: str) -> list[str]:
    """Paths under ``prefix`` whose working file differs from the index (by git's stat check, which
    compares content for racily clean entries), deleted ones included, plus untracked files
    (ignored ones too: a record file is a record file)."""
    changed = run(["diff-files", "--name-only", "-z", "--", prefix], cwd).stdout
    others = run(["ls-files", "--others", "-z", "--", prefix], cwd).stdout
    return [p.decode("utf-8", "surrogateescape") for p in (changed + others).split(b"\0") if p]


def cat_blobs(cwd: Path, shas: Iterable[str]) -> dict[str, bytes]:
    """Contents of many blobs in one ``git cat-file --batch`` process."""
    wanted = list(dict.fromkeys(shas))
    if not wanted:
        return {}
    raw = run(["cat-file", "--batch"], cwd, input=("\n".join(wanted) + "\n").encode()).stdout
    blobs: dict[str, bytes] = {}
    pos = 0
    for sha in wanted:
        newline = raw.index(b"\n", pos)
        header = raw[pos:newline].decode().split()
        pos = newline + 1
        if len(header) < 3 or header[1] == "missing":
            continue
        size = int(header[2])
        blobs[sha] = raw[pos : pos + size]
        pos += size + 1
    return blobs


def status_porcelain(cwd: Path, paths: Sequence[str]) -> str:
    return run(["status", "--porcelain", "--", *paths], cwd).stdout.decode("utf-8", "replace")


def add(cwd: Path, paths: Sequence[str]) -> None:
    run(["add", "--", *paths], cwd)


def unstage(cwd: Path, paths: Sequence[str]) -> bool:
    """Return the index entries of ``paths`` to HEAD (or drop them when there is no HEAD); whether
    git could change the index."""
    if has_head(cwd):
        return run(["reset", "-q", "HEAD", "--", *paths], cwd, check=False).returncode == 0
    return run(["rm", "-q", "--cached", "--ignore-unmatch", "--", *paths], cwd, check=False).returncode == 0


def identity(cwd: Path) -> tuple[str, str] | None:
    """Who git will name as the author of a commit made here now (``user.name``/``user.email``,
    or ``GIT_AUTHOR_*``): the person at the keyboard. None when git cannot tell."""
    proc = run(["var", "GIT_AUTHOR_IDENT"], cwd, check=False)
    match = re.match(r"^(.*?) <([^>]*)>", proc.stdout.decode("utf-8", "replace"))
    if proc.returncode != 0 or match is None or not match.group(2):
        return None
    return match.group(1).strip(), match.group(2).strip()


def signs_commits(cwd: Path) -> bool:
    """Whether git is set up to sign commits here (a signing key, or ``commit.gpgsign``)."""
    return bool(config_get("user.signingkey", cwd)) or (config_get("commit.gpgsign", cwd) or "").lower() == "true"


def commit(
    cwd: Path,
    paths: Sequence[str],
    message: str,
    *,
    date: str | None = None,
    sign: bool = False,
    env: dict[str, str] | None = None,
) -> str:
    """Commit exactly ``paths`` (already added) as git's own identity and return the new commit id.

    The author is never set by csops: it is whoever git says is at this keyboard. Other staged
    changes of the user are left staged and out of the commit.
    """
    env = dict(env or {})
    if date is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    run(["commit", "-q", *(["-S"] if sign else []), "-F", "-", "--", *paths], cwd, input=message.encode(), env=env)
    return out(["rev-parse", "HEAD"], cwd)


def is_ancestor(cwd: Path, older: str, newer: str) -> bool:
    return run(["merge-base", "--is-ancestor", older, newer], cwd, check=False).returncode == 0


def first_parent_chain(cwd: Path, older: str, newer: str) -> bool:
    """Whether ``older`` is on ``newer``'s first-parent line (a merged side branch's commit is not)."""
    if older == newer:
        return True
    proc = run(["rev-list", "--first-parent", "--parents", f"{older}..{newer}"], cwd, check=False)
    rows = proc.stdout.decode().strip().splitlines()
    if proc.returncode != 0 or not rows:
        return False
    oldest = rows[-1].split()
    return len(oldest) > 1 and oldest[1] == older


def path_versions(cwd: Path, path: str, rev_range: str) -> list[tuple[str, int, str]]:
    """(commit, commit time, new blob) of each first-parent commit in ``rev_range`` that changed
    ``path``, oldest first; the blob is all zeros where the commit deleted the file. A merge counts
    against its first parent: a change merged from a branch lands at the merge."""
    proc = run(["log", "--first-parent", "--diff-merges=first-parent", "--root", "--raw", "--no-abbrev",
                "--format=%x1e%H %ct", rev_range, "--", path], cwd)
    found = []
    for chunk in proc.stdout.decode("utf-8", "replace").split("\x1e"):
        lines = chunk.strip().splitlines()
        if not lines:
            continue
        sha, ctime = lines[0].split()
        blobs = [line.split()[3] for line in lines[1:] if line.startswith(":")]
        if blobs:
            found.append((sha, int(ctime), blobs[-1]))
    found.reverse()
    return found


def first_change_time(cwd: Path, path: str, rev_range: str) -> int | None:
    """The commit time of the oldest first-parent commit in ``rev_range`` that touched ``path``."""
    proc = run(["log", "--first-parent", "--format=%ct", rev_range, "--", path], cwd)
    times = proc.stdout.decode().split()
    return int(times[-1]) if times else None


def commit_exists(cwd: Path, sha: str) -> bool:
    return run(["cat-file", "-e", f"{sha}^{{commit}}"], cwd, check=False).returncode == 0


def read_ref(cwd: Path, ref: str) -> str | None:
    proc = run(["rev-parse", "--verify", "-q", ref], cwd, check=False)
    return proc.stdout.decode().strip() if proc.returncode == 0 else None


def update_ref(cwd: Path, ref: str, new: str, old: str | None) -> bool:
    """Move ``ref`` to ``new`` only if it is still ``old`` (None: it must not exist yet)."""
    return run(["update-ref", ref, new, old or ""], cwd, check=False).returncode == 0


@dataclass(frozen=True)
class Signature:
    sha: str
    status: str  # git's %G?: G good, B bad, U good but unknown validity, N none, E cannot check, ...
    signer: str  # the principal git matched in the allowed-signers file (%GS), "" when none
    key: str  # the key's fingerprint (%GF)


def signatures(cwd: Path, rev_range: str, allowed_signers: Path, paths: Sequence[str] = ()) -> dict[str, Signature]:
    """The SSH signature of every first-parent commit in ``rev_range`` (touching ``paths``), checked
    by git itself against ``allowed_signers`` (one ``git log``, not one call per commit)."""
    proc = run(["-c", "gpg.format=ssh", "-c", f"gpg.ssh.allowedSignersFile={allowed_signers}",
                "log", "--first-parent", "--format=%H%x1f%G?%x1f%GS%x1f%GF%x1e", rev_range, "--", *paths], cwd)
    found = {}
    for chunk in proc.stdout.decode("utf-8", "replace").split("\x1e"):
        parts = chunk.strip().split("\x1f")
        if len(parts) == 4:
            found[parts[0]] = Signature(parts[0], parts[1], parts[2], parts[3])
    return found


def init(cwd: Path) -> None:
    run(["init", "-q", "-b", "main"], cwd)


def set_config(cwd: Path, key: str, value: str) -> None:
    run(["config", key, value], cwd)


def hooks_dir(cwd: Path) -> Path:
    path = Path(out(["rev-parse", "--git-path", "hooks"], cwd))
    return path if path.is_absolute() else cwd / path


def merge_file(cwd: Path, ours: Path, base: Path, theirs: Path) -> int:
    """git's own line merge of three versions into ``ours``, with conflict markers where the sides
    clash: the number of conflicts (0: merged cleanly), or a negative/large code when git failed."""
    labels = ["-L", "ours", "-L", "base", "-L", "theirs"]
    return run(["merge-file", *labels, str(ours), str(base), str(theirs)], cwd, check=False).returncode
