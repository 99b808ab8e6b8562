"""``csops handover …`` (交接班) and ``csops duty …`` (值班记录)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, TypeVar

import click

from csops.commands import at_option, find_record, format_option, list_format_option, need, refuse

F = TypeVar("F", bound=Callable[..., Any])

if TYPE_CHECKING:
    from csops.context import Context
    from csops.models.handover import Handover
    from csops.session import Session


def _when(session: Session, at: datetime | None) -> datetime:
    return at or session.now


def load_handover(session: Session, handover_id: str) -> Handover:
    from csops.models.handover import Handover

    return find_record(session.load(), Handover, handover_id, "csops handover list")


def _append(session: Session, record: Handover, event: Any, action: str, summary: str,
            **changes: Any) -> Handover:
    new = record.model_copy(update={"events": [*record.events, event], **changes})
    saved = session.save([(record, new)], action=f"handover.{action}", summary=summary)[0]
    return saved  # type: ignore[return-value]


def _parse_checks(values: tuple[str, ...]) -> list[dict[str, Any]]:
    out = []
    for text in values:
        item, _, rest = text.partition("=")
        mark, _, note = rest.partition(":")
        result = {"√": "ok", "ok": "ok", "x": "fault", "×": "fault", "fault": "fault"}.get(mark.strip().lower())
        if not item or result is None:
            raise refuse("HOV-REC-07", f"--check {text!r}: write item=ok or item=x:note (√ or ×)",
                         "e.g. --check phones=ok --check hygiene=x:'地面有水渍'")
        if result == "fault" and not note.strip():  # said now, not at signing
            raise refuse("HOV-REC-07", f"--check {text!r}: × without a note: say what is wrong",
                         f"--check {item.strip()}=x:'地面有水渍'")
        out.append({"item": item.strip(), "result": result, "note": note.strip() or None})
    return out


def _merge_checks(record: Handover, checks: tuple[str, ...]) -> list[Any]:
    """The record's checklist with ``checks`` recorded over it (an item checked again takes the new result)."""
    from csops.models.handover import CheckEntry

    given = {c["item"]: CheckEntry.model_validate(c) for c in _parse_checks(checks)}
    return [e for e in record.checklist if e.item not in given] + list(given.values())


def _outgoing_before_signing(session: Session, record: Handover, what: str) -> None:
    actor = session.actor()
    if actor.id != record.outgoing:
        raise refuse("HOV-SIGN-01", f"only the outgoing {record.outgoing} {what} {record.id}",
                     f"csops --as {record.outgoing} handover check {record.id} ...")
    if record.first("signed"):
        raise click.UsageError(f"{record.id} is already signed: its log and checklist are final "
                               "(add what was missed as a note: csops handover show)")


def _parse_items(values: tuple[str, ...]) -> list[dict[str, Any]]:
    out = []
    for text in values:
        parts = text.split(":", 2)
        if len(parts) != 3 or parts[0] not in ("complaint", "service_request"):
            raise refuse("HOV-SEC-01", f"--item {text!r}: write kind:ticket:summary, kind complaint or "
                         "service_request (ticket may be empty)", "e.g. --item complaint:T-2611-A003:'12楼空调噪音'")
        out.append({"kind": parts[0], "ticket": parts[1] or None, "summary": parts[2]})
    return out


def _parse_mail(values: tuple[str, ...]) -> list[dict[str, Any]]:
    out = []
    for text in values:
        parts = text.split(":")
        if (len(parts) not in (2, 3) or parts[0] not in ("letter", "newspaper", "periodical")
                or (len(parts) == 3 and not parts[2].isdigit())):
            raise refuse("HOV-FD-02", f"--mail {text!r}: write type:addressee[:count], type letter, newspaper or "
                         "periodical", "e.g. --mail letter:1203室:2")
        out.append({"type": parts[0], "addressee": parts[1], "count": int(parts[2]) if len(parts) == 3 else 1})
    return out


# -- view -----------------------------------------------------------------------------------


