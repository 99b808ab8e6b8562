"""One module per command group. Each parses options, calls the domain through a Session and exits
with a code: 0 clean, 1 findings or a refused change, 2 usage, 3 internal failure."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from csops.context import Context
    from csops.models.common import Record

F = TypeVar("F", bound=Callable[..., Any])
R = TypeVar("R", bound="Record")


def format_option(fn: F) -> F:
    """``--format text|json`` on the command itself (the global option works too)."""

    def set_format(ctx: click.Context, _: click.Parameter, value: str | None) -> None:
        if value:
            ctx.find_root().obj.format = value

    return click.option(
        "--format", "fmt_local", type=click.Choice(["text", "json"]), expose_value=False,
        callback=set_format, is_eager=False, help="Output format (text in Chinese by default, or json).",
    )(fn)


def at_option(fn: F) -> F:
    """``--at TIME``: when the event happened (default: now)."""
    from csops.cli import INSTANT

    return click.option("--at", "at", type=INSTANT, default=None,
                        help="When it happened, with UTC offset (default: now).")(fn)


def interactive() -> bool:
    """Whether a person is at a terminal to answer prompts."""
    import sys

    return sys.stdin.isatty()


def need(value: Any, option: str, label: str) -> Any:
    """A required option's value: prompted for on a terminal, a usage error (exit 2) otherwise."""
    if value not in (None, "", ()):
        return value
    if interactive():
        return click.prompt(f"{label} ({option})")
    raise click.UsageError(f"missing {option} ({label}); it is asked for only on a terminal")


def refuse(rule: str, message: str, hint: str | None = None) -> click.ClickException:
    """A refusal naming the rule, for checks a command makes before building the record."""
    from csops.rules import Problem
    from csops.session import Refused

    return Refused([Problem(message, hint=hint, rule=rule)])


def find_record(ctx: Context, model: type[R], record_id: str, listing: str, what: str | None = None) -> R:
    """The ``model`` record ``record_id``, else a usage error naming the listing command.

    When the file behind that id exists but cannot be loaded, the error says so and how to see why,
    rather than claiming there is no such record.
    """
    record = ctx.get(model.KIND, record_id)
    if not isinstance(record, model):
        raise click.UsageError(f"no {what or model.KIND} {record_id} ({listing}){ctx.why_missing(record_id, model.KIND)}")
    return record
