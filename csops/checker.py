"""``csops validate`` without the CLI: read the tree, validate every file, run every rule.

Only orchestrates: reading is the store's, models are Pydantic's, rules are the registry's, output
is the reporters'. Collects all findings and never stops at the first.
"""

from __future__ import annotations

import reprlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from csops.context import Context
from csops.findings import Finding, Result, Severity
from csops.incremental import (
    SETTLED,
    Evaluation,
    Fingerprints,
    ResultCache,
    Snapshot,
    code_fingerprint,
    finding,
    group_fingerprint,
    now_window,
    save_summary,
    stored,
    summary_answer,
    summary_snapshot,
    within,
)
from csops.labels import identifiers_for
from csops.models import kind_for_id, kinds
from csops.models.common import Record
from csops.models.policy import Policy
from csops.policy_history import cache_key
from csops.rules import (
    Problem,
    Rule,
    check_record,
    evaluated_groups,
    groups_of,
    load_rules,
    run_grouped,
    run_tree_rule,
)
from csops.store import RECORDS, LoadedFile, ShardedCache, blob_id, listing, read_file, read_tree
from csops.tracking import ALL_KINDS, Tracker, read_kind
from csops.yamlio import locate


def _dotted(loc: Sequence[str | int], data: Any = None) -> str:
    """``events[0].chair`` from a Pydantic location, leaving out discriminated-union tags."""
    text = ""
    node = data
    for part in loc:
        if isinstance(part, str) and isinstance(node, dict) and part not in node and node.get("action") == part:
            continue  # the union tag Pydantic inserts, not a key in the file
        node = node[part] if isinstance(node, (dict, list)) and _has(node, part) else None  # type: ignore[index]
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(record)"


def _has(node: Any, part: str | int) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(part, int) and 0 <= part < len(node)


def _naive(value: str) -> bool:
    try:
        return datetime.fromisoformat(value.replace(" ", "T")).tzinfo is None
    except ValueError:
        return False


def _offset_hint(value: str, tz: str) -> str:
    try:
        naive = datetime.fromisoformat(value.replace(" ", "T"))
        aware = naive.replace(tzinfo=ZoneInfo(tz))
        return f"write `{aware.isoformat()}` (times carry their UTC offset; the office zone is {tz})"
    except (ValueError, TypeError):
        return "write the time as 2026-11-23T09:12:00+08:00, with its UTC offset"


_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother, _SHORT.maxlong = 3, 80, 80, 40
_SHORT.maxlist = _SHORT.maxtuple = _SHORT.maxdict = _SHORT.maxset = 6
SHOWN_MAX = 160


def _shown(value: Any) -> str:
    """A short repr of a rejected value: a deeply nested or huge one must not flood or crash the report."""
    text = _SHORT.repr(value)
    return text if len(text) <= SHOWN_MAX else text[: SHOWN_MAX - 3] + "..."


_TYPE_HINTS = {
    "int_parsing": "expected a whole number, e.g. 3",
    "int_parsing_size": "expected a whole number of a sensible size, e.g. 3",
    "int_type": "expected a whole number, e.g. 3",
    "float_parsing": "expected a number, e.g. 0.95",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "string_type": "expected text (quote it if it looks like a number or a date)",
    "date_parsing": "expected a date like 2026-11-23",
    "date_from_datetime_parsing": "expected a date like 2026-11-23",
    "datetime_parsing": "expected a time like 2026-11-23T09:12:00+08:00",
    "time_parsing": "expected a time of day like 08:30",
    "list_type": "expected a list: one item per line, each starting with '- '",
    "dict_type": "expected a mapping: one `key: value` per line",
    "model_type": "expected a mapping: one `key: value` per line",
    "too_short": "add at least one item",
    "string_too_short": "write a value; it must not be empty",
    "string_pattern_mismatch": "the value does not have the expected form; see the schema in schemas/",
    "greater_than_equal": "the number is too small",
    "less_than_equal": "the number is too large",
    "number_not_bool": "write a number, e.g. 10",
}


def schema_problem(error: Any, policy_tz: str, data: Any = None) -> Problem:
    """Map one Pydantic error to a Problem with a store rule id and a fix hint."""
    loc = tuple(error.get("loc", ()))
    kind, msg, given = error.get("type", ""), error.get("msg", ""), error.get("input")
    field = _dotted([p for p in loc if not (isinstance(p, str) and "[" in p)], data)
    last = next((p for p in reversed(loc) if isinstance(p, str)), field)
    if kind == "missing":
        return Problem(f"missing required field `{field}`", loc, f"add `{last}: ...`", rule="STORE-SCHEMA-03")
    if kind == "extra_forbidden":
        return Problem(
            f"unknown field `{field}`", loc,
            "remove it or correct its spelling (the record's schema is in schemas/)", rule="STORE-SCHEMA-02",
        )
    if kind == "timezone_aware" or (kind.startswith("datetime") and isinstance(given, str) and _naive(given)):
        return Problem(f"`{field}`: time without a UTC offset: `{given}`", loc,
                       _offset_hint(str(given), policy_tz), rule="STORE-TIME-01")
    if kind in {"time_as_number", "time_out_of_range"} or kind.startswith("datetime"):
        return Problem(f"`{field}`: not a valid time: {msg} (got {_shown(given)})", loc,
                       "write the time as 2026-11-23T09:12:00+08:00, with its UTC offset", rule="STORE-SCHEMA-01")
    if kind == "unknown_staff":
        return Problem(f"`{field}`: unknown staff id `{given}`", loc,
                       "use a 工号 from records/staff/, or add the person: csops staff add", rule="STORE-REF-01")
    if kind == "unknown_record":
        return Problem(f"`{field}`: {msg}", loc, "check the id: ls records/ shows every record file by id", rule="STORE-REF-02")
    if isinstance(given, str) and kind in {"enum", "literal_error", "union_tag_invalid"}:
        idents = identifiers_for(given)
        expected = str(error.get("ctx", {}).get("expected", "")) + str(error.get("ctx", {}).get("expected_tags", ""))
        idents = {i for i in idents if i in expected} or idents
        if idents:
            ident = sorted(idents)[0]
            return Problem(
                f"`{field}`: `{given}` is a Chinese label; records store the English identifier", loc,
                f"write `{ident}` (shown as {given} in forms and reports)", rule="STORE-ENUM-01",
            )
    expected = error.get("ctx", {}).get("expected") or error.get("ctx", {}).get("expected_tags")
    hint = f"expected {expected}" if expected else _TYPE_HINTS.get(kind, "see the record's schema in schemas/")
    return Problem(f"`{field}`: {msg} (got {_shown(given)})", loc, hint, rule="STORE-SCHEMA-01")