def view(ctx: Context, record: Handover) -> dict[str, Any]:
    """Everything `handover show` prints, as data (the json output is exactly this)."""
    from csops.labels import zh
    from csops.pending import pending_for

    as_of = record.as_of or ctx.now
    pending = pending_for(ctx, record.outgoing, as_of)
    refusals = []
    for e, settled in record.refusals():
        refusals.append({"at": e.at.isoformat(), "ground": e.ground.value, "ground_zh": e.ground.label,
                         "escalated_to": e.escalated_to, "escalated_to_name": ctx.name(e.escalated_to),
                         "note": e.note, "resolution": settled.resolution if settled else None,
                         "resolved_by": settled.by if settled else None,
                         "resolved_by_name": ctx.name(settled.by) if settled else None})
    liability = [{"at": e.at.isoformat(), "cause": e.cause.value, "cause_zh": e.cause.label, "liable": e.liable,
                  "liable_name": ctx.name(e.liable), "what": e.what} for e in record.events if e.action == "liability"]
    reviewed = record.first("reviewed")
    signed = record.first("signed")
    return {
        "id": record.id, "type": record.type.value, "type_zh": record.type.label, "date": record.date.isoformat(),
        "post": record.post, "post_zh": ctx.label(record.post), "shift": record.shift,
        "shift_zh": ctx.label(record.shift), "from_post": record.from_post,
        "status": record.fold().value, "status_zh": record.fold().label,
        "outgoing": record.outgoing, "outgoing_name": ctx.name(record.outgoing),
        "incoming": record.incoming, "incoming_name": ctx.name(record.incoming),
        "on_duty": record.derived_summary()["on_duty"], "on_duty_name": ctx.name(record.derived_summary()["on_duty"]),
        "arrived_at": record.arrived_at.isoformat() if record.arrived_at else None,
        "signed_at": signed.at.isoformat() if signed else None,
        "completed_at": record.completed_at.isoformat() if record.completed_at else None,
        "shift_summary": record.shift_summary, "notes": record.notes,
        "checklist": [{"item": c.item, "item_zh": ctx.label(c.item), "result": c.result.value, "mark": c.result.label,
                       "note": c.note}
                      for c in record.checklist],
        "questions": [{"no": n, "question": q, "answer": a} for n, (q, a) in enumerate(record.questions(), 1)],
        "after_hours": [{"kind": i.kind.value, "kind_zh": i.kind.label, "ticket": i.ticket, "summary": i.summary}
                        for i in record.after_hours],
        "urgent": bool(record.urgent),
        "reported_to_cs_manager_at": _iso(record.reported_to_cs_manager_at),
        "reported_to_security_manager_at": _iso(record.reported_to_security_manager_at),
        "keys": record.keys, "unfinished": record.unfinished, "cabinet_locked": record.cabinet_locked,
        "undelivered_mail": [{"type": m.type.value, "type_zh": zh(m.type), "addressee": m.addressee,
                              "count": m.count} for m in record.undelivered_mail],
        "pending_as_of": as_of.isoformat(), "pending": [p.as_dict() for p in pending],
        "refusals": refusals, "liability": liability,
        "accountability": _accountability(ctx, record),
        "reviewed_by": reviewed.by if reviewed else None,
        "reviewed_by_name": ctx.name(reviewed.by) if reviewed else None,
    }


def _accountability(ctx: Context, record: Handover) -> dict[str, Any]:
    """Who answers for what (HOV-ARR-04, HOV-ACC-03), written on every record shown."""
    from csops.models.handover import LIABLE_FOR, Party

    done = record.completed_at
    by_cause = {cause.value: record.outgoing if party is Party.outgoing else record.incoming
                for cause, party in LIABLE_FOR.items()}
    if done is None:
        text = f"交接未完成: 交班人 {ctx.name(record.outgoing)} 仍在岗, 对本岗位负责"
    else:
        text = (f"交接完成于 {ctx.when(done)}: 漏交、错交的问题由交班人 {ctx.name(record.outgoing)} 负责, "
                f"错接的问题由接班人 {ctx.name(record.incoming)} 负责")
    return {"completed": done is not None, "liable_by_cause": by_cause, "text_zh": text}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def print_view(data: dict[str, Any], ctx: Context) -> None:
    echo = click.echo
    when = ctx.when
    echo(f"交接班记录 {data['id']}  [{data['status_zh']}]")
    echo(f"  类型: {data['type_zh']}   日期: {data['date']}   岗位/班次: {data['post_zh']} / {data['shift_zh']}")
    echo(f"  交班人: {data['outgoing_name']}   接班人: {data['incoming_name']}")
    echo(f"  当前在岗: {data['on_duty_name']}" + ("" if data["completed_at"] else " (交接未完成, 交班人不得离岗)"))
    echo(f"  接班人到岗: {when(data['arrived_at']) or '—'}   交班签名: {when(data['signed_at']) or '未签'}   "
         f"接班签名/完成: {when(data['completed_at']) or '未完成'}")
    echo(f"  本班工作情况: {data['shift_summary'] or '—'}")
    if data["checklist"]:
        echo("  检查项目: " + "  ".join(f"{c['item_zh']} {c['mark']}" + (f"({c['note']})" if c["note"] else "")
                                     for c in data["checklist"]))
    for q in data["questions"]:
        echo(f"  疑问{q['no']}: {q['question']} → {q['answer'] or '未答复'}")
    for item in data["after_hours"]:
        echo(f"  下班后{item['kind_zh']}: {item['summary']}" + (f" (工单 {item['ticket']})" if item["ticket"] else ""))
    if data["urgent"]:
        echo(f"  特殊/紧急情况: 已报客服部经理 {when(data['reported_to_cs_manager_at']) or '未报'}, "
             f"已报保安部经理 {when(data['reported_to_security_manager_at']) or '未报'}")
    if data["keys"]:
        echo("  交接钥匙: " + "、".join(data["keys"]))
    for m in data["undelivered_mail"]:
        echo(f"  未发放{m['type_zh']}: {m['addressee']} × {m['count']}")
    for u in data["unfinished"]:
        echo(f"  未完成工作: {u}")
    if data["cabinet_locked"] is not None:
        echo(f"  前台柜已上锁: {'是' if data['cabinet_locked'] else '否'}")
    echo(f"  待办事项 (截至 {when(data['pending_as_of'])}): " + ("无" if not data["pending"] else ""))
    for p in data["pending"]:
        due = f" 期限 {when(p['due'])}" + (" 已超时" if p["overdue"] else "") if p["due"] else ""
        echo(f"    - {p['summary']}{due}")
    for r in data["refusals"]:
        echo(f"  拒绝接班: {r['ground_zh']} → 已上报 {r['escalated_to_name']}" + (f" ({r['note']})" if r["note"] else ""))
        echo(f"    上级处理: {r['resolved_by_name']}: {r['resolution']}" if r["resolution"] else "    上级处理: 待处理")
    echo(f"  责任划分: {data['accountability']['text_zh']}")
    for li in data["liability"]:
        echo(f"  责任认定: {li['cause_zh']} — {li['what']} → 责任人 {li['liable_name']}")
    if data["notes"]:
        echo(f"  备注: {data['notes']}")
    echo(f"  领班审阅: {data['reviewed_by_name'] or '未审阅'}")


