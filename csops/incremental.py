"""The result cache: each rule evaluation's findings, kept with what they depended on.

``csops validate`` runs every record rule once per record and every tree rule once per tree. Each
such *evaluation* runs under a :class:`~csops.tracking.Tracker`, which notes the kinds of record it
read and the interval of "now" on which its comparisons with the clock come out the same. The next
run reuses an evaluation's findings when

- csops's code, the policy file and the rule registry are the same (else the cache is dropped),
- for a record rule, the record's file is the same blob at the same path,
- every kind it read has the same fingerprint (the set of valid records of that kind, by path and
  blob), and
- the new "now" lies in its interval.

Everything else is evaluated again, so a run costs what changed (the records a change touched, the
kinds it touched, the deadlines the clock crossed) plus reading the tree. When the tree's listing is
unchanged (git's blob ids, read from the index without reading the files) and every evaluation
still holds, nothing is read or validated at all.

The cache lives in ``.csops-cache/results.marshal`` (git-ignored, safe to delete); it is written
atomically and an unreadable or foreign one counts as empty.
"""

from __future__ import annotations

import hashlib
import importlib.util
import marshal
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from csops.findings import Finding, Result, Severity
from csops.tracking import ALL_KINDS, Tracker

NAME = "results.marshal"
FORMAT = 8

#: A finding in marshal form: (path, line, col, severity, rule, message, hint).
Stored = tuple[str, int, int, str, str, str, str | None]


def stored(f: Finding) -> Stored:
    return (f.path, f.line, f.col, f.severity.value, f.rule, f.message, f.hint)


def finding(s: Stored) -> Finding:
    return Finding(s[0], s[1], s[2], Severity(s[3]), s[4], s[5], s[6])


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """csops's own source and the libraries whose answers shape findings: a new version drops the cache.

    The libraries are identified by their installed distribution's folder name (it carries the
    version), found without importing them: importing pydantic or importlib.metadata alone would
    cost more than the whole warm answer of ``csops validate``.
    """
    digest = hashlib.blake2b(digest_size=16)
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    for library in ("holidays", "pydantic", "pydantic_core"):
        digest.update(_distribution(library).encode())
    digest.update(str(FORMAT).encode())
    return digest.hexdigest()


def _distribution(name: str) -> str:
    """``pydantic-2.12.4.dist-info`` for ``pydantic``: the installed version, without an import."""
    spec = importlib.util.find_spec(name)
    origin = spec.origin if spec is not None else None
    if origin is None:
        return f"{name}:missing"
    site = Path(origin).parent.parent
    try:
        found = sorted(entry for entry in os.listdir(site)
                       if entry.endswith(".dist-info") and entry.split("-")[0].lower() == name.lower())
    except OSError:
        found = []
    return " ".join(found) or origin


def kind_fingerprints(pairs: Iterable[tuple[str, str, str]]) -> dict[str, str]:
    """kind → digest of its valid records' (path, blob); ``*`` covers every kind."""
    by_kind: dict[str, list[str]] = {}
    for kind, rel, blob in pairs:
        by_kind.setdefault(kind, []).append(f"{rel}\0{blob}")
    out: dict[str, str] = {}
    every = hashlib.blake2b(digest_size=16)
    for kind in sorted(by_kind):
        digest = hashlib.blake2b("\n".join(sorted(by_kind[kind])).encode(), digest_size=16).hexdigest()
        out[kind] = digest
        every.update(f"{kind}={digest}\n".encode())
    out[ALL_KINDS] = every.hexdigest()
    return out