def validate_data(model: type[Record], loaded: LoadedFile, context: dict[str, Any], tz: str,
                  refs: dict[str, list[str]] | None = None) -> Record | None:
    """The record, or None with its problems on the file; ``refs`` ("kind#id" → files) gains the
    records this one references."""
    if refs is not None:
        context = {**context, "refs": set()}
    try:
        return model.model_validate(loaded.data, context=context)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            _add(loaded, schema_problem(error, tz, loaded.data))
        return None
    finally:
        if refs is not None:
            for ref in context["refs"]:
                refs.setdefault(ref, []).append(loaded.rel)


def _add(loaded: LoadedFile, problem: Problem) -> None:
    line, col = locate(loaded.text or "", problem.loc) if problem.loc and loaded.text else (1, 1)
    loaded.findings.append(
        Finding(loaded.rel, line, col, problem.severity or Severity.error, problem.rule, problem.message,
                problem.hint, record=None)
    )


def _report_misfiled(loaded: LoadedFile) -> bool:
    """A record of one kind in another kind's folder gets one finding saying where it belongs
    (STORE-PATH-01), not a finding for every field the folder's schema does not know."""
    owner = kind_for_id(loaded.data.get("id"))
    if owner is None or owner == loaded.kind:
        return False
    expected = f"{RECORDS}/{kinds()[owner].relpath_for(loaded.data['id'])}"
    _add(loaded, Problem(
        f"{loaded.data['id']} is a {owner} id, but the file is in the {loaded.kind} folder", ("id",),
        f"git mv {loaded.rel} {expected}", rule="STORE-PATH-01",
    ))
    return True


def build_context(files: list[LoadedFile], now: datetime, root: Path | None = None) -> Context:
    """Validate every readable file into a Context; problems go onto each file's findings."""
    registry = kinds()
    policy_file = next((f for f in files if f.kind == "policy"), None)
    policy = Policy()
    if policy_file is not None and policy_file.data is not None:
        valid = validate_data(Policy, policy_file, {}, policy.timezone)
        if isinstance(valid, Policy):
            policy = valid
    ctx = Context(policy=policy, now=now, root=root)
    if policy_file is not None and isinstance(policy, Policy) and policy_file.data is not None:
        ctx.add(policy, policy_file)

    readable = [f for f in files if f.data is not None and f.kind in registry and f.kind != "policy"]
    readable = [f for f in readable if not _report_misfiled(f)]
    ctx.readable = {f.rel: (f.kind or "", str(f.data.get("id"))) for f in readable}
    staff_ids = {str(f.data.get("id")) for f in readable if f.kind == "staff"}
    ids: dict[str, set[str]] = {}
    for f in readable:
        ids.setdefault(f.kind or "", set()).add(str(f.data.get("id")))
    context = {"staff": staff_ids, "ids": ids}
    for f in sorted(readable, key=lambda f: f.kind != "staff"):
        record = validate_data(registry[f.kind or ""], f, context, policy.timezone, ctx.refs)
        if record is not None:
            ctx.add(record, f)
    loaded = {id(f) for _, f in ctx.entries}
    for f in files:
        if id(f) not in loaded and f.rel.endswith(".yaml"):
            ctx.unusable.setdefault((f.kind or "", PurePosixPath(f.rel).stem), f.rel)
    return ctx


def findings_for(problems: Iterable[Problem], ctx: Context, default: LoadedFile | None,
                 tracker: Tracker | None = None) -> list[Finding]:
    """Locate each problem in its record's file and add it there; returns the findings made.

    A problem aimed at another record (``target``) depends on that record's file for its line, so
    the target's kind counts as read by the evaluation (``tracker``)."""
    made: list[Finding] = []
    for problem in problems:
        target = ctx.file_of(problem.target) if problem.target is not None else default
        if target is None:
            target = default
        if tracker is not None and problem.target is not None:
            tracker.read(getattr(problem.target, "KIND", ALL_KINDS))
        if target is not None:
            before = len(target.findings)
            _add(target, problem)
            made.extend(target.findings[before:])
    return made