# -- commands -------------------------------------------------------------------------------


@click.group()
def handover() -> None:
    """Shift handovers (交接班): open, sign, accept or refuse, review.

    \b
    Example:
      csops --as CS001 handover open 2026-11-23 cs_office late --summary '处理报修3单' --check phones=ok --sign
      csops --as CS002 handover accept 2026-11-23-cs_office-late
      csops handover show 2026-11-23-cs_office-late
    """


def infer_type(post: str, from_post: str | None) -> str:
    """The handover type when --type is not given, from the posts involved."""
    if from_post == "control_room" and post != "control_room":
        return "security_to_cs"
    if post == "control_room" and from_post not in (None, "control_room"):
        return "cs_to_security"
    return "front_desk" if post == "front_desk" else "shift"


@handover.command("open")
@click.argument("day", metavar="DATE", type=click.DateTime(["%Y-%m-%d"]))
@click.argument("post")
@click.argument("shift")
@click.option("--type", "kind", type=click.Choice(["shift", "security_to_cs", "cs_to_security", "front_desk"]),
              help="Handover type (default: from the posts: security_to_cs from the control room, "
              "cs_to_security to it, front_desk on the front desk, else shift).")
@click.option("--from-post", help="Post handing over when it differs (control_room at 08:00, cs_office at 18:00).")
@click.option("--incoming", metavar="工号", help="Incoming staff (default: from the effective roster).")
@click.option("--summary", help="本班工作情况 (HOV-REC-01).")
@click.option("--check", "checks", multiple=True, metavar="ITEM=ok|x[:NOTE]", help="Check item √/× (repeatable).")
@click.option("--note", help="Notes.")
@click.option("--item", "items", multiple=True, metavar="KIND:TICKET:SUMMARY",
              help="After-hours complaint/service_request (repeatable).")
@click.option("--urgent", is_flag=True, help="Something special or urgent came up (HOV-SEC-03).")
@click.option("--reported-cs-manager", type=click.DateTime(["%H:%M"]), help="When it was reported to the CS manager.")
@click.option("--reported-security-manager", type=click.DateTime(["%H:%M"]),
              help="When it was reported to the security manager.")