class Fingerprints(dict[str, str]):
    """What an evaluation's reads are compared with: a kind's digest (``ticket``), or one record's by
    id (``ticket#T-2611-A0001``: the blobs of the files of that kind and id; "" when there is none).

    A dict, so that the check of 100,000 evaluations looks kinds up at C speed; an id read is
    worked out on its first lookup (``__missing__``) and kept."""

    def __init__(self, entries: Iterable[tuple[str, str, str, str]]) -> None:
        self._entries = list(entries)
        self.kinds = kind_fingerprints((k, rel, blob) for k, rel, blob, _ in self._entries)
        super().__init__(self.kinds)
        self._by_id: dict[str, list[tuple[str, str]]] | None = None

    def _files(self, read: str) -> list[tuple[str, str]]:
        if self._by_id is None:  # built on the first id read: most runs check none
            by_id: dict[str, list[tuple[str, str]]] = {}
            for kind, rel, blob, rid in self._entries:
                by_id.setdefault(f"{kind}#{rid}", []).append((rel, blob))
            self._by_id = by_id
        return self._by_id.get(read, [])

    def __missing__(self, read: str) -> str:
        value = "|".join(blob for _, blob in self._files(read)) if "#" in read else ""
        self[read] = value
        return value

    def get(self, read: str, default: str | None = "") -> str:  # type: ignore[override]
        return self[read] or (default or "")

    def rels(self, read: str) -> list[str]:
        """The files an id read depends on."""
        return [rel for rel, _ in self._files(read)] if "#" in read else []


def group_fingerprint(members: Iterable[tuple[str, str]]) -> dict[str, str]:
    """What a grouped tree rule's evaluation of one group read: its members, by (path, blob)."""
    text = "\n".join(f"{rel}\0{blob}" for rel, blob in members)
    return {"group": hashlib.blake2b(text.encode(), digest_size=16).hexdigest()}


#: One end of an interval of "now": (POSIX time, whether the end itself is inside), or None (open).
Bound = tuple[float, bool] | None


def within(lo: Bound, hi: Bound, now: datetime) -> bool:
    """Whether ``now`` lies in the interval from ``lo`` to ``hi``."""
    if lo is None and hi is None:
        return True
    t = now.timestamp()
    if lo is not None and not (t > lo[0] or (lo[1] and t == lo[0])):
        return False
    return hi is None or t < hi[0] or bool(hi[1] and t == hi[0])


def now_window(evaluations: Iterable[Evaluation], floor: Bound = None,
               start: tuple[Bound, Bound] | None = None) -> tuple[Bound, Bound] | None:
    """The interval of "now" on which every one of ``evaluations`` holds (and, with ``floor``, that
    starts no earlier; with ``start``, that lies inside it); None when one of them used the clock in
    a way no interval describes (it is evaluated again on every run)."""
    lo: Bound = floor
    hi: Bound = None
    if start is not None:
        lo, hi = start
    for evaluation in evaluations:
        _, elo, ehi, opaque = evaluation._state  # type: ignore[misc]
        if opaque:
            return None
        if elo is not None and (lo is None or elo[0] > lo[0] or (elo[0] == lo[0] and not elo[1])):
            lo = tuple(elo)
        if ehi is not None and (hi is None or ehi[0] < hi[0] or (ehi[0] == hi[0] and not ehi[1])):
            hi = tuple(ehi)
    return lo, hi


class Evaluation:
    """One cached evaluation: what it read (kind → fingerprint), its "now" interval, its findings.

    Kept in the form marshal gives back and checked in that form: a run over 100,000 records asks
    ``holds`` of every one, and decoding each into objects first would cost more than the check.
    """

    __slots__ = ("reads", "_tracker", "_state", "findings")

    def __init__(self, reads: dict[str, str], tracker: Tracker | None, findings: list[Stored],
                 state: tuple[Any, ...] | None = None) -> None:
        self.reads = reads
        self._tracker = tracker
        self._state = state if state is not None else tracker.state() if tracker is not None else None
        self.findings = findings

    @property
    def tracker(self) -> Tracker:
        if self._tracker is None:
            self._tracker = Tracker.from_state(self._state)  # type: ignore[arg-type]
        return self._tracker

    def holds(self, fingerprints: Fingerprints | dict[str, str], now: datetime) -> bool:
        try:
            for kind, fp in self.reads.items():
                if fingerprints[kind] != fp:
                    return False
        except KeyError:  # a plain dict without that read: it changed
            return False
        _, lo, hi, opaque = self._state  # type: ignore[misc]
        return not opaque and within(lo, hi, now)

    def state(self) -> tuple[Any, ...]:
        return (self.reads, self._state, self.findings)

    @classmethod
    def from_state(cls, state: tuple[Any, ...]) -> Evaluation:
        reads, tracker, findings = state
        return cls(reads, None, findings, tracker)

    def settled_from(self) -> Bound | bool:
        """For an evaluation that read no other record, found nothing and holds from a moment on
        (or always): that moment (None: always). False for any other evaluation."""
        if self is SETTLED:
            return False  # its moment is the cache's to say (ResultCache.settled)
        state = self._state
        if self.reads or self.findings or state is None or state[0] or state[2] is not None or state[3]:
            return False
        return state[1]


