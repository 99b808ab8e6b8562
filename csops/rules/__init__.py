"""The rule registry.

A rule is a pure function over records returning :class:`Problem` values; it names its RULES.md ID
(or a STORE-* id for the store's own format checks). Record rules see one record and the context;
tree rules see the whole tree (unique ids, one holder per key, roster conflicts), which is what
catches the conflicts a git merge cannot. The same registry serves ``csops validate`` and every
mutating command, which refuses a change that would add an error.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from csops.findings import Severity

if TYPE_CHECKING:
    from csops.context import Context
    from csops.models.common import Record

#: Modules holding rules; each domain adds its module here.
RULE_MODULES = (
    "csops.rules.store",
    "csops.rules.meetings",
    "csops.rules.keys",
    "csops.rules.hazmat",
    "csops.rules.handovers",
    "csops.rules.tickets",
    "csops.rules.approvals",
)


@dataclass(frozen=True)
class Problem:
    message: str
    loc: tuple[str | int, ...] = ()
    hint: str | None = None
    severity: Severity | None = None
    rule: str = ""
    #: For tree rules: the record the problem belongs to (its file and line are reported).
    target: Any = None


# Rules are typed to their own record model (Ticket, Meeting, ...), so the decorators are generic.
RecordFn = TypeVar("RecordFn", bound=Callable[..., Iterable[Problem]])
TreeFn = TypeVar("TreeFn", bound=Callable[..., Iterable[Problem]])


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    kinds: tuple[str, ...]
    scope: str  # "record" | "tree"
    severity: Severity
    enforcement: str
    fn: Callable[..., Iterable[Problem]]
    #: For a tree rule whose findings fall apart into independent groups (one per record id, per
    #: customer, per day ...): ``group(record, ctx)``, the group a record belongs to, or None when the
    #: rule ignores it; it may read the policy and calendar, never other records. The rule then runs
    #: once per group, on a context holding only that group's records (and the roster, for names),
    #: so a change re-checks only the groups it touches.
    group: Callable[[Any, Context], str | None] | None = None
    #: With ``group``: the rule asks only whether the group has a member (its first one is enough).
    first_only: bool = False
    #: With ``group``: groups with fewer members cannot have a finding (a duplicate needs two), so
    #: they are not evaluated, nor kept in the result cache (one group per record id otherwise).
    min_members: int = 1


REGISTRY: list[Rule] = []


def record_rule(
    rule_id: str, *kinds: str, title: str, severity: Severity = Severity.error,
    enforcement: str = "validation error",
) -> Callable[[RecordFn], RecordFn]:
    def deco(fn: RecordFn) -> RecordFn:
        REGISTRY.append(Rule(rule_id, title, tuple(kinds), "record", severity, enforcement, fn))
        return fn

    return deco


def tree_rule(
    rule_id: str, *, title: str, severity: Severity = Severity.error, enforcement: str = "audit check",
    group: Callable[[Any, Context], str | None] | None = None, first_only: bool = False, min_members: int = 1,
) -> Callable[[TreeFn], TreeFn]:
    """Register a rule over the whole tree; see :class:`Rule` for ``group``, ``first_only`` and ``min_members``."""

    def deco(fn: TreeFn) -> TreeFn:
        REGISTRY.append(Rule(rule_id, title, (), "tree", severity, enforcement, fn, group, first_only, min_members))
        return fn

    return deco


_loaded = False


def load_rules() -> list[Rule]:
    global _loaded
    if not _loaded:
        for module in RULE_MODULES:
            importlib.import_module(module)
        _loaded = True
    return REGISTRY


def _stamp(rule: Rule, problems: Iterable[Problem]) -> list[Problem]:
    return [
        replace(p, rule=p.rule or rule.id, severity=p.severity or rule.severity) for p in problems
    ]


def _crash(rule: Rule, exc: Exception) -> Problem:
    return Problem(
        f"internal error in rule {rule.id}: {type(exc).__name__}: {exc}",
        hint="report this to the csops maintainers with the record file",
        severity=Severity.error, rule=rule.id,
    )


def check_record(record: Record, ctx: Context) -> list[Problem]:
    problems: list[Problem] = []
    for rule in load_rules():
        if rule.scope != "record" or (rule.kinds and record.KIND not in rule.kinds):
            continue
        try:
            problems.extend(_stamp(rule, rule.fn(record, ctx)))
        except Exception as exc:  # a broken rule must not hide the other findings
            problems.append(_crash(rule, exc))
    return problems


def run_tree_rule(rule: Rule, ctx: Context) -> list[Problem]:
    try:
        return _stamp(rule, rule.fn(ctx))
    except Exception as exc:  # a broken rule must not hide the other findings
        return [_crash(rule, exc)]


def groups_of(rule: Rule, entries: Iterable[tuple[Any, Any]], ctx: Context) -> dict[str, list[tuple[Any, Any]]]:
    """The rule's groups, all of them: group → its (record, file) pairs in the entries' order."""
    assert rule.group is not None
    groups: dict[str, list[tuple[Any, Any]]] = {}
    for record, loaded in entries:
        key = rule.group(record, ctx)
        if key is not None:
            groups.setdefault(key, []).append((record, loaded))
    return groups


def evaluated_groups(rule: Rule, groups: dict[str, list[Any]]) -> list[str]:
    """The groups the rule runs on, in the order their findings are reported (by group key, so an
    incremental run that touches a few groups orders them as a full run does)."""
    return sorted(g for g, members in groups.items() if len(members) >= rule.min_members)


def run_grouped(rule: Rule, ctx: Context, members: list[tuple[Any, Any]]) -> list[Problem]:
    """A grouped tree rule over one group: a context of the group's records, the policy and calendar."""
    from csops.context import Context

    sub = Context(policy=ctx.policy, now=ctx.now, root=ctx.root, policy_blob=ctx.own_policy_blob)
    sub.__dict__["calendar"] = ctx.calendar  # built once: holidays and 调休 do not differ by group
    sub.__dict__["policy_timeline"] = ctx.policy_timeline
    sub._staff = ctx._staff  # names in messages; reading them makes the group depend on the roster
    for record, loaded in members[:1] if rule.first_only else members:
        sub.add(record, loaded)
    sub._tracker = ctx._tracker
    return run_tree_rule(rule, sub)


def check_tree(ctx: Context) -> list[Problem]:
    problems: list[Problem] = []
    for rule in load_rules():
        if rule.scope != "tree":
            continue
        if rule.group is None:
            problems.extend(run_tree_rule(rule, ctx))
        else:
            groups = groups_of(rule, ctx.entries, ctx)
            for key in evaluated_groups(rule, groups):
                problems.extend(run_grouped(rule, ctx, groups[key]))
    return problems


def rule_ids() -> set[str]:
    return {rule.id for rule in load_rules()}