@click.option("--key", "keys", multiple=True, help="Key handed over (front desk, repeatable).")
@click.option("--mail", "mail", multiple=True, metavar="TYPE:ADDRESSEE[:COUNT]", help="Undelivered mail (repeatable).")
@click.option("--unfinished", multiple=True, help="Unfinished work handed over (repeatable).")
@click.option("--cabinet-locked/--cabinet-open", default=None, help="Front-desk cabinet locked (HOV-FD-05).")
@click.option("--arrived", type=click.DateTime(["%H:%M"]), help="When the incoming arrived (HH:MM that day).")
@click.option("--sign", is_flag=True, help="Sign as the outgoing at once.")
@at_option
@click.pass_obj
def handover_open(session: Session, day: datetime, post: str, shift: str, kind: str | None, from_post: str | None,
                  incoming: str | None, summary: str | None, checks: tuple[str, ...], note: str | None,
                  items: tuple[str, ...], urgent: bool, reported_cs_manager: datetime | None,
                  reported_security_manager: datetime | None, keys: tuple[str, ...], mail: tuple[str, ...], unfinished: tuple[str, ...],
                  cabinet_locked: bool | None, arrived: datetime | None, sign: bool, at: datetime | None) -> None:
    """Open the handover of POST's SHIFT on DATE, as the outgoing person (one commit).

    \b
    Example:
      csops --as N001 handover open 2026-11-23 cs_office early --type security_to_cs --from-post control_room \\
          --summary '夜间接投诉1起' --item complaint:T-2611-A003:'12楼噪音' --check monitors=ok --sign
    """
    from csops import shifts
    from csops.models.handover import Handover, Opened, Signed

    ctx = session.load()
    actor = session.actor()
    when = _when(session, at)
    the_day = day.date()
    record_id = Handover.make_id(the_day, post, shift)
    if ctx.get("handover", record_id) is not None:
        raise click.UsageError(f"handover {record_id} already exists (csops handover show {record_id})")
    if incoming is None:
        slot = shifts.who(ctx, the_day, post, shift)
        if slot is None:
            raise refuse("HOV-SWP-01", f"the roster has nobody on {post}.{shift} on {the_day.isoformat()}",
                         "pass --incoming 工号 or fix the roster (csops roster set)")
        incoming = slot.staff
    if sign:
        summary = need(summary, "--summary", "本班工作情况")
    events: list[Any] = [Opened(at=when, by=actor.id)]
    if sign:
        events.append(Signed(at=when, by=actor.id))
    handover_type = kind or infer_type(post, from_post)
    after_hours = _parse_items(items)
    if handover_type == "security_to_cs":
        after_hours += _night_tickets(ctx, the_day, {i["ticket"] for i in after_hours if i["ticket"]})
    record = Handover(
        id=record_id, date=the_day, post=post, shift=shift, from_post=from_post,
        type=handover_type,
        outgoing=actor.id, incoming=incoming, shift_summary=summary or "", notes=note,
        checklist=_parse_checks(checks), after_hours=after_hours, keys=list(keys),
        undelivered_mail=_parse_mail(mail), unfinished=list(unfinished),
        cabinet_locked=cabinet_locked, events=events,
        arrived_at=shifts.at_time(ctx, the_day, arrived.time()) if arrived else None, urgent=urgent or None,
        reported_to_cs_manager_at=shifts.at_time(ctx, the_day, reported_cs_manager.time())
        if reported_cs_manager else None,
        reported_to_security_manager_at=shifts.at_time(ctx, the_day, reported_security_manager.time())
        if reported_security_manager else None,
    )
    session.save([(None, record)], action="handover.open",
                 summary=f"交接班 {record_id} {actor.display}→{ctx.name(incoming)}" + (" 交班签名" if sign else ""))
    click.echo(f"已开交接班记录 (opened): {record_id}" + (" 已签名 (signed)" if sign else ""))


def _night_tickets(ctx: Context, day: date, listed: set[str]) -> list[dict[str, Any]]:
    """The night's tickets, entered in the 08:00 book for the night duty (TKT-NGT-04): nobody retypes ids."""
    from csops.models import kinds

    if "ticket" not in kinds():
        return []
    from csops.models.ticket import TicketType
    from csops.sla import night_intakes

    return [
        {"kind": "complaint" if t.type is TicketType.complaint else "service_request", "ticket": t.id,
         "summary": f"{t.type.label} {t.customer.name}: {t.subject or t.content}"[:120]}
        for t in night_intakes(ctx, day) if t.id not in listed
    ]


@handover.command("check")
@click.argument("handover_id")
@click.option("--check", "checks", multiple=True, required=True, metavar="ITEM=ok|x:NOTE",
              help="Check item √/× (repeatable; an item checked again takes the new result).")
@click.option("--summary", help="本班工作情况 (HOV-REC-01), if not written yet or to replace it.")
@click.pass_obj
def handover_check(session: Session, handover_id: str, checks: tuple[str, ...], summary: str | None) -> None:
    """Record check items √/× on an open handover before signing it (HOV-REC-07), as the outgoing person.

    \b
    Example:
      csops --as CS001 handover check 2026-11-23-cs_office-late --check phones=ok --check hygiene=x:'地面有水渍'
    """
    record = load_handover(session, handover_id)
    _outgoing_before_signing(session, record, "records the checks of")
    changes: dict[str, Any] = {"checklist": _merge_checks(record, checks)}
    if summary:
        changes["shift_summary"] = summary
    new = record.model_copy(update=changes)
    session.save([(record, new)], action="handover.check", summary=f"交接班检查 {handover_id}")
    done = ", ".join(f"{e.item} {'√' if e.result.value == 'ok' else '×'}" for e in new.checklist)
    click.echo(f"已记录检查项 (checked): {handover_id}: {done}")


@handover.command("sign")
@click.argument("handover_id")
@click.option("--check", "checks", multiple=True, metavar="ITEM=ok|x:NOTE",
              help="Check items still to record, √/× (repeatable), recorded with the signature.")
@click.option("--summary", help="本班工作情况 (HOV-REC-01), when it was not written at opening.")
@at_option
@click.pass_obj
def handover_sign(session: Session, handover_id: str, checks: tuple[str, ...], summary: str | None,
                  at: datetime | None) -> None:
    """Sign as the outgoing person: the shift log is complete (HOV-REC-02, HOV-SIGN-01).

    Check items and the shift summary not recorded yet can be given here; the signature is refused
    while a configured check item or the summary is missing (HOV-REC-07, HOV-REC-01).

    \b
    Example:
      csops --as CS001 handover sign 2026-11-23-cs_office-late
      csops --as CS001 handover sign 2026-11-23-cs_office-late --summary '处理报修3单' --check phones=ok
    """
    from csops.models.handover import Signed

    record = load_handover(session, handover_id)
    if record.first("signed"):
        raise click.UsageError(f"{handover_id} is already signed")
    actor = session.actor()
    changes: dict[str, Any] = {}
    if checks:
        changes["checklist"] = _merge_checks(record, checks)
    if summary:
        changes["shift_summary"] = summary
    _append(session, record, Signed(at=_when(session, at), by=actor.id), "sign", f"交班签名 {handover_id}",
            **changes)
    click.echo(f"交班人已签名 (signed): {handover_id}; 接班人接班前交班人仍在岗")


