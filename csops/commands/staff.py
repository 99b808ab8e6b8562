from __future__ import annotations

from typing import TYPE_CHECKING

import click

from csops.commands import format_option

if TYPE_CHECKING:
    from csops.session import Session


@click.group()
def staff() -> None:
    """The staff roster (工号, name, department, roles, git identities).

    \b
    Example:
      csops staff list
      csops --as M001 staff add CS009 --name 王芳 --department cs --role agent --email wangfang@example.com
    """


@staff.command("list")
@click.option("--role", help="Only staff with this role.")
@format_option
@click.pass_obj
def staff_list(session: Session, role: str | None) -> None:
    """List the roster.

    \b
    Example:
      csops staff list --role shift_lead
    """
    from csops.models.staff import Staff

    people = sorted(session.load().of(Staff), key=lambda s: s.id)
    if role:
        people = [p for p in people if role in {r.value for r in p.roles}]
    if session.json:
        session.emit_json([p.model_dump(mode="json") for p in people])
        return
    for p in people:
        roles = "、".join(r.label for r in p.roles)
        state = "" if p.active else " (离职 inactive)"
        click.echo(f"{p.id:<8} {p.name:<6} {p.department.label:<8} {p.level.label:<6} {roles}{state}")


@staff.command("add")
@click.argument("staff_id", metavar="工号")
@click.option("--name", required=True, help="姓名")
@click.option("--department", required=True, help="Department identifier, e.g. cs, security, engineering.")
@click.option("--role", "roles", multiple=True, required=True, help="Role identifier (repeatable), e.g. agent.")
@click.option("--level", default="staff", show_default=True, help="staff, shift_lead, supervisor, middle or senior.")
@click.option("--email", "emails", multiple=True, help="Git email of this person (repeatable).")
@click.option("--phone", help="Work phone.")
@click.pass_obj
def staff_add(session: Session, staff_id: str, name: str, department: str, roles: tuple[str, ...],
              level: str, emails: tuple[str, ...], phone: str | None) -> None:
    """Add a member of staff to the roster (one commit).

    \b
    Example:
      csops --as M001 staff add CS009 --name 王芳 --department cs --role agent --email wangfang@example.com
    """
    from csops.models.staff import Staff

    ctx = session.load()
    if staff_id in ctx.staff:
        raise click.UsageError(f"{staff_id} is already in the roster: {ctx.staff[staff_id].display}")
    # Values the model rejects become a refusal with the finding (csops.cli.LazyGroup.invoke).
    person = Staff(id=staff_id, name=name, department=department, roles=list(roles),
                   level=level, git_emails=list(emails), phone=phone)
    # The first person added to an empty roster signs for themself (bootstrapping a new office).
    actor = person if session.roster_is_empty() else None
    session.save([(None, person)], action="staff.add", summary=f"员工入册 {person.display}", actor=actor)
    click.echo(f"已添加员工 (added): {person.display}")