def selected(rel: str, only: set[str] | None) -> bool:
    """Whether ``rel`` is one of the paths asked about, or lies in one of the folders asked about."""
    if only is None:
        return True
    return any(rel == o or rel.startswith(o.rstrip("/") + "/") or o in ("", ".") for o in only)


def _tree_key(index: int, rule: Rule) -> str:
    return f"{index}:{rule.id}:{rule.fn.__qualname__}"


def _group_reads(rule: Rule, members: list[tuple[str, str]], fps: Fingerprints) -> dict[str, str]:
    """What one group's evaluation may depend on: its members, and the roster (for names)."""
    return group_fingerprint(members[:1] if rule.first_only else members) | {"staff": fps.get("staff", "")}


def _group_evaluation(reads: dict[str, str], tracker: Tracker, made: list[Finding]) -> Evaluation:
    kept = {"group": reads["group"]} | ({"staff": reads["staff"]} if "staff" in tracker.kinds else {})
    return Evaluation(kept, tracker, [stored(f) for f in made])


def run_checks(files: list[LoadedFile], now: datetime, root: Path | None = None,
               only: set[str] | None = None, cache: ResultCache | None = None,
               mode: str = "worktree") -> tuple[Result, Context]:
    """Validate ``files`` and run every rule; with ``cache``, reuse each evaluation that still holds."""
    ctx = build_context(files, now, root)
    policy_file = next((f for f in files if f.kind == "policy"), None)
    if policy_file is None:
        missing = LoadedFile(rel="records/policy.yaml", kind="policy")
        missing.finding("STORE-POLICY-01", "records/policy.yaml is missing",
                        hint="restore it (git checkout -- records/policy.yaml), or take the default one from a new office: "
                             "csops init /tmp/new-office")
        files = [*files, missing]
        policy_file = missing
        cache = None
    by_rel = {f.rel: f for f in files}
    snapshot = Snapshot(
        listing={f.rel: f.blob for f in files},
        early={f.rel: [stored(x) for x in f.findings] for f in files if f.findings},
        entries=[(r.KIND, f.rel, f.blob, r.id) for r, f in ctx.entries],
        files_checked=len(files),
        readable=dict(ctx.readable),
        refs=ctx.refs,
    )
    fps = Fingerprints(snapshot.entries)
    snapshot.fingerprints = fps.kinds
    old_records = cache.records if cache is not None else {}
    old_trees = cache.trees if cache is not None else {}
    records: dict[tuple[str, str, str], Evaluation] = {}
    trees: dict[str, Evaluation] = {}

    def replay(evaluation: Evaluation) -> None:
        for s in evaluation.findings:
            by_rel[s[0]].findings.append(finding(s))

    reused = ran = 0

    def reuse_or_run(into: dict[Any, Evaluation], key: Any, old: Evaluation | None, reads: Fingerprints | dict[str, str],
                     run: Callable[[], list[Problem]], default: LoadedFile | None, grouped: bool = False) -> None:
        """Replay ``old`` when it still holds; else run the evaluation under a tracker and keep it."""
        nonlocal reused, ran
        if old is not None and old.holds(reads, now):
            replay(old)
            into[key] = old
            reused += into is records
            return
        ran += 1
        with ctx.tracking(Tracker()) as tracker:
            problems = run()
        if grouped:  # a group's findings depend on its members (in ``reads``), not on the kinds it read
            assert isinstance(reads, dict)
            into[key] = _group_evaluation(reads, tracker, findings_for(problems, ctx, default))
        else:
            made = findings_for(problems, ctx, default, tracker)
            into[key] = Evaluation({k: fps.get(k, "") for k in tracker.kinds}, tracker, [stored(f) for f in made])

    for record, loaded in list(ctx.entries):
        if selected(loaded.rel, only):
            key = (loaded.rel, loaded.blob, record.KIND)
            reuse_or_run(records, key, cache.record(key) if cache is not None else None, fps,
                         partial(check_record, record, ctx), loaded)
    for index, rule in enumerate(load_rules()):
        if rule.scope != "tree":
            continue
        tkey = _tree_key(index, rule)
        if rule.group is None:
            reuse_or_run(trees, tkey, old_trees.get(tkey), fps, partial(run_tree_rule, rule, ctx), policy_file)
            continue
        groups = groups_of(rule, ctx.entries, ctx)
        snapshot.groups[tkey] = {f.rel: g for g, members in groups.items() for _, f in members}
        for gkey in evaluated_groups(rule, groups):
            members = groups[gkey]
            ekey, reads = f"{tkey}|{gkey}", _group_reads(rule, [(f.rel, f.blob) for _, f in members], fps)
            reuse_or_run(trees, ekey, old_trees.get(ekey), reads,
                         partial(run_grouped, rule, ctx, members), policy_file, grouped=True)
    result = _assemble(files, only)
    if cache is not None:
        cache.reused = reused
        cache.evaluated = len(records) - cache.reused
        # Keep what this run did not need (other paths' records) while its file is unchanged,
        # and what the other view's snapshot still names (the hook's index, the working tree).
        live = _live(cache, but=mode) | set(snapshot.listing.items())
        keep = {k: v for k, v in old_records.items() if (k[0], k[1]) in live and k not in records}
        cache.records = keep | records
        cache.trees = trees
        cache.window = now_window([*records.values(), *trees.values()])
        if ran:
            _unsettle_others(cache, mode)
        if only is None:
            snapshot.window = cache.window
            cache.snapshots[mode] = snapshot
        else:
            cache.snapshots.pop(mode, None)
        cache.save()
    return result, ctx


