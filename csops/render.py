"""Printable forms with Jinja.

Templates are looked up first in the records repository's own ``templates/`` (an office can adapt
its forms by commit), then in csops's ``templates/``. ``forms/<kind>.html.j2`` is used when it
exists, else the generic ``forms/record.html.j2`` that prints any record's fields and history.
Reports (``reports/<name>``, e.g. the monthly summary) are looked up the same way.
Imported only by the commands that render.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
from pydantic import BaseModel

from csops.context import Context
from csops.labels import zh
from csops.models.common import Record
from csops.privacy import mask_numbers_in

BUNDLED = Path(__file__).resolve().parents[1] / "templates"


def environment(ctx: Context) -> jinja2.Environment:
    folders = [p for p in ((ctx.root / "templates") if ctx.root else None, BUNDLED) if p is not None and p.is_dir()]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in folders]),
        # HTML is escaped; Markdown (reports/*.md.j2) is not.
        autoescape=jinja2.select_autoescape(["html", "html.j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def when(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
        if isinstance(value, str):
            try:
                return ctx.when(value, fmt)
            except ValueError:
                return value
        if isinstance(value, datetime):
            return ctx.when(value, fmt)
        if isinstance(value, date):
            return value.isoformat()
        return "" if value is None else str(value)

    def pct(value: float | None, digits: int = 1) -> str:
        return "—" if value is None else f"{value:.{digits}%}"

    env.filters["zh"] = zh
    env.filters["when"] = when
    env.filters["pct"] = pct
    env.filters["num"] = lambda value: "—" if value is None else f"{value:g}"
    env.filters["person"] = ctx.name
    env.filters["office"] = ctx.label
    env.globals["label"] = label
    return env


def label(name: str) -> str:
    """Chinese heading for a field name (the identifier itself when none is known)."""
    return zh(name)


def template_for(env: jinja2.Environment, kind: str) -> jinja2.Template:
    return env.select_template([f"forms/{kind}.html.j2", "forms/record.html.j2"])


def plain(value: Any) -> Any:
    """Models as mappings of their set fields, keeping enum members so labels print in Chinese."""
    if isinstance(value, BaseModel):
        return {name: plain(getattr(value, name)) for name in type(value).model_fields
                if getattr(value, name) is not None}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(getattr(k, "value", k)): plain(v) for k, v in value.items()}
    return value


def render_form(record: Record, ctx: Context) -> str:
    env = environment(ctx)
    data = plain(record)
    events = data.pop("events", [])
    # Masked here as well as on stdout: a form written with --out is a file staff print and hand out.
    loaded = ctx.file_of(record)
    origin = None
    if loaded is not None and loaded.blob:
        from csops.provenance import of_file

        origin = of_file(ctx.root, record.id, loaded.rel, loaded.blob)
    return mask_numbers_in(template_for(env, record.KIND).render(
        record=record, data=data, events=events, office=ctx.policy.office, kind=record.KIND,
        now=ctx.now, ctx=ctx, provenance=origin,
    ))


def render_report(ctx: Context, template: str, report: dict[str, Any]) -> str:
    """``reports/<template>`` (the office's own first) rendered with the report's data."""
    return mask_numbers_in(environment(ctx).get_template(f"reports/{template}").render(
        report=report, office=ctx.policy.office, now=ctx.now))
