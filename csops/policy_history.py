"""The policy in force at a moment: the versions of ``records/policy.yaml`` on HEAD's first-parent line.

Issue 10, item 6: a ticket's deadlines follow the policy that was in force when the ticket was
received, so a later policy edit never turns a verdict already given (a closed ticket that was on
time) or a past month's KPI. The rules:

- A committed version takes effect at its commit time: when it landed on the first-parent line,
  so a change merged from a branch counts from its merge. ``effective_from`` in the file may put it
  later (a change announced for the first of next month), never earlier: a backdated version is
  held to its commit time, and ``csops audit`` reports it (AUDIT-14).
- A later commit has the last word from its own effective time on: a version announced for
  January that a December commit supersedes before January never takes effect.
- Until the office has committed its first ticket it is being set up: every version committed
  by then (the default of ``csops init``, the office's own numbers) applies from the beginning, the
  last one winning, so tickets imported with their old reception times follow the office's policy.
  After that, a change applies only forward.
- A version that does not validate never took effect; the one before it stays in force.
- An uncommitted version (the working tree or the index differs from HEAD) is not in force for any
  ticket yet: it has no commit time. Everything else a rule reads from ``ctx.policy`` (check
  intervals, who may do what) is the tree's own version, committed or not.

Reading the history is cached in ``.csops-cache/policy-history.marshal`` under HEAD: an unchanged
HEAD costs one ``git rev-parse``; a HEAD that moved on along its first-parent line reads only the new
commits; anything else (a rewrite, another branch) walks the path's history once. The versions'
policies are validated only when a ticket received under them is read.
"""

from __future__ import annotations

import hashlib
import marshal
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from csops.calendar import BusinessCalendar
    from csops.models.policy import Policy

NAME = "policy-history.marshal"
FORMAT = 2
POLICY_REL = "records/policy.yaml"
TICKETS_REL = "records/tickets"
_DELETED = "0" * 40


@dataclass
class PolicyVersion:
    """One version of the policy with the moment from which it is in force."""

    blob: str
    #: The commit that put this version on the line; None for the tree's uncommitted version.
    commit: str | None
    #: Seconds since the epoch from which it is in force; None: from the beginning.
    effective: float | None
    #: The commit time (None when uncommitted), and the file's own ``effective_from`` if any.
    committed: float | None = None
    declared: float | None = None
    data: Any = None
    _policy: Policy | None = field(default=None, repr=False)
    _calendar: BusinessCalendar | None = field(default=None, repr=False)

    @property
    def policy(self) -> Policy:
        if self._policy is None:
            from csops.models.policy import Policy

            self._policy = Policy.model_validate(self.data)
        return self._policy

    @property
    def calendar(self) -> BusinessCalendar:
        if self._calendar is None:
            from csops.calendar import BusinessCalendar

            self._calendar = BusinessCalendar(self.policy)
        return self._calendar

    @property
    def backdated(self) -> bool:
        """The file says it took effect before it was committed (AUDIT-14)."""
        return self.declared is not None and self.committed is not None and self.declared < self.committed

    def as_dict(self) -> dict[str, Any]:
        return {"commit": self.commit, "blob": self.blob,
                "effective": _iso(self.effective), "label": self.label()}

    def label(self, tz: Any = None) -> str:
        """制度版本 3f2a1bc (2026-11-05 10:00 起施行) — in office time when ``tz`` is given."""
        name = f"制度版本 {self.commit[:7]}" if self.commit else "制度(未提交)"
        if self.effective is None:
            return f"{name} (最初版本)"
        moment = datetime.fromtimestamp(self.effective, tz or UTC)
        return f"{name} ({moment:%Y-%m-%d %H:%M} 起施行)"


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat() if ts is not None else None


@dataclass
class Timeline:
    """The committed versions in the order they take effect (only those that ever do)."""

    versions: list[PolicyVersion]
    #: What the caches of deadlines must be keyed by besides the tree's own policy blob.
    key: str
    _starts: list[float] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._starts = [v.effective if v.effective is not None else float("-inf") for v in self.versions]

    def at(self, instant: datetime) -> PolicyVersion | None:
        """The version in force at ``instant`` (None when no committed version validates)."""
        if not self.versions:
            return None
        index = bisect_right(self._starts, instant.timestamp()) - 1
        return self.versions[max(index, 0)]


@dataclass
class History:
    """What the cache keeps under HEAD."""

    head: str | None = None
    #: (commit, commit time, blob) of each first-parent commit that changed the policy, oldest first.
    entries: list[tuple[str, int, str]] = field(default_factory=list)
    #: blob → (declared effective_from as a timestamp or None, the YAML data), None if not a policy.
    data: dict[str, Any] = field(default_factory=dict)
    #: Commit time of the first commit that touched the tickets (None: the office is being set up).
    opened: int | None = None


