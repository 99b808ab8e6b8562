"""No completion on unconfirmed approvals (issue 10 item 3; csops.approvals).

Each rule is the approval rule of RULES.md that names the approver: a reseal may not follow an
emergency unseal whose general-manager approval (KEY-SEAL-03) or witnesses (KEY-SEAL-04) are not
confirmed by those people themselves, and so on. An approval typed in by someone else is only a
claim until the approver confirms it with their own commit (``csops confirm ID``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from csops.approvals import Approval, completions_on_unconfirmed, who_must_confirm
from csops.context import Context
from csops.labels import zh
from csops.rules import Problem, record_rule


def _completions(record: Any, ctx: Context, rules: tuple[str, ...]) -> Iterator[Problem]:
    """One error per completing event that relied on unconfirmed approvals of ``rules``."""
    for k, open_ in completions_on_unconfirmed(record):
        mine: list[Approval] = [a for a in open_ if a.rule in rules]
        if not mine:
            continue
        action = zh(str(record.events[k].action))
        waiting = "; ".join(a.text(ctx.name) for a in mine)
        yield Problem(f"{record.id} 的{action} (第 {k + 1} 条记录) 在审批确认之前: 待确认 {waiting}; "
                      f"须由{who_must_confirm(mine, ctx.name)}本人运行 csops confirm {record.id}",
                      ("events", k),
                      f"审批人各自用自己的 git 身份 (不用 --as) 运行 csops confirm {record.id}, 然后再办理{action}",
                      rule=mine[0].rule)


def _register(rule_id: str, kind: str, title: str, rules: tuple[str, ...]) -> None:
    def check(record: Any, ctx: Context) -> Iterator[Problem]:
        yield from _completions(record, ctx, rules)

    # the result cache tells evaluations apart by rule id and function name
    check.__name__ = check.__qualname__ = f"completion_{rule_id.replace('-', '_')}_{kind}"
    record_rule(rule_id, kind, title=title, enforcement="approval required")(check)


#: (rule, kind, title, the approval rules whose confirmation the completion waits for).
CHECKS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("KEY-SEAL-03", "key", "no reseal before the general manager confirms an emergency unseal", ("KEY-SEAL-03",)),
    ("KEY-SEAL-04", "key", "no reseal before each witness confirms being present", ("KEY-SEAL-04",)),
    ("KEY-SEAL-05", "key", "no reseal before the CS manager confirms consenting to a forgotten-key use",
     ("KEY-SEAL-05",)),
    ("KEY-LOCK-01", "key", "no redistribution before security confirms approving the lock change", ("KEY-LOCK-01",)),
    ("REG-HAZ-04", "hazmat", "no return of a draw before its approver confirms the approval",
     ("REG-HAZ-04", "REG-HAZ-07")),
    ("HOV-SWP-01", "swap", "no manager's approval before the counterpart confirms consenting", ("HOV-SWP-01",)),
    ("TKT-REP-02", "ticket", "no close before the dispatch approval is confirmed by its approver",
     ("TKT-REP-02", "TKT-INS-02")),
    ("TKT-VAL-02", "ticket", "no close before the validity check is confirmed by the one who made it", ("TKT-VAL-02",)),
)

for _check in CHECKS:
    _register(*_check)
