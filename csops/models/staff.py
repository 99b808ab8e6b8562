"""The staff roster: one file per member of staff, ``records/staff/<工号>.yaml``."""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import Field

from csops.models.common import Department, Level, Record, Role

T = TypeVar("T")


#: An OpenSSH public key line: type, base64 body, optional comment.
SigningKey = Annotated[str, Field(pattern=r"^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+=*( .*)?$")]


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
    #: SSH public keys this person signs commits with (``ssh-ed25519 AAAA...``): ``csops audit
    #: --require-signed`` builds git's allowed-signers list from them. Old keys stay listed so that
    #: commits signed before a key change still verify.
    signing_keys: list[SigningKey] = Field(default_factory=list)
    active: bool = True

    def has_role(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)

    def at_least(self, level: Level) -> bool:
        return self.level.rank >= level.rank

    @property
    def display(self) -> str:
        return f"{self.name}({self.id})"


# -- folds computed once per record -------------------------------------------------------------
# (Shared by the evented families; it belongs in models/common.py, which this change does not own.)

_FOLDS: dict[tuple[int, str], tuple[weakref.ref[Any], list[Any], int, Any, Any]] = {}


def _forget(key: tuple[int, str], ref: weakref.ref[Any]) -> None:
    hit = _FOLDS.get(key)
    if hit is not None and hit[0] is ref:
        del _FOLDS[key]


def once_per_events(method: Callable[[Any], T]) -> Callable[[Any], T]:
    """Cache a fold of ``self.events`` for as long as the record and its events are the same.

    The cache lives outside the model (keyed by the record's identity, dropped when the record is
    garbage collected), so equality, ``model_dump``, pickling and ``model_copy`` never see it. A new
    version of a record (``model_copy(update=...)``, ``model_validate``, as every command builds one)
    is a new object and folds afresh; an events list replaced or appended to in place (a different
    list, length or last event) is folded again too.
    """
    name = method.__qualname__

    @functools.wraps(method)
    def cached(self: Any) -> T:
        events = self.__dict__.get("events") or []
        key = (id(self), name)
        last = events[-1] if events else None
        hit = _FOLDS.get(key)
        if hit is not None and hit[0]() is self and hit[1] is events and hit[2] == len(events) and hit[3] is last:
            return hit[4]  # type: ignore[no-any-return,unused-ignore]
        value = method(self)
        _FOLDS[key] = (weakref.ref(self, functools.partial(_forget, key)), events, len(events), last, value)
        return value

    return cached