@handover.command("ask")
@click.argument("handover_id")
@click.option("--question", help="The incoming person's question.")
@at_option
@click.pass_obj
def handover_ask(session: Session, handover_id: str, question: str | None, at: datetime | None) -> None:
    """Ask the outgoing a question; the handover cannot complete until it is answered (HOV-SIGN-03).

    \b
    Example:
      csops --as CS002 handover ask 2026-11-23-cs_office-late --question '1203报修是否已派工?'
    """
    from csops.models.handover import Asked

    record = load_handover(session, handover_id)
    if record.fold().value == "completed":
        raise click.UsageError(f"{handover_id} is already complete: questions are asked before accepting")
    question = need(question, "--question", "疑问")
    _append(session, record, Asked(at=_when(session, at), by=session.actor().id, question=question), "ask",
            f"接班疑问 {handover_id}")
    click.echo(f"已记录疑问 {len(record.questions()) + 1} (asked)")


@handover.command("answer")
@click.argument("handover_id")
@click.argument("number", type=int)
@click.option("--answer", help="The outgoing person's answer.")
@at_option
@click.pass_obj
def handover_answer(session: Session, handover_id: str, number: int, answer: str | None,
                    at: datetime | None) -> None:
    """Answer question NUMBER as the outgoing person (HOV-REC-10).

    \b
    Example:
      csops --as CS001 handover answer 2026-11-23-cs_office-late 1 --answer '已派工程部梁宇'
    """
    from csops.models.handover import Answered

    record = load_handover(session, handover_id)
    if not 1 <= number <= len(record.questions()):
        raise click.UsageError(f"{handover_id} has {len(record.questions())} question(s)")
    answer = need(answer, "--answer", "答复")
    _append(session, record, Answered(at=_when(session, at), by=session.actor().id, question_no=number,
                                      answer=answer), "answer", f"答复疑问 {handover_id} #{number}")
    click.echo(f"已答复疑问 {number} (answered)")


@handover.command("accept")
@click.argument("handover_id")
@click.option("--arrived", type=click.DateTime(["%H:%M"]), help="When you arrived (HH:MM), if not yet recorded.")
@at_option
@click.pass_obj
def handover_accept(session: Session, handover_id: str, arrived: datetime | None, at: datetime | None) -> None:
    """Accept as the incoming person: sign and complete the handover (HOV-SIGN-01/03).

    \b
    Example:
      csops --as CS002 handover accept 2026-11-23-cs_office-late --arrived 12:45
    """
    from csops import shifts
    from csops.models.handover import Accepted

    record = load_handover(session, handover_id)
    if record.fold().value == "completed":
        raise click.UsageError(f"{handover_id} is already complete")
    changes: dict[str, Any] = {}
    if arrived is not None:
        changes["arrived_at"] = shifts.at_time(session.load(), record.date, arrived.time())
    _append(session, record, Accepted(at=_when(session, at), by=session.actor().id), "accept",
            f"接班签名 {handover_id}", **changes)
    click.echo(f"交接完成 (completed): {handover_id}; {session.load().name(record.incoming)} 在岗")


def default_supervisor(ctx: Context, record: Handover) -> str | None:
    """The day's duty manager when a supervisor, else the first active shift lead (HOV-REF-02)."""
    from csops import shifts
    from csops.models.common import Role
    from csops.rules.handovers import supervisor

    parties = (record.outgoing, record.incoming)
    roster = shifts.roster_for(ctx, record.date)
    plan = roster.days.get(record.date) if roster else None
    if plan and plan.duty_manager and plan.duty_manager not in parties and supervisor(ctx.person(plan.duty_manager)):
        return plan.duty_manager
    leads = sorted(p.id for p in ctx.staff.values() if p.active and p.has_role(Role.shift_lead) and p.id not in parties)
    return leads[0] if leads else None


@handover.command("refuse")
@click.argument("handover_id")
@click.option("--ground", help="record_unclear, not_clean, public_items_missing, major_repair_open, "
              "unanswered_question, or other (other unfinished work: say what with --note; CFL-20).")
@click.option("--to", "to", metavar="工号", help="Supervisor to report to (default: the day's duty manager "
              "if a shift lead or above, else a shift lead).")