def _assemble(files: list[LoadedFile], only: set[str] | None) -> Result:
    result = Result(files_checked=len(files))
    tree_ids = {r.id for r in load_rules() if r.scope == "tree"}
    for f in files:
        if selected(f.rel, only):
            result.extend(f.findings)
        else:  # outside the given paths, report only the cross-record findings
            result.extend(x for x in f.findings if x.rule in tree_ids)
    return result


def _unsettle_others(cache: ResultCache, mode: str) -> None:
    """This run re-ran evaluations that the other view's snapshot shares (they are keyed by file
    and blob, not by view): that snapshot no longer knows that all of its evaluations hold."""
    for other, snap in cache.snapshots.items():
        if other != mode:
            snap.window = None


def _live(cache: ResultCache, but: str | None = None) -> set[tuple[str, str]]:
    """(path, blob) of every file a kept snapshot names: the working tree's and the index's.

    A record's evaluation is kept while either view still has that version: staged hand edits
    checked by the hook and then discarded (git reset --hard) must not leave the working tree's
    next run without the evaluations of the files it still has (at 100k records: a full check).
    """
    live: set[tuple[str, str]] = set()
    for mode, snap in cache.snapshots.items():
        if mode != but:
            live |= set(snap.listing.items())
    return live


def _file_key(mode: str) -> Callable[[str], Any]:
    """The order a full read lists files in: git's for the index, pathlib's sorted walk for the tree."""
    if mode == "index":
        return lambda r: r.encode("utf-8", "surrogateescape")
    # The order of path components (``r.split("/")``): "/" read as the smallest character. A string
    # key sorts 100,000 paths four times faster than a list key.
    return lambda r: r.replace("/", "\0")


def _file_order(rels: Iterable[str], mode: str) -> list[str]:
    return sorted(rels, key=_file_key(mode))


def _entry_order(mode: str, readable: dict[str, tuple[str, str]], policy_rel: str) -> Callable[[str], Any]:
    """A sort key giving the context's order of entries: the policy, the staff, then every other
    record, each in the files' order."""
    key = _file_key(mode)
    return lambda rel: (rel != policy_rel, readable[rel][0] != "staff" if rel != policy_rel else False, key(rel))


class _Reader:
    """Reads record files for the incremental check: the working tree or the index, the parse
    cache's shards, and ``overlay`` (rel → bytes: files as a command is about to write them)."""

    def __init__(self, root: Path, mode: str, overlay: dict[str, bytes] | None = None) -> None:
        self.root, self.mode, self.overlay = root, mode, overlay or {}
        self.cache = ShardedCache(root)
        self.count = 0

    def many(self, wanted: dict[str, str]) -> dict[str, LoadedFile] | None:
        """rel → LoadedFile for ``wanted`` (rel → expected blob); None if one is not as expected."""
        from csops import git

        if not wanted:
            return {}
        from_disk = [rel for rel in wanted if rel not in self.overlay]
        raws: dict[str, bytes | None] = {rel: self.overlay[rel] for rel in wanted if rel in self.overlay}
        if self.mode == "index":
            blobs = git.cat_blobs(self.root, (wanted[rel] for rel in from_disk))
            raws |= {rel: blobs.get(wanted[rel]) for rel in from_disk}
        else:
            for rel in from_disk:
                try:
                    raws[rel] = (self.root / rel).read_bytes()
                except OSError:
                    return None
        self.count += len(raws)
        out = {}
        for rel, raw in raws.items():
            if raw is None:
                return None
            loaded = read_file(rel, raw, self.cache.shard(rel) if rel not in self.overlay else None)
            if loaded.blob != wanted[rel]:
                return None  # changed under us: the full check sees it
            out[rel] = loaded
        return out


