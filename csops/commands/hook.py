from __future__ import annotations

import shlex
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from csops.session import Session

MARKER = "# installed by: csops hook install"


def hook_script() -> str:
    python = shlex.quote(sys.executable)
    return (
        "#!/bin/sh\n"
        f"{MARKER}\n"
        "# Refuses a commit whose staged records break a rule; bypass only with a reviewer's say.\n"
        f'exec {python} -m csops validate --staged "$@"\n'
    )


def install_hook(repo: Path, force: bool = False) -> Path:
    from csops import git

    hooks = git.hooks_dir(repo)
    hooks.mkdir(parents=True, exist_ok=True)
    target = hooks / "pre-commit"
    if target.exists() and MARKER not in target.read_text(errors="replace") and not force:
        raise click.ClickException(f"{target} exists and is not csops's; use --force to replace it")
    target.write_text(hook_script(), encoding="utf-8")
    target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return target


@click.group()
def hook() -> None:
    """Git hook for repositories that do not use the pre-commit framework.

    \b
    Example:
      csops hook install
    """


@hook.command("install")
@click.option("--force", is_flag=True, help="Replace an existing pre-commit hook that csops did not write.")
@click.pass_obj
def hook_install(session: Session, force: bool) -> None:
    """Install a git pre-commit hook that runs `csops validate --staged`.

    \b
    Example:
      csops hook install
      csops hook install --force
    """
    target = install_hook(session.root, force)
    click.echo(f"已安装提交前检查 (pre-commit hook installed): {target}")
