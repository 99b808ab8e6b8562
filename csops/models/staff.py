"""The staff roster: one file per member of staff, ``records/staff/<工号>.yaml``."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from csops.models.common import Department, Level, Record, Role


class Staff(Record):
    KIND: ClassVar[str] = "staff"
    FOLDER: ClassVar[str] = "staff"

    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,16}$", description="工号 (staff number)")
    name: str = Field(min_length=1, description="姓名")
    department: Department
    roles: list[Role] = Field(min_length=1)
    level: Level = Level.staff
    phone: str | None = None
    #: Git identities of this person, so commit authors map to the roster.
    git_emails: list[str] = Field(default_factory=list)
    active: bool = True

    def has_role(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)

    def at_least(self, level: Level) -> bool:
        return self.level.rank >= level.rank

    @property
    def display(self) -> str:
        return f"{self.name}({self.id})"