def _incremental(cache: ResultCache, mode: str, listing: dict[str, str], now: datetime,
                 root: Path, reader: _Reader) -> Result | None:
    """The result from the last run's snapshot, reading only the files that changed since and the
    records of the kinds that the evaluations to re-run read.

    Re-runs the evaluations of changed records, of evaluations whose kinds changed, and of those
    whose "now" interval the clock left; a vanished id re-validates the files that referenced it.
    None when that would mean reading everything anyway (a staff id vanished: nearly every record
    names someone; an evaluation reads every kind), or when the cache has no snapshot of either
    view: the caller then checks the whole tree, still reusing what holds.
    """
    # The other view's snapshot serves when this one has none: the hook's first run after a check
    # of the working tree then reads the staged changes, not the whole index (26 s at 100k). Nothing
    # in a snapshot but the files' order depends on the view, and the order is made anew below.
    # A sound snapshot (see below) of either view is worth more than an unsound one of this view.
    views = [s for s in (cache.snapshots.get(mode), cache.snapshots.get("worktree" if mode == "index" else "index"))
             if s is not None]
    snap = next((s for s in views if s.window is not None and within(*s.window, now)), views[0] if views else None)
    policy_rel = f"{RECORDS}/policy.yaml"
    if snap is None or listing.get(policy_rel) != snap.listing.get(policy_rel):
        return None
    registry = kinds()
    changed = {rel: blob for rel, blob in listing.items() if snap.listing.get(rel) != blob}
    gone = [rel for rel in snap.listing if rel not in listing]
    fresh = reader.many(changed)
    if fresh is None:
        return None
    readable = {rel: ki for rel, ki in snap.readable.items() if rel not in changed and rel not in gone}
    for rel, loaded in fresh.items():
        if loaded.data is not None and loaded.kind in registry and loaded.kind != "policy" \
                and not _report_misfiled(loaded):
            readable[rel] = (loaded.kind or "", str(loaded.data.get("id")))
    universe: dict[str, set[str]] = {}
    for kind, rid in readable.values():
        universe.setdefault(kind, set()).add(rid)
    before: dict[str, set[str]] = {}
    for kind, rid in snap.readable.values():
        before.setdefault(kind, set()).add(rid)
    lost = {f"{kind}#{rid}" for kind, ids in before.items() for rid in ids - universe.get(kind, set())}
    if any(ref.startswith("staff#") for ref in lost):
        return None  # a person gone: nearly every record names someone; check the whole tree
    refs = {ref: list(rels) for ref, rels in snap.refs.items()}
    if lost:  # the records that reference a vanished id are validated again (their reference breaks)
        dependents = {rel: listing[rel] for ref in lost for rel in snap.refs.get(ref, ())
                      if rel in readable and rel not in fresh}
        more = reader.many(dependents)
        if more is None:
            return None
        fresh |= more
    valid_before = {rel for _, rel, _, _ in snap.entries}
    if any(u != before.get(k, set()) for k, u in universe.items()):
        # New ids can mend a dangling reference: validate the records that failed again.
        again = {rel: listing[rel] for rel in readable if rel not in valid_before and rel not in fresh}
        more = reader.many(again)
        if more is None:
            return None
        for loaded in more.values():
            _report_misfiled(loaded)
        fresh |= more
    policy_entry = next((e for e in snap.entries if e[1] == policy_rel), None)
    if policy_entry is None:
        return None
    light = _policy_context(reader, policy_rel, listing[policy_rel], now, root)
    if light is None:
        return None
    tz = light.policy.timezone
    context = {"staff": universe.get("staff", set()), "ids": universe}
    models: dict[str, Record] = {}
    for rel, loaded in fresh.items():
        if rel in readable:
            record = validate_data(registry[readable[rel][0]], loaded, context, tz, refs)
            if record is not None:
                models[rel] = record
    # The context's order: the policy, then every valid record, staff first, in the files' order.
    order = _file_order(listing, mode)
    old_entry = {e[1]: e for e in snap.entries}
    valid = [rel for rel in order if rel in readable and (rel in models or (rel in old_entry and rel not in fresh))]
    valid.sort(key=lambda rel: readable[rel][0] != "staff")
    entries = [policy_entry] + [
        (models[rel].KIND, rel, listing[rel], models[rel].id) if rel in models else old_entry[rel] for rel in valid
    ]
    fps = Fingerprints(entries)
    reread = set(fresh) | set(gone)
    # Inside the window of a sound snapshot, every evaluation of its entries held at its
    # fingerprints. The stale ones are then those that read what moved since: a kind whose
    # fingerprint changed, or a record read by id among the files read again. A set test per
    # evaluation instead of a comparison of every read with the fingerprints (0.6 s at 100,000).
    # The other view's snapshot serves as well (the hook's first look at new staged files): the
    # evaluations are the same by file and blob, only the files' order differs, and that is made
    # anew; a run of this view that re-ran anything has cleared that snapshot's window.
    sound = snap.window is not None and within(*snap.window, now)
    moved: set[str] = set()
    if sound:
        moved = {k for k, fp in fps.kinds.items() if snap.fingerprints.get(k) != fp}
        moved |= {k for k in snap.fingerprints if k not in fps.kinds}
        for rel in reread:
            for seen in (snap.readable.get(rel), readable.get(rel)):
                if seen is not None:
                    moved.add(f"{seen[0]}#{seen[1]}")
    stale_records: list[tuple[str, str, str]] = []
    needed: set[str] = set()
    for kind, rel, blob, _ in entries:
        evaluation = cache.records.get((rel, blob, kind))
        if sound and evaluation is not None:
            prior = old_entry.get(rel)
            if prior is not None and prior[2] == blob and prior[0] == kind and \
                    (evaluation is SETTLED or evaluation.reads.keys().isdisjoint(moved)):
                continue  # this very evaluation held in the snapshot, and nothing it read moved
        if evaluation is SETTLED:  # read nothing, found nothing: holds whatever changed elsewhere
            if cache.settled_holds((rel, blob, kind), now):
                continue
            evaluation = cache.record((rel, blob, kind))
        if evaluation is None or not evaluation.holds(fps, now):
            stale_records.append((rel, blob, kind))
            # What it read before (a new record: nothing known; the re-run says what it reads).
            needed |= evaluation.tracker.kinds if evaluation is not None else set()
            if evaluation is None and rel not in models:
                return None  # never evaluated, and what it reads is unknown
    rules = [(i, r) for i, r in enumerate(load_rules()) if r.scope == "tree"]
    stale_trees: list[tuple[str, Rule]] = []
    # Grouped tree rules: only the groups whose members changed (or whose "now" interval ran out).
    groups: dict[str, dict[str, str]] = {}
    group_order: dict[str, list[str]] = {}
    stale_groups: list[tuple[str, Rule, list[tuple[str, str, str]]]] = []
    # Groups are found from the snapshot's membership, changed only for the records read again: a
    # change costs the groups it touches, not a pass of every grouped rule over every record.
    position = _entry_order(mode, readable, policy_rel)

    def kind_of(rel: str) -> str:
        return "policy" if rel == policy_rel else readable[rel][0]

    for index, rule in rules:
        tkey = _tree_key(index, rule)
        if rule.group is not None:
            if tkey not in snap.groups:
                return None
            membership = dict(snap.groups[tkey])
            touched = {g for g in (membership.pop(rel, None) for rel in reread) if g is not None}
            for rel, model in models.items():
                gkey = rule.group(model, light)
                if gkey is not None:
                    membership[rel] = gkey
                    touched.add(gkey)
            counts = Counter(membership.values())
            evaluated = sorted(g for g, n in counts.items() if n >= rule.min_members)
            groups[tkey], group_order[tkey] = membership, evaluated
            # The groups to re-run: touched ones whose fingerprint moved, new ones, and untouched
            # ones the clock or the roster left (their members and so their fingerprint are as were).
            staff_fp = fps.get("staff", "")
            stale: list[str] = []
            staff_moved = "staff" in moved
            for gkey in evaluated:
                evaluation = cache.trees.get(f"{tkey}|{gkey}")
                recheck = evaluation is not None and (not sound or (staff_moved and "staff" in evaluation.reads))
                if evaluation is None or gkey in touched or (recheck and not evaluation.holds(
                        {"group": evaluation.reads.get("group", ""), "staff": staff_fp}, now)):
                    stale.append(gkey)
            wanted_groups = set(stale)
            members: dict[str, list[tuple[str, str, str]]] = {}
            for gkey, rel in sorted(((g, r) for r, g in membership.items() if g in wanted_groups),
                                    key=lambda pair: position(pair[1])):
                members.setdefault(gkey, []).append((rel, listing[rel], kind_of(rel)))
            for gkey in stale:
                ekey, group = f"{tkey}|{gkey}", members[gkey]
                evaluation = cache.trees.get(ekey)
                if evaluation is None or not evaluation.holds(_group_reads(rule, [(r, b) for r, b, _ in group], fps), now):
                    stale_groups.append((ekey, rule, group))
            continue
        evaluation = cache.trees.get(tkey)
        if evaluation is None:
            return None
        if sound and evaluation.reads.keys().isdisjoint(moved):
            continue
        if not evaluation.holds(fps, now):
            stale_trees.append((tkey, rule))
            needed |= evaluation.tracker.kinds
    # A changed record's evaluation may read other kinds than before: re-run it with every kind its
    # old version read, and fall back to the full check if it reads beyond them.
    if ALL_KINDS in needed:
        return None
    early = {rel: f for rel, f in snap.early.items() if rel not in changed and rel not in gone and rel not in fresh}
    early |= {rel: [stored(x) for x in f.findings] for rel, f in fresh.items() if f.findings}
    # A changed record may read kinds its old version did not: then load those too and run again.
    for _ in range(4):
        if ALL_KINDS in needed:
            return None
        wider = _rerun_stale(cache, root, mode, now, entries, fresh, models, registry, needed, fps,
                             stale_records, stale_trees, stale_groups, policy_rel, reader)
        if wider is None:
            return None
        if not wider:
            break
        needed |= wider
    else:
        return None
    found: dict[str, list[Finding]] = {rel: [finding(s) for s in e] for rel, e in early.items()}
    evaluations = [cache.records[(rel, blob, kind)] for kind, rel, blob, _ in entries]
    for index, rule in rules:
        tkey = _tree_key(index, rule)
        if rule.group is None:
            evaluations.append(cache.trees[tkey])
        else:
            evaluations += [cache.trees[f"{tkey}|{gkey}"] for gkey in group_order[tkey]]
    for evaluation in evaluations:
        for s in evaluation.findings:
            found.setdefault(s[0], []).append(finding(s))
    if sound:  # the snapshot's window already bounds the evaluations reused: narrow it by the new ones
        rerun = [cache.records[key] for key in stale_records] + [cache.trees[tkey] for tkey, _ in stale_trees]
        cache.window = now_window(rerun + [cache.trees[ekey] for ekey, _, _ in stale_groups], start=snap.window)
    else:
        cache.window = now_window(evaluations, cache.settled_floor((rel, blob, kind) for kind, rel, blob, _ in entries))
    ordered = {rel: listing[rel] for rel in order}
    result = Result(files_checked=len(ordered))
    for rel in ordered:
        result.extend(found.get(rel, ()))
    cache.evaluated = len(stale_records) + len(stale_trees) + len(stale_groups)
    cache.reused = len(entries) - len(stale_records)
    reader.cache.save()
    if stale_records or stale_trees or stale_groups or changed or gone:
        if stale_records or stale_trees or stale_groups:
            _unsettle_others(cache, mode)
        cache.snapshots[mode] = Snapshot(ordered, early, entries, fps.kinds, len(ordered), readable, groups,
                                         _live_refs(refs, readable), window=cache.window)
        live_trees = {_tree_key(i, r) for i, r in rules if r.group is None}
        live_trees |= {f"{t}|{g}" for t, order_ in group_order.items() for g in order_}
        cache.trees = {k: v for k, v in cache.trees.items() if k in live_trees}
        live = _live(cache)
        cache.records = {k: v for k, v in cache.records.items() if (k[0], k[1]) in live}
        if not reader.overlay:  # a command's "after" is saved only once it is written (check_change)
            cache.save()
    return result