@click.option("--note", help="What exactly is wrong.")
@at_option
@click.pass_obj
def handover_refuse(session: Session, handover_id: str, ground: str | None, to: str | None, note: str | None,
                    at: datetime | None) -> None:
    """Refuse to take over (四不接), which reports to a supervisor (HOV-REF-01/02).

    \b
    Example:
      csops --as CS002 handover refuse 2026-11-23-cs_office-late --ground not_clean --note '地面未清理'
    """
    from csops.models.handover import Ground, Refused

    record = load_handover(session, handover_id)
    ground = need(ground, "--ground", "拒接理由")
    grounds = ", ".join(f"{g.value} ({g.label})" for g in Ground)
    if ground not in {g.value for g in Ground}:
        raise refuse("HOV-REF-01", f"{ground!r} is not a ground for refusing a handover; the permitted grounds "
                     f"are: {grounds}", "refuse only on one of these (other unfinished work: --ground other "
                     "--note '…'); otherwise accept and note it")
    if ground == "other" and not (note or "").strip():
        raise refuse("HOV-REF-01", "a refusal on other grounds must say what is unfinished (CFL-20)",
                     "add --note '未完成的工作或未答复的问题'")
    if record.fold().value == "completed":
        raise click.UsageError(f"{handover_id} is already complete")
    ctx = session.load()
    to = to or default_supervisor(ctx, record)
    if to is None:
        raise click.UsageError("no shift lead in the roster to report to: pass --to 工号")
    _append(session, record, Refused(at=_when(session, at), by=session.actor().id, ground=ground,
                                     escalated_to=to, note=note), "refuse",
            f"拒绝接班 {handover_id}: {Ground(ground).label}, 上报 {ctx.name(to)}")
    click.echo(f"已拒绝接班 (refused): {Ground(ground).label}; 已上报 (escalated to) {ctx.name(to)}; "
               f"{ctx.name(record.outgoing)} 仍在岗")


@handover.command("resolve")
@click.argument("handover_id")
@click.option("--resolution", help="How the supervisor settled the refusal.")
@at_option
@click.pass_obj
def handover_resolve(session: Session, handover_id: str, resolution: str | None, at: datetime | None) -> None:
    """Settle a refusal as the supervisor it was reported to; the incoming may then accept (HOV-REF-02).

    \b
    Example:
      csops --as L001 handover resolve 2026-11-23-cs_office-late --resolution '已安排保洁, 交班人补记录'
    """
    from csops.models.handover import Resolved

    record = load_handover(session, handover_id)
    if record.fold().value != "refused":
        raise click.UsageError(f"{handover_id} is not refused")
    resolution = need(resolution, "--resolution", "处理结果")
    _append(session, record, Resolved(at=_when(session, at), by=session.actor().id, resolution=resolution),
            "resolve", f"处理拒接 {handover_id}")
    click.echo(f"已处理拒接 (resolved): {handover_id}")


@handover.command("liable")
@click.argument("handover_id")
@click.option("--cause", type=click.Choice(["missed", "wrong_handover", "wrong_acceptance"]),
              help="missed/wrong_handover → the outgoing; wrong_acceptance → the incoming (HOV-ACC-03).")
@click.option("--what", help="The problem traced back to the handover.")
@at_option
@click.pass_obj
def handover_liable(session: Session, handover_id: str, cause: str | None, what: str | None,
                    at: datetime | None) -> None:
    """Record who answers for a problem traced back to this handover (HOV-ACC-03).

    \b
    Example:
      csops --as L001 handover liable 2026-11-23-cs_office-late --cause missed --what '未交代1203钥匙借出'
    """
    from csops.models.handover import LIABLE_FOR, Cause, Liability, Party

    record = load_handover(session, handover_id)
    cause = need(cause, "--cause", "原因 (missed/wrong_handover/wrong_acceptance)")
    what = need(what, "--what", "问题")
    party = LIABLE_FOR[Cause(cause)]
    liable = record.outgoing if party is Party.outgoing else record.incoming
    _append(session, record, Liability(at=_when(session, at), by=session.actor().id, cause=cause,
                                       liable=liable, what=what), "liable", f"责任认定 {handover_id}")
    click.echo(f"责任认定: {Cause(cause).label} → {party.label} {session.load().name(liable)}")


@handover.command("review")
@click.argument("day", metavar="DATE", type=click.DateTime(["%Y-%m-%d"]))
@at_option
@click.pass_obj
def handover_review(session: Session, day: datetime, at: datetime | None) -> None:
    """Review and sign all of DATE's handover records as the shift lead (HOV-REV-01; one commit).

    \b
    Example:
      csops --as L001 handover review 2026-11-22
    """
    from csops.models.handover import Handover, Reviewed

    ctx = session.load()
    actor = session.actor()
    todo = sorted((h for h in ctx.of(Handover) if h.date == day.date() and not h.first("reviewed")),
                  key=lambda h: h.id)
    if not todo:
        raise click.UsageError(f"no unreviewed handover records on {day.date().isoformat()}")
    when = _when(session, at)
    pairs = [(h, h.model_copy(update={"events": [*h.events, Reviewed(at=when, by=actor.id)]})) for h in todo]
    session.save(pairs, action="handover.review", summary=f"领班审阅 {day.date().isoformat()} 交接班记录 {len(todo)} 份")
    click.echo(f"已审阅 (reviewed) {len(todo)} 份: " + ", ".join(h.id for h in todo))


