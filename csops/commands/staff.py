from __future__ import annotations

from typing import TYPE_CHECKING

import click

from csops.commands import list_format_option
from csops.completion import staff_ids

if TYPE_CHECKING:
    from csops.models.staff import Staff
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
@list_format_option
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
    if session.emit_rows([p.model_dump(mode="json") for p in people]):
        return
    for p in people:
        roles = "、".join(r.label for r in p.roles)
        state = "" if p.active else " (离职 inactive)"
        click.echo(f"{p.id:<8} {p.name:<6} {p.department.label:<8} {p.level.label:<6} {roles}{state}")


@staff.command("add")
@click.argument("staff_id", metavar="工号", shell_complete=staff_ids)
@click.option("--name", required=True, help="姓名")
@click.option("--department", required=True, help="Department identifier, e.g. cs, security, engineering.")
@click.option("--role", "roles", multiple=True, required=True, help="Role identifier (repeatable), e.g. agent.")
@click.option("--level", default="staff", show_default=True, help="staff, shift_lead, supervisor, middle or senior.")
@click.option("--email", "emails", multiple=True, help="Git email of this person (repeatable).")
@click.option("--phone", help="Work phone.")
@click.option("--signing-key", "keys", multiple=True, metavar="KEY|FILE.pub",
              help="SSH public key this person signs commits with (the key text or its .pub file; repeatable).")
@click.pass_obj
def staff_add(session: Session, staff_id: str, name: str, department: str, roles: tuple[str, ...],
              level: str, emails: tuple[str, ...], phone: str | None, keys: tuple[str, ...]) -> None:
    """Add a member of staff to the roster (one commit).

    \b
    Example:
      csops --as M001 staff add CS009 --name 王芳 --department cs --role agent --email wangfang@example.com
    """
    ctx = session.load()
    if staff_id in ctx.staff:
        raise click.UsageError(f"{staff_id} is already in the roster: {ctx.staff[staff_id].display}")
    # Values the model rejects become a refusal with the finding (csops.cli.LazyGroup.invoke).
    person = new_staff(staff_id, name, department, list(roles), level, list(emails), phone, _keys(keys))
    # The first person added to an empty roster signs for themself (bootstrapping a new office).
    actor = person if session.roster_is_empty() else None
    session.save([(None, person)], action="staff.add", summary=f"员工入册 {person.display}", actor=actor)
    click.echo(f"已添加员工 (added): {person.display}")


def new_staff(staff_id: str, name: str, department: str, roles: list[str], level: str, emails: list[str],
              phone: str | None, keys: list[str], active: bool = True) -> Staff:
    """The staff record ``staff add`` writes (``csops import staff`` makes the same from a row)."""
    from csops.models.staff import Staff

    return Staff(id=staff_id, name=name, department=department, roles=roles, level=level, git_emails=emails,
                 phone=phone, signing_keys=keys, active=active)


def _keys(values: tuple[str, ...]) -> list[str]:
    """SSH public keys given as text or as the path of a ``.pub`` file."""
    from pathlib import Path

    found = []
    for value in values:
        path = Path(value).expanduser()
        if not value.startswith(("ssh-", "ecdsa-", "sk-")) and path.is_file():
            value = path.read_text(encoding="utf-8").strip()
        found.append(value.strip())
    return found


@staff.command("edit")
@click.argument("staff_id", metavar="工号", shell_complete=staff_ids)
@click.option("--name", help="姓名")
@click.option("--department", help="Department identifier, e.g. cs.")
@click.option("--role", "roles", multiple=True, help="Role identifier (repeatable): replaces all roles.")
@click.option("--level", help="staff, shift_lead, supervisor, middle or senior.")
@click.option("--email", "emails", multiple=True, help="Add a git email (repeatable).")
@click.option("--remove-email", "gone_emails", multiple=True, help="Remove a git email (repeatable).")
@click.option("--signing-key", "keys", multiple=True, metavar="KEY|FILE.pub",
              help="Add an SSH signing public key, text or .pub file (repeatable; old keys stay, so old commits verify).")
@click.option("--phone", help="Work phone.")
@click.option("--active/--inactive", default=None, help="--inactive when someone leaves (离职); the record stays.")
@click.pass_obj
def staff_edit(session: Session, staff_id: str, name: str | None, department: str | None, roles: tuple[str, ...],
               level: str | None, emails: tuple[str, ...], gone_emails: tuple[str, ...], keys: tuple[str, ...],
               phone: str | None, active: bool | None) -> None:
    """Change a member of staff (one commit). Roles, level, emails and keys may be changed only by a
    policy editor (AUDIT-10: the CS manager and above by default); anyone else's change is an audit error.

    \b
    Example:
      csops --as M001 staff edit CS001 --signing-key ~/.ssh/id_ed25519.pub --email lina@fenghui.example
      csops --as M001 staff edit CS003 --inactive
    """
    from csops.commands import find_record
    from csops.models.staff import Staff

    old = find_record(session.load(), Staff, staff_id, "csops staff list")
    data = old.model_dump(mode="json")
    for key, value in (("name", name), ("department", department), ("level", level), ("phone", phone),
                       ("active", active)):
        if value is not None:
            data[key] = value
    if roles:
        data["roles"] = list(roles)
    lowered = {e.lower() for e in gone_emails}
    data["git_emails"] = [e for e in data["git_emails"] if e.lower() not in lowered]
    data["git_emails"] += [e for e in emails if e.lower() not in {x.lower() for x in data["git_emails"]}]
    data["signing_keys"] += [k for k in _keys(keys) if k not in data["signing_keys"]]
    new = Staff.model_validate(data)
    if new == old:
        raise click.UsageError(f"nothing to change for {old.display}: pass what changes, e.g. --email or --signing-key")
    session.save([(old, new)], action="staff.edit", summary=f"员工档案修改 {new.display}")
    click.echo(f"已修改员工 (changed): {new.display}")