def _live_refs(refs: dict[str, list[str]], readable: dict[str, tuple[str, str]]) -> dict[str, list[str]]:
    """``refs`` without the files that are gone, each file once (an old version's references stay
    until the file is gone: one more record validated again, never one missed)."""
    out = {}
    for ref, rels in refs.items():
        kept = list(dict.fromkeys(rel for rel in rels if rel in readable))
        if kept:
            out[ref] = kept
    return out


def _rerun_stale(cache: ResultCache, root: Path, mode: str, now: datetime,
                 entries: list[tuple[str, str, str, str]], fresh: dict[str, LoadedFile],
                 models: dict[str, Record], registry: dict[str, type[Record]], needed: set[str],
                 fps: Fingerprints, stale_records: list[tuple[str, str, str]],
                 stale_trees: list[tuple[str, Rule]],
                 stale_groups: list[tuple[str, Rule, list[tuple[str, str, str]]]],
                 policy_rel: str, reader: _Reader) -> set[str] | None:
    """Re-run the stale evaluations over the records of ``needed`` kinds (and the stale groups'
    members). Returns the kinds read beyond ``needed`` (then nothing is stored: run again with
    them), an empty set when done, None when it cannot be done from the snapshot."""
    if not (stale_records or stale_trees or stale_groups):
        return set()
    needed = needed | {"policy"} | ({"staff"} if stale_groups else set())
    by_rel = {rel: (kind, blob) for kind, rel, blob, _ in entries}
    # The context of the re-run: whole kinds read, records read by id, and the stale records.
    in_context = {rel for kind, rel, _, _ in entries if kind in needed}
    in_context |= {rel for read in needed for rel in fps.rels(read)}
    in_context |= {rel for rel, _, _ in stale_records}
    wanted = set(in_context)
    wanted |= {rel for _, rule, group in stale_groups for rel, _, _ in (group[:1] if rule.first_only else group)}
    more = reader.many({rel: by_rel[rel][1] for rel in wanted if rel not in fresh})
    if more is None:
        return None
    fresh.update(more)  # kept for a second attempt with more kinds: read and validated once
    files = fresh
    records: dict[str, Record] = {}
    for rel in wanted:
        record = models.get(rel)
        if record is None:
            try:  # valid before and its references still resolve: no need to check them again
                record = registry[by_rel[rel][0]].model_validate(files[rel].data, context={})
            except ValidationError:
                return None
            models[rel] = record
        records[rel] = record
    policy = records.get(policy_rel)
    if not isinstance(policy, Policy):
        return None
    ctx = Context(policy=policy, now=now, root=root)
    for _, rel, _, _ in entries:
        if rel in in_context:
            ctx.add(records[rel], files[rel])
    by_key = {(f.rel, f.blob, r.KIND): (r, f) for r, f in ctx.entries}
    for key in stale_records:
        record, loaded = by_key[key]
        with ctx.tracking(Tracker()) as tracker:
            problems = check_record(record, ctx)
        made = findings_for(problems, ctx, loaded, tracker)
        beyond = _beyond(tracker, needed)
        if beyond:
            return beyond
        cache.records[key] = Evaluation({k: fps.get(k, "") for k in tracker.kinds}, tracker,
                                        [stored(f) for f in made])
    for tkey, rule in stale_trees:
        with ctx.tracking(Tracker()) as tracker:
            problems = run_tree_rule(rule, ctx)
        made = findings_for(problems, ctx, files[policy_rel], tracker)
        beyond = _beyond(tracker, needed)
        if beyond:
            return beyond
        cache.trees[tkey] = Evaluation({k: fps.get(k, "") for k in tracker.kinds}, tracker,
                                       [stored(f) for f in made])
    for ekey, rule, group in stale_groups:
        pairs = [(records[rel], files[rel]) for rel, _, _ in (group[:1] if rule.first_only else group)]
        with ctx.tracking(Tracker()) as tracker:
            problems = run_grouped(rule, ctx, pairs)
        made = findings_for(problems, _files_only(ctx, pairs), files[policy_rel])
        cache.trees[ekey] = _group_evaluation(_group_reads(rule, [(r, b) for r, b, _ in group], fps),
                                              tracker, made)
    return set()