@handover.command("show")
@click.argument("handover_id")
@format_option
@click.pass_obj
def handover_show(session: Session, handover_id: str) -> None:
    """Show a handover in Chinese, with the pending matters computed as of the handover.

    \b
    Example:
      csops handover show 2026-11-23-cs_office-late
      csops handover show 2026-11-23-cs_office-late --format json
    """
    ctx = session.load()
    data = view(ctx, load_handover(session, handover_id))
    if session.json:
        session.emit_json(data)
    else:
        print_view(data, ctx)


@handover.command("list")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Only this day.")
@click.option("--month", help="Only this month (YYYY-MM).")
@click.option("--status", type=click.Choice(["open", "signed", "refused", "completed"]), help="Only this status.")
@list_format_option
@click.pass_obj
def handover_list(session: Session, day: datetime | None, month: str | None, status: str | None) -> None:
    """List handover records.

    \b
    Example:
      csops handover list --date 2026-11-20
      csops handover list --status refused --format json
    """
    from csops.models.handover import Handover

    ctx = session.load()
    rows = sorted(ctx.of(Handover), key=lambda h: h.id)
    rows = [h for h in rows if (day is None or h.date == day.date()) and (month is None or h.id.startswith(month))
            and (status is None or h.fold().value == status)]
    data = [{"id": h.id, "type": h.type.value, "status": h.fold().value, "outgoing": h.outgoing,
             "incoming": h.incoming, "reviewed": bool(h.first("reviewed"))} for h in rows]
    if session.emit_rows(data):
        return
    for h in rows:
        mark = "" if h.first("reviewed") else "  未审阅"
        click.echo(f"{h.id:<34} {h.type.label:<14} {h.fold().label:<10} {ctx.name(h.outgoing)}→{ctx.name(h.incoming)}{mark}")
    click.echo(f"共 {len(rows)} 份")


def status_section(ctx: Context) -> tuple[str, list[str], dict[str, Any]]:
    """Today's handovers, open or refused ones, and days not reviewed (HOV-REV-01)."""
    from datetime import date

    from csops.facts import facts
    from csops.rules.handovers import unreviewed_of

    today = ctx.calendar.local(ctx.now).date()
    # (day, id, state, reviewed) of each record, kept by content: no handover is loaded for this.
    found = facts(ctx, "handover", "status",
                  lambda h, _: (h.date.isoformat(), h.id, h.fold().value, bool(h.first("reviewed")))).values()
    records = [(date.fromisoformat(day), hid, state, reviewed) for day, hid, state, reviewed in found]
    todays = sorted(hid for day, hid, _, _ in records if day == today)
    open_ = sorted(hid for _, hid, state, _ in records if state in ("open", "signed"))
    refused = sorted(hid for _, hid, state, _ in records if state == "refused")
    unreviewed = sorted(unreviewed_of(((day, hid, reviewed) for day, hid, _, reviewed in records), today))
    lines = [f"今天交接班 {len(todays)} 份" + (": " + ", ".join(todays) if todays else ""),
             f"未完成 {len(open_)} 份" + (": " + ", ".join(open_) if open_ else ""),
             f"拒接待处理 {len(refused)} 份" + (": " + ", ".join(refused) if refused else ""),
             f"未审阅日期 {len(unreviewed)} 天" + (": " + ", ".join(d.isoformat() for d in unreviewed) if unreviewed else "")]
    return "交接班 (handovers)", lines, {"today": todays, "open": open_, "refused": refused,
                                        "unreviewed_days": [d.isoformat() for d in unreviewed]}


# -- duty log -------------------------------------------------------------------------------


@click.group()
def duty() -> None:
    """Duty records (值班记录表): entries, major events and their written reports.

    \b
    Example:
      csops --as L001 duty log 2026-11-23 --what '地下车库积水' --done '通知工程部抽水'
    """