#: Stands for every *settled* record evaluation (no reads, no findings, holds from a moment on):
#: most of an office's records, closed matters. The cache keeps only their keys and moments, so
#: 100,000 of them load as one ``dict.fromkeys`` and are told apart by identity.
SETTLED = Evaluation({}, None, [], ([], None, None, False))


def _settled_evaluation(lo: Bound) -> Evaluation:
    return Evaluation({}, None, [], ([], lo, None, False))


@dataclass
class Snapshot:
    """What a run saw before any rule: enough to answer the next run without reading the tree."""

    #: rel → blob of every record file, in the order the run read them.
    listing: dict[str, str] = field(default_factory=dict)
    #: rel → findings made while reading and validating the file (YAML, schema, references).
    early: dict[str, list[Stored]] = field(default_factory=dict)
    #: The valid records in the context's order, as (kind, rel, blob, record id).
    entries: list[tuple[str, str, str, str]] = field(default_factory=list)
    fingerprints: dict[str, str] = field(default_factory=dict)
    files_checked: int = 0
    #: rel → (kind, id) of every file that parsed to a record of a known kind in its own folder
    #: (valid or not): the ids references are checked against.
    readable: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: grouped tree rule → rel → the group its record is in.
    groups: dict[str, dict[str, str]] = field(default_factory=dict)
    #: "kind#id" → the files that reference that record: validated again when the id vanishes.
    refs: dict[str, list[str]] = field(default_factory=dict)
    #: Names this snapshot (the summary of the same tree carries it): a write on a clean tree then
    #: takes the listing from here instead of from git.
    token: str = field(default_factory=lambda: os.urandom(8).hex())
    #: The interval of "now" on which every evaluation of these entries holds, as the run that made
    #: the snapshot left them; None when it is not known to hold. Inside it, a next run's stale
    #: evaluations are exactly those that read what changed (see ``checker._incremental``).
    window: tuple[Bound, Bound] | None = None