def _beyond(tracker: Tracker, needed: set[str]) -> set[str]:
    """The reads of an evaluation that the re-run's context did not hold (a record read by id is
    held when its whole kind is)."""
    return {read for read in tracker.kinds if read not in needed and read_kind(read) not in needed}


def _files_only(ctx: Context, pairs: list[tuple[Record, LoadedFile]]) -> Context:
    """A context that knows the files of ``pairs`` (to place a grouped rule's findings)."""
    sub = Context(policy=ctx.policy, now=ctx.now, root=ctx.root, policy_blob=ctx.own_policy_blob)
    for record, loaded in pairs:
        sub._files[id(record)] = loaded
    return sub


def _policy_context(reader: _Reader, rel: str, blob: str, now: datetime, root: Path) -> Context | None:
    """The policy alone (what grouped rules' group functions may read); None if it does not validate."""
    files = reader.many({rel: blob})
    if not files or files[rel].data is None:
        return None
    try:
        policy = Policy.model_validate(files[rel].data)
    except ValidationError:
        return None
    return Context(policy=policy, now=now, root=root, policy_blob=blob)


def check(root: Path, now: datetime, *, from_index: bool = False, only: set[str] | None = None,
          use_cache: bool = True, stats: dict[str, int] | None = None,
          known_listing: dict[str, str] | None = None) -> Result:
    """``csops validate``: with the caches, only what changed (or what the clock crossed) is checked again.

    ``stats`` (when given) receives how many record evaluations were reused and how many re-run,
    and whether the tree was read at all. ``known_listing`` is the tree's listing when the caller
    has just made it (the summary lookup did). A whole-tree answer is kept as the summary.
    """
    stats = stats if stats is not None else {}
    if not use_cache:
        files = read_tree(root, from_index=from_index, use_cache=False)
        return run_checks(files, now, root, only)[0]
    mode = "index" if from_index else "worktree"
    fast = known_listing if known_listing is not None else listing(root, from_index=from_index)
    if fast is not None and only is None and f"{RECORDS}/policy.yaml" in fast:
        quick = ResultCache(root, f"{code_fingerprint()}:{cache_key(root, fast[f'{RECORDS}/policy.yaml'])}")
        quick.load_evaluations()
        reader = _Reader(root, mode)
        answer = _incremental(quick, mode, fast, now, root, reader)
        if answer is not None:
            stats.update(read=reader.count, reused=quick.reused, evaluated=quick.evaluated, partial=1)
            save_summary(root, mode, fast, quick.window, answer, token=_token(quick, mode, fast))
            return answer
    files = read_tree(root, from_index=from_index, use_cache=True)
    if not from_index and fast is not None:  # the whole tree was read: refresh git's stat data too
        from csops import git

        git.refresh_index(root)
    policy = next((f for f in files if f.kind == "policy"), None)
    cache: ResultCache | None = None
    if policy is not None:
        cache = ResultCache(root, f"{code_fingerprint()}:{cache_key(root, policy.blob)}")
        cache.load_evaluations()
    result = run_checks(files, now, root, only, cache, mode)[0]
    stats.update(read=len(files), reused=cache.reused if cache else 0,
                 evaluated=cache.evaluated if cache else len(files))
    if cache is not None and only is None and fast is not None and fast == {f.rel: f.blob for f in files}:
        save_summary(root, mode, fast, cache.window, result, token=_token(cache, mode, fast))
    return result


