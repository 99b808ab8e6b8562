from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import click

from csops.commands import at_option, find_record, format_option, list_format_option, need

if TYPE_CHECKING:
    from csops.models.meeting import Meeting
    from csops.session import Session


def _meeting(session: Session, meeting_id: str) -> Meeting:
    from csops.models.meeting import Meeting

    return find_record(session.load(), Meeting, meeting_id, "csops meeting list")


@click.group()
def meeting() -> None:
    """Meeting minutes (会议纪要): decisions with an owner and a deadline.

    \b
    Example:
      csops meeting new --type weekly --chair M001 --content "本周投诉回访情况"
      csops meeting decide MT-2611-A001 --text "补齐回访记录" --owner S001 --due 2026-11-27T18:00:00+08:00
    """


@meeting.command("new")
@click.option("--type", "mtype", type=click.Choice(["weekly", "monthly", "quarterly", "other"]),
              help="weekly 周会, monthly 月度总结会, quarterly 季度战略会, other.")
@click.option("--chair", metavar="工号", help="Who chaired it.")
@click.option("--attendee", "attendees", multiple=True, metavar="工号", help="Attendee (repeatable).")
@click.option("--content", help="What was discussed (会议内容).")
@at_option
@click.pass_obj
def meeting_new(session: Session, mtype: str | None, chair: str | None, attendees: tuple[str, ...],
                content: str | None, at: datetime | None) -> None:
    """Record a meeting held (one new record, one commit).

    \b
    Example:
      csops --as M001 meeting new --type weekly --chair M001 --attendee S001 --content "本周工作总结"
    """
    from csops.models.meeting import Held, Meeting, MeetingType

    mtype = need(mtype, "--type", "会议类型 weekly|monthly|quarterly|other")
    chair = need(chair, "--chair", "主持人工号")
    content = need(content, "--content", "会议内容")
    when = at or session.now
    actor = session.actor()
    record = Meeting(id=session.new_id(Meeting, when), events=[
        Held(at=when, by=actor.id, type=MeetingType(mtype), chair=chair, attendees=list(attendees), content=content)
    ])
    saved = session.save([(None, record)], action="meeting.new",
                         summary=f"会议纪要 {record.id}: {MeetingType(mtype).label}")
    click.echo(f"已记录会议 (recorded): {saved[0].id}")


@meeting.command("decide")
@click.argument("meeting_id")
@click.option("--text", help="The decision (决议).")
@click.option("--owner", metavar="工号", help="Who is responsible (责任人).")
@click.option("--due", help="Deadline with UTC offset (完成时限), e.g. 2026-11-27T18:00:00+08:00.")
@at_option
@click.pass_obj
def meeting_decide(session: Session, meeting_id: str, text: str | None, owner: str | None, due: str | None,
                   at: datetime | None) -> None:
    """Add a decision with its owner and deadline (RPT-13).

    \b
    Example:
      csops meeting decide MT-2611-A001 --text "补齐回访记录" --owner S001 --due 2026-11-27T18:00:00+08:00
    """
    from csops.cli import INSTANT
    from csops.models.meeting import Decided

    old = _meeting(session, meeting_id)
    text = need(text, "--text", "决议")
    owner = need(owner, "--owner", "责任人工号")
    due_at = INSTANT.convert(need(due, "--due", "完成时限"), None, click.get_current_context())
    event = Decided(at=at or session.now, by=session.actor().id, text=text, owner=owner, due=due_at)
    new = old.model_copy(update={"events": [*old.events, event]})
    session.save([(old, new)], action="meeting.decide", summary=f"会议纪要 {old.id} 新增决议: {text}")
    click.echo(f"已记录决议 (decision {len(old.decisions()) + 1}): {text}")


@meeting.command("done")
@click.argument("meeting_id")
@click.argument("number", type=int)
@at_option
@click.pass_obj
def meeting_done(session: Session, meeting_id: str, number: int, at: datetime | None) -> None:
    """Mark decision NUMBER of a meeting done.

    \b
    Example:
      csops meeting done MT-2611-A001 1
    """
    from csops.models.meeting import Done

    old = _meeting(session, meeting_id)
    new = old.model_copy(update={"events": [*old.events, Done(at=at or session.now, by=session.actor().id, decision=number)]})
    session.save([(old, new)], action="meeting.done", summary=f"会议纪要 {old.id} 决议 {number} 已完成")
    click.echo(f"决议 {number} 已完成 (done)")


@meeting.command("show")
@click.argument("meeting_id")
@format_option
@click.pass_obj
def meeting_show(session: Session, meeting_id: str) -> None:
    """Show a meeting and its decisions with their deadlines.

    \b
    Example:
      csops meeting show MT-2611-A001 --format json
    """
    record = _meeting(session, meeting_id)
    ctx = session.load()
    held = record.held
    rows: list[dict[str, str | int | None]] = [{
        "number": d.number, "text": d.text, "owner": d.owner, "owner_name": ctx.name(d.owner),
        "due": d.due.isoformat(), "done_at": d.done_at.isoformat() if d.done_at else None,
        "state": "done" if d.done_at and d.done_at <= d.due else ("late" if (d.done_at or ctx.now) > d.due else "open"),
    } for d in record.decisions()]
    if session.json:
        session.emit_json({"id": record.id, "type": held.type.value if held else None,
                           "chair": held.chair if held else None, "content": held.content if held else None,
                           "decisions": rows})
        return
    state_zh = {"done": "按时完成", "late": "超时", "open": "进行中"}
    if held:
        click.echo(f"{record.id} {held.type.label} {ctx.when(held.at)} 主持: {ctx.name(held.chair)}")
        click.echo(f"  内容: {held.content}")
    for row in rows:
        click.echo(f"  决议{row['number']}: {row['text']}  责任人 {row['owner_name']}  时限 {ctx.when(str(row['due']))}  {state_zh[str(row['state'])]}")


@meeting.command("list")
@list_format_option
@click.pass_obj
def meeting_list(session: Session) -> None:
    """List meetings with their open decisions.

    \b
    Example:
      csops meeting list
    """
    from csops.models.meeting import Meeting

    ctx = session.load()
    meetings = sorted(ctx.of(Meeting), key=lambda m: m.events[0].at)
    rows = [{"id": m.id, "type": m.held.type.value if m.held else None, "at": m.events[0].at.isoformat(),
             "open_decisions": m.open_decisions} for m in meetings]
    if session.emit_rows(rows):
        return
    for m in meetings:
        label = m.held.type.label if m.held else ""
        click.echo(f"{m.id}  {m.events[0].at:%Y-%m-%d}  {label}  未完成决议 {m.open_decisions}")