def _load_cache(path: Path) -> History:
    try:
        fmt, head, entries, data, opened = marshal.loads(path.read_bytes())
        if fmt == FORMAT and isinstance(entries, list) and isinstance(data, dict):
            return History(head, [tuple(e) for e in entries], data, opened)
    except (OSError, EOFError, ValueError, TypeError):
        pass
    return History()


def _save_cache(path: Path, found: History) -> None:
    from csops.store import keep

    keep(path, (FORMAT, found.head, found.entries, found.data, found.opened))


def _version_data(root: Path, blobs: list[str]) -> dict[str, Any]:
    """blob → (declared effective_from as a timestamp or None, the YAML data) or None when the
    version cannot be a policy at all (not YAML, not a mapping, not a valid policy)."""
    from csops import git
    from csops.yamlio import load_fast

    out: dict[str, Any] = {}
    raw = git.cat_blobs(root, [b for b in blobs if b != _DELETED])
    for blob in blobs:
        out[blob] = None
        text = raw.get(blob)
        if text is None:
            continue
        try:
            data = load_fast(text.decode("utf-8"))
        except Exception:  # noqa: BLE001 - any unreadable version simply never took effect
            continue
        if not isinstance(data, dict):
            continue
        try:
            from csops.models.policy import Policy

            policy = Policy.model_validate(data)
        except ValueError:
            continue
        declared = policy.effective_from.timestamp() if policy.effective_from is not None else None
        out[blob] = (declared, data)
    return out


def history(root: Path) -> History:
    """The policy's history on HEAD's first-parent line, from the cache (see the module's docstring)."""
    from csops import git

    head = git.head(root)
    if head is None:
        return History()
    path = root / ".csops-cache" / NAME
    cached = _load_cache(path)
    if cached.head == head:
        return cached
    try:
        if cached.head is not None and git.first_parent_chain(root, cached.head, head):
            span = f"{cached.head}..{head}"
            found = History(head, cached.entries + git.path_versions(root, POLICY_REL, span), cached.data,
                            cached.opened)
        else:
            span = head
            found = History(head, git.path_versions(root, POLICY_REL, head), {}, None)
        if found.opened is None:
            found.opened = git.first_change_time(root, TICKETS_REL, span)
        missing = [blob for _, _, blob in found.entries if blob not in found.data]
        if missing:
            found.data = found.data | _version_data(root, missing)
    except git.GitError:
        return History(head)
    _save_cache(path, found)
    return found


def build(entries: list[tuple[str, int, str]], data: dict[str, Any], current: str | None,
          opened: int | None = None) -> Timeline:
    """The timeline of ``entries`` (see the module's rules) for a tree whose policy blob is ``current``;
    ``opened`` is when the first ticket was committed (None: not yet)."""
    versions: list[PolicyVersion] = []
    for commit, ctime, blob in entries:
        info = data.get(blob)
        if blob == _DELETED or info is None:
            continue
        declared, raw = info
        start = max(float(ctime), declared if declared is not None else float(ctime))
        version = PolicyVersion(blob, commit, start, float(ctime), declared, raw)
        if not versions or opened is None or start <= opened:
            # The first version, or the office is still being set up: in force from the beginning,
            # over everything before it.
            version.effective = None
            versions = [version]
            continue
        while len(versions) > 1 and (versions[-1].effective or 0.0) >= start:
            versions.pop()  # superseded before it ever took effect
        versions.append(version)
    digest = hashlib.blake2b(digest_size=16)
    # The tree's own version, when it is the last committed one, applies only to tickets received
    # after its commit, which are new since: it is left out, so committing a policy change that
    # validate has already seen keeps the caches.
    past = versions[:-1] if versions and entries and entries[-1][2] == current and versions[-1].blob == current \
        else versions
    for v in past:
        digest.update(f"{v.blob}@{v.effective}\n".encode())
    digest.update(f"now:{current}".encode())
    return Timeline(versions, digest.hexdigest())


_MEMO: dict[tuple[str, str | None, str | None], Timeline] = {}


def timeline(root: Path | None, current: str | None) -> Timeline | None:
    """The timeline of the office at ``root`` whose tree holds policy blob ``current`` (None: not in git)."""
    if root is None:
        return None
    found = history(root)
    key = (str(root), current, found.head)
    hit = _MEMO.get(key)
    if hit is None:
        hit = _MEMO[key] = build(found.entries, found.data, current, found.opened)
    return hit


def cache_key(root: Path | None, current: str) -> str:
    """What results and facts that use the policy are kept under: the tree's policy blob and the
    versions tickets may have been received under."""
    found = timeline(root, current)
    return f"{current}:{found.key}" if found is not None else current