def _token(cache: ResultCache, mode: str, listing: dict[str, str]) -> str | None:
    """The token of the cache's snapshot of ``mode`` when it lists exactly ``listing``."""
    snap = cache.snapshots.get(mode)
    return snap.token if snap is not None and snap.listing == listing else None


def check_change(root: Path, now: datetime, overlay: dict[str, bytes]) -> tuple[Result, Result, ResultCache | None]:
    """The working tree's result before and after writing ``overlay`` (rel → the bytes a command is
    about to write), without writing anything: what a change would add is after minus before.

    The "after" check reads only what the change touches (the result cache's snapshot of "before"),
    unless the cache cannot answer, e.g. for a change to the policy; then the whole tree is checked.
    The third value, when there is one, is the cache as it is after the change: ``save()`` it once
    the change is written, so the next command starts from there.
    """
    from csops import git

    policy_rel = f"{RECORDS}/policy.yaml"
    fast: dict[str, str] | None = None
    kept: Result | None = None
    cache: ResultCache | None = None
    base_tree: str | None = None
    # A clean records folder whose summary names the cache's snapshot of it: the listing is the
    # snapshot's, and git is not asked for 100,000 paths (0.3 s). After a csops commit the summary
    # names the new tree, so a desk's next write starts here again.
    tree = git.clean_tree(root, RECORDS)
    known = summary_snapshot(root, "worktree", tree) if tree is not None else None
    if known is not None and (kept := summary_answer(root, "worktree", None, now, tree=tree)) is not None:
        cache = ResultCache(root, f"{code_fingerprint()}:{cache_key(root, known[1])}")
        cache.load_evaluations()
        snap = cache.snapshots.get("worktree")
        if snap is not None and snap.token == known[0]:
            fast, base_tree = snap.listing, tree
        else:
            kept = cache = None
    if fast is None:
        fast = listing(root)
        # An unchanged tree's "before" is its summary: no second pass over the cache for it.
        kept = summary_answer(root, "worktree", fast, now) if fast is not None else None
        if tree is not None and fast is not None and git.clean_tree(root, RECORDS) == tree:
            base_tree = tree  # still that tree after the listing: the listing is the tree's
    before = kept if kept is not None else check(root, now, known_listing=fast)
    if fast is not None and policy_rel in fast:
        if cache is None:
            cache = ResultCache(root, f"{code_fingerprint()}:{cache_key(root, fast[policy_rel])}")
            cache.load_evaluations()
        changed = dict(fast) | {rel: blob_id(raw) for rel, raw in overlay.items()}
        after = _incremental(cache, "worktree", changed, now, root, _Reader(root, "worktree", overlay))
        if after is not None:
            cache.summary = (changed, after)  # written with the cache, once the change is
            cache.base_tree = base_tree
            return before, after, cache
    files = {f.rel: f for f in read_tree(root)}
    for rel, raw in overlay.items():
        files[rel] = read_file(rel, raw)
    ordered = [files[rel] for rel in _file_order(files, "worktree")]
    return before, run_checks(ordered, now, root)[0], None