@duty.command("log")
@click.argument("day", metavar="DATE", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--what", help="值班情况: what happened.")
@click.option("--done", help="处理结果: what was done.")
@click.option("--major", is_flag=True, help="A major event (HOV-DUTY-04).")
@click.option("--reported-to", metavar="工号", help="Manager the major event was reported to.")
@click.option("--start", type=click.DateTime(["%H:%M"]), default="08:00", show_default=True, help="Duty start.")
@click.option("--end", type=click.DateTime(["%H:%M"]), default="18:00", show_default=True, help="Duty end.")
@at_option
@click.pass_obj
def duty_log(session: Session, day: datetime, what: str | None, done: str | None, major: bool,
             reported_to: str | None, start: datetime, end: datetime, at: datetime | None) -> None:
    """Add an entry to DATE's duty record as the duty person (one commit).

    \b
    Example:
      csops --as M001 duty log 2026-10-01 --what '电梯困人' --done '5分钟内解救' --major --reported-to M001
    """
    from csops.models.handover import DutyEntry, DutyLogged

    ctx = session.load()
    actor = session.actor()
    what = need(what, "--what", "值班情况")
    done = need(done, "--done", "处理结果")
    when = _when(session, at)
    entry = DutyEntry(at=when, what=what, done=done, major=major, reported_to=reported_to,
                      reported_at=when if reported_to else None)
    old, new = _duty_change(ctx, day.date(), actor.id, DutyLogged(at=when, by=actor.id, entry=entry),
                            start.time(), end.time())
    session.save([(old, new)], action="duty.log", summary=f"值班记录 {new.id}: {what}")
    click.echo(f"已记录值班情况 (logged) {new.id} #{len(new.entries())}")


def _duty_change(ctx: Context, day: date, duty_person: str | None, event: Any, start: time = time(8, 0),
                 end: time = time(18, 0)) -> tuple[Any, Any]:
    """(old, new) duty record of ``day`` with ``event`` appended; a new record when there is none."""
    from csops import shifts
    from csops.models.handover import DutyLog

    old = ctx.get("duty_log", day.isoformat())
    if isinstance(old, DutyLog):
        return old, old.model_copy(update={"events": [*old.events, event]})
    if duty_person is None:
        roster = shifts.roster_for(ctx, day)
        plan = roster.days.get(day) if roster else None
        duty_person = plan.duty_manager if plan and plan.duty_manager else None
    if duty_person is None:
        raise click.UsageError(f"no duty manager on {day.isoformat()} in the roster (csops roster set --duty)")
    return None, DutyLog(id=day.isoformat(), duty_person=duty_person, start=shifts.at_time(ctx, day, start),
                         end=shifts.at_time(ctx, day, end), events=[event])


@duty.command("inspect")
@click.argument("day", metavar="DATE", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--findings", help="What the inspection found and what was done about it.")
@at_option
@click.pass_obj
def duty_inspect(session: Session, day: datetime, findings: str | None, at: datetime | None) -> None:
    """Record the CS-centre director's inspection of DATE's duty (HOV-REV-02; one commit).

    \b
    Example:
      csops --as D001 duty inspect 2026-11-18 --findings '值班人员在岗, 记录完整'
    """
    from csops.models.handover import DutyInspected

    findings = need(findings, "--findings", "检查情况")
    actor = session.actor()
    old, new = _duty_change(session.load(), day.date(), None,
                            DutyInspected(at=at or session.now, by=actor.id, findings=findings))
    session.save([(old, new)], action="duty.inspect", summary=f"值班检查 {new.id}")
    click.echo(f"已记录值班检查 (inspected) {new.id}")


@duty.command("show")
@click.argument("day", metavar="DATE", type=click.DateTime(["%Y-%m-%d"]))
@format_option
@click.pass_obj
def duty_show(session: Session, day: datetime) -> None:
    """Show DATE's duty record (值班记录表) in Chinese, or as json.

    \b
    Example:
      csops duty show 2026-11-10 --format json
    """
    from csops.models.handover import DutyLog

    ctx = session.load()
    record = find_record(ctx, DutyLog, day.date().isoformat(), "csops duty log", what="duty record on")
    data: dict[str, Any] = {
        "date": record.id, "duty_person": record.duty_person, "duty_person_name": ctx.name(record.duty_person),
        "start": record.start.isoformat(), "end": record.end.isoformat(),
        "entries": [e.model_dump(mode="json") | {"no": n} for n, e in enumerate(record.entries(), 1)],
        "inspections": [{"by": e.by, "by_name": ctx.name(e.by), "at": e.at.isoformat(), "findings": e.findings}
                        for e in record.events if e.action == "inspected"],
    }
    if session.json:
        session.emit_json(data)
        return
    click.echo(f"值班记录表 {data['date']}  值班人: {data['duty_person_name']}  "
               f"{record.start:%H:%M}-{record.end:%H:%M}")
    for e in data["entries"]:
        major = " [重大事件, 已报 " + ctx.name(e.get("reported_to")) + "]" if e["major"] else ""
        report = f" 书面报告 {ctx.when(e['written_report_at'])}" if e.get("written_report_at") else ""
        click.echo(f"  {e['no']}. {ctx.when(e['at'])} 情况: {e['what']}  处理结果: {e['done']}{major}{report}")
    for i in data["inspections"]:
        click.echo(f"  主任检查 {ctx.when(i['at'])} {i['by_name']}: {i['findings']}")


@duty.command("report")
@click.argument("day", metavar="DATE", type=click.DateTime(["%Y-%m-%d"]))
@click.argument("number", type=int)
@at_option
@click.pass_obj
def duty_report(session: Session, day: datetime, number: int, at: datetime | None) -> None:
    """Record the written report of major event NUMBER (due the next day, HOV-DUTY-04).

    \b
    Example:
      csops --as M001 duty report 2026-10-01 1
    """
    from csops.models.handover import DutyLog, DutyReported

    old = session.load().get("duty_log", day.date().isoformat())
    if not isinstance(old, DutyLog) or not 1 <= number <= len(old.entries()):
        raise click.UsageError(f"no duty entry {number} on {day.date().isoformat()}")
    new = old.model_copy(update={"events": [*old.events, DutyReported(at=_when(session, at),
                                                                       by=session.actor().id, entry_no=number)]})
    session.save([(old, new)], action="duty.report", summary=f"重大事件书面报告 {old.id} #{number}")
    click.echo(f"已提交书面报告 (reported) {old.id} #{number}")
