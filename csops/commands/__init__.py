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


def list_format_option(fn: F) -> F:
    """``--format text|json|csv`` on a list command: csv opens in a spreadsheet (one row per record)."""

    def set_format(ctx: click.Context, _: click.Parameter, value: str | None) -> None:
        if value:
            ctx.find_root().obj.format = value

    return click.option(
        "--format", "fmt_local", type=click.Choice(["text", "json", "csv"]), expose_value=False,
        callback=set_format, is_eager=False, help="Output format: text in Chinese (default), json, or csv.",
    )(fn)


def period_options(fn: F) -> F:
    """``--since DAY --until DAY --month YYYY-MM`` on a list: see ``period``."""
    day, month = click.DateTime(formats=["%Y-%m-%d"]), click.DateTime(formats=["%Y-%m"])
    fn = click.option("--month", type=month, help="Only this month (YYYY-MM).")(fn)
    fn = click.option("--until", type=day, help="Up to and including this day (YYYY-MM-DD, office time).")(fn)
    return click.option("--since", type=day, help="From this day (YYYY-MM-DD, office time).")(fn)


def period(tz: Any, since: Any, until: Any, month: Any) -> tuple[Any, Any]:
    """[start, end) in the office's zone ``tz`` from ``period_options`` (None: open on that side)."""
    from datetime import timedelta

    start = since.replace(tzinfo=tz) if since else None
    end = until.replace(tzinfo=tz) + timedelta(days=1) if until else None
    if month is not None:
        first = month.replace(tzinfo=tz)
        following = (first + timedelta(days=32)).replace(day=1)
        start = max(start, first) if start else first
        end = min(end, following) if end else following
    return start, end


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
