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
) -> Callable[[TreeFn], TreeFn]:
    def deco(fn: TreeFn) -> TreeFn:
        REGISTRY.append(Rule(rule_id, title, (), "tree", severity, enforcement, fn))
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


def check_tree(ctx: Context) -> list[Problem]:
    problems: list[Problem] = []
    for rule in load_rules():
        if rule.scope == "tree":
            problems.extend(run_tree_rule(rule, ctx))
    return problems


def rule_ids() -> set[str]:
    return {rule.id for rule in load_rules()}