class ResultCache:
    def __init__(self, root: Path | None, key: str) -> None:
        self.path = root / ".csops-cache" / NAME if root is not None else None
        self.key = key
        self.records: dict[tuple[str, str, str], Evaluation] = {}
        self.trees: dict[str, Evaluation] = {}
        #: "worktree" / "index" → the last run's snapshot of that tree.
        self.snapshots: dict[str, Snapshot] = {}
        self._raw: dict[str, Any] = {}
        #: key → the moment from which a SETTLED record evaluation holds (None: always).
        self.settled: dict[tuple[str, str, str], Bound] = {}
        self.reused = self.evaluated = 0
        #: The interval of "now" on which the last run's evaluations all hold (None: not one).
        self.window: tuple[Bound, Bound] | None = None
        #: (listing, result) of the whole tree to keep as the summary when the cache is saved.
        self.summary: tuple[dict[str, str], Result] | None = None
        #: git's tree id of the records folder when the summary's listing is HEAD's (see save_summary).
        self.summary_tree: str | None = None
        #: git's tree id of a clean records folder whose listing this cache's working-tree snapshot
        #: was taken as, instead of asking git (``checker.check_change``).
        self.base_tree: str | None = None
        if self.path is None:
            return
        try:
            tag, data = marshal.loads(self.path.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            return
        if tag != (FORMAT, key) or not isinstance(data, dict):
            return
        self._raw = data

    # Decoding is lazy: a run that finds the tree unchanged decodes only what it uses.
    def load_evaluations(self) -> None:
        data, self._raw = self._raw, {}
        try:
            self.settled = dict(data.get("settled", {}))
            self.records = dict.fromkeys(self.settled, SETTLED)
            self.records.update((k, Evaluation.from_state(v)) for k, v in data.get("records", {}).items())
            self.trees = {k: Evaluation.from_state(v) for k, v in data.get("trees", {}).items()}
            for mode, snap in data.get("snapshots", {}).items():
                # marshal gives back the tuples it was given: nothing to convert (0.2 s at 100k).
                self.snapshots[mode] = Snapshot(*snap)
        except (ValueError, TypeError, KeyError):
            self.records, self.trees, self.snapshots = {}, {}, {}

    def record(self, key: tuple[str, str, str]) -> Evaluation | None:
        """The record evaluation under ``key`` as a whole object (a SETTLED one with its moment)."""
        evaluation = self.records.get(key)
        return _settled_evaluation(self.settled.get(key)) if evaluation is SETTLED else evaluation

    def settled_holds(self, key: tuple[str, str, str], now: datetime) -> bool:
        return within(self.settled.get(key), None, now)

    def settled_floor(self, keys: Iterable[tuple[str, str, str]]) -> Bound:
        """The latest moment from which the SETTLED evaluations among ``keys`` hold."""
        floor: Bound = None
        for key in keys:
            lo = self.settled.get(key) if self.records.get(key) is SETTLED else None
            if lo is not None and (floor is None or lo[0] > floor[0] or (lo[0] == floor[0] and not lo[1])):
                floor = tuple(lo)  # type: ignore[assignment]
        return floor

    def save(self) -> None:
        if self.path is None:
            return
        settled: dict[tuple[str, str, str], Bound] = {}
        others: dict[tuple[str, str, str], tuple[Any, ...]] = {}
        for k, v in self.records.items():
            if v is SETTLED:
                settled[k] = self.settled.get(k)
            else:
                since = v.settled_from()
                if since is False:
                    others[k] = v.state()
                else:
                    settled[k] = since  # type: ignore[assignment]
        data = {
            "settled": settled,
            "records": others,
            "trees": {k: v.state() for k, v in self.trees.items()},
            "snapshots": {mode: (s.listing, s.early, s.entries, s.fingerprints, s.files_checked, s.readable, s.groups,
                                 s.refs, s.token, s.window)
                          for mode, s in self.snapshots.items()},
        }
        try:
            from csops.store import ensure_cache_dir
            from csops.yamlio import atomic_write

            ensure_cache_dir(self.path.parent)
            atomic_write(self.path, marshal.dumps(((FORMAT, self.key), data)))
        except (OSError, ValueError):
            pass  # a cache that cannot be written is only slower
        if self.summary is not None:
            snap = self.snapshots.get("worktree")
            save_summary(self.path.parent.parent, "worktree", self.summary[0], self.window, self.summary[1],
                         tree=self.summary_tree, token=snap.token if snap is not None else None)


# -- the summary: the last whole-tree answer, for a tree that has not changed since ---------------
#
# When nothing changed, even deciding that every evaluation still holds costs O(records): decoding
# the cache, fingerprinting every kind. The summary is one small file per tree (worktree / index)
# with the listing's digest, the interval of "now" on which all the run's evaluations hold, and the
# findings. ``csops validate`` consults it before importing the models or the rules: the answer then
# costs git's listing of the tree and reading one file.

SUMMARY = "summary-{mode}.marshal"
POLICY_REL = "records/policy.yaml"


def _history_key(root: Path, policy_blob: str | None) -> str:
    """The policy's history as far as deadlines depend on it (csops.policy_history)."""
    from csops.policy_history import timeline

    found = timeline(root, policy_blob)
    return found.key if found is not None else ""


def listing_digest(listing: dict[str, str]) -> str:
    """Digest of a tree's listing (path → blob id, in any order: a result's order follows the paths)."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update("\n".join(sorted(f"{rel}\0{blob}" for rel, blob in listing.items())).encode())
    return digest.hexdigest()


def save_summary(root: Path, mode: str, listing: dict[str, str], window: tuple[Bound, Bound] | None,
                 result: Result, tree: str | None = None, token: str | None = None) -> None:
    """Keep ``result`` as the answer for this listing while "now" stays in ``window``; ``tree`` is
    git's tree id of the records folder when the listing is exactly HEAD's (a clean working tree);
    ``token`` names the result cache's snapshot of the same listing."""
    path = root / ".csops-cache" / SUMMARY.format(mode=mode)
    try:
        if window is None:  # an evaluation that re-runs every time: no answer to keep
            path.unlink(missing_ok=True)
            return
        from csops.store import ensure_cache_dir
        from csops.yamlio import atomic_write

        ensure_cache_dir(path.parent)
        blob = listing.get(POLICY_REL)
        state = ((FORMAT, code_fingerprint(), listing_digest(listing), blob, _history_key(root, blob)), window,
                 result.files_checked, [stored(f) for f in result.findings], tree, token)
        atomic_write(path, marshal.dumps(state))
    except (OSError, ValueError):
        pass  # only slower


def remember_tree(root: Path, mode: str, listing: dict[str, str], tree: str) -> None:
    """Note on the summary of ``listing`` that it is git's tree ``tree``: the next unchanged run is
    then answered from ``git.clean_tree`` alone, without a listing."""
    from csops.yamlio import atomic_write

    path = root / ".csops-cache" / SUMMARY.format(mode=mode)
    try:
        key, window, files_checked, found, _, token = marshal.loads(path.read_bytes())
        if key[:3] == (FORMAT, code_fingerprint(), listing_digest(listing)):
            atomic_write(path, marshal.dumps((key, window, files_checked, found, tree, token)))
    except (OSError, EOFError, ValueError, TypeError):
        pass  # only slower


def summary_answer(root: Path, mode: str, listing: dict[str, str] | None, now: datetime, *,
                   tree: str | None = None) -> Result | None:
    """The kept result when the tree (its listing, or git's tree id of a clean records folder),
    csops's code and "now" all still match; else None."""
    path = root / ".csops-cache" / SUMMARY.format(mode=mode)
    try:
        key, (lo, hi), files_checked, found, kept_tree, _ = marshal.loads(path.read_bytes())
        fmt, code, digest, policy_blob, history = key
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if (fmt, code) != (FORMAT, code_fingerprint()) or not within(lo, hi, now):
        return None
    if listing is not None:
        if digest != listing_digest(listing):
            return None
    elif tree is None or kept_tree != tree:
        return None
    if history != _history_key(root, policy_blob):  # a policy version came or went in the history
        return None
    try:
        return Result(findings=[finding(tuple(s)) for s in found], files_checked=files_checked)
    except (ValueError, TypeError, IndexError):
        return None


def summary_snapshot(root: Path, mode: str, tree: str) -> tuple[str, str] | None:
    """(snapshot token, policy blob) of the summary kept for git's tree ``tree``: the result cache's
    snapshot with that token lists exactly that tree. None when the summary is of another tree, of
    other code, or names no snapshot."""
    path = root / ".csops-cache" / SUMMARY.format(mode=mode)
    try:
        key, _, _, _, kept_tree, token = marshal.loads(path.read_bytes())
        fmt, code, _, policy_blob, _ = key
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if (fmt, code) != (FORMAT, code_fingerprint()) or kept_tree != tree or not token or not policy_blob:
        return None
    return token, policy_blob
