from __future__ import annotations

import json
import sys
from pathlib import Path

import click


def schema_texts() -> dict[str, str]:
    """JSON Schema of every record kind, generated from the models."""
    from csops.models import kinds

    texts = {}
    for name, model in sorted(kinds().items()):
        schema = model.model_json_schema(mode="validation")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"{name}.schema.json"
        texts[f"{name}.schema.json"] = json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return texts


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_texts().items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def stale_schemas(folder: Path) -> list[str]:
    stale = []
    for name, text in schema_texts().items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    return stale


@click.command()
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("schemas"),
              show_default=True, help="Folder to write the schemas into.")
@click.option("--check", is_flag=True, help="Exit 1 if the schemas in --out are missing or stale.")
def schemas(out: Path, check: bool) -> None:
    """Generate JSON Schema for every record kind from the models (editors validate while typing).

    \b
    Example:
      csops schemas --out schemas
      csops schemas --check
    """
    if check:
        stale = stale_schemas(out)
        for name in stale:
            click.echo(f"stale: {out / name} (run: make schemas)")
        sys.exit(1 if stale else 0)
    for path in write_schemas(out):
        click.echo(f"wrote {path}")
