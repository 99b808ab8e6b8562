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


#: The hooks csops installs and what each refuses. git runs no pre-commit hook on a merge, so a
#: merge result (what the events driver joined) is checked by pre-merge-commit, from the index too.
HOOKS: dict[str, str] = {
    "pre-commit": "a commit whose staged records break a rule",
    "pre-merge-commit": "a merge whose result (in the index) breaks a rule",
}
#: The merge driver's name in .gitattributes and git config (merge.<name>.driver).
DRIVER = "csops-events"
#: .gitattributes lines: records merge by their events; policy and staff, which have no events,
#: keep git's own line merge (the driver would only hand them back to it).
ATTRIBUTES = (
    f"records/**/*.yaml merge={DRIVER}",
    "records/policy.yaml merge=text",
    "records/staff/*.yaml merge=text",
)


def hook_script(name: str = "pre-commit") -> str:
    python = shlex.quote(sys.executable)
    return (
        "#!/bin/sh\n"
        f"{MARKER}\n"
        f"# Refuses {HOOKS[name]}; bypass only with a reviewer's say.\n"
        f'exec {python} -m csops validate --staged "$@"\n'
    )


def install_hook(repo: Path, force: bool = False) -> list[Path]:
    """Install every hook of HOOKS; a hook csops did not write is replaced only with ``force``
    (checked for all before any is written, so nothing is half installed)."""
    from csops import git

    hooks = git.hooks_dir(repo)
    targets = [hooks / name for name in HOOKS]
    for target in targets:
        if target.exists() and MARKER not in target.read_text(errors="replace") and not force:
            raise click.ClickException(f"{target} exists and is not csops's; use --force to replace it")
    hooks.mkdir(parents=True, exist_ok=True)
    for target in targets:
        target.write_text(hook_script(target.name), encoding="utf-8")
        target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return targets


def driver_command() -> str:
    """How git runs the events driver: this csops's own interpreter, wherever git is called from."""
    return f"{shlex.quote(sys.executable)} -m csops merge-driver %O %A %B %P"


def install_merge_driver(repo: Path) -> bool:
    """Configure the events driver in this clone (git config is not cloned) and make sure
    .gitattributes names it; True when .gitattributes had to change (then it wants committing)."""
    from csops import git

    git.set_config(repo, f"merge.{DRIVER}.name", "csops: join both sides' events of a record")
    git.set_config(repo, f"merge.{DRIVER}.driver", driver_command())
    return write_attributes(repo)


def write_attributes(repo: Path) -> bool:
    """Add the missing ATTRIBUTES lines to ``repo``/.gitattributes, keeping what is there."""
    path = repo / ".gitattributes"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    missing = [line for line in ATTRIBUTES if line not in text.splitlines()]
    if not missing:
        return False
    if text and not text.endswith("\n"):
        text += "\n"
    header = "" if text else "# csops: records merge by their events (csops merge-driver, see README)\n"
    path.write_text(text + header + "".join(f"{line}\n" for line in missing), encoding="utf-8")
    return True


@click.group()
def hook() -> None:
    """Git hook for repositories that do not use the pre-commit framework.

    \b
    Example:
      csops hook install
    """


@hook.command("install")
@click.option("--force", is_flag=True, help="Replace existing pre-commit/pre-merge-commit hooks that csops did not write.")
@click.pass_obj
def hook_install(session: Session, force: bool) -> None:
    """Install git hooks that run `csops validate --staged` and the events merge driver.

    安装提交前 (pre-commit) 与合并提交前 (pre-merge-commit) 检查, 并配置事件合并驱动
    (merge.csops-events, .gitattributes): 两个工作台对同一记录追加的事件在 git pull 时自动合并。
    git config 不随仓库克隆, 每个克隆都要运行一次。

    \b
    Example:
      csops hook install
      csops hook install --force
    """
    for target in install_hook(session.root, force):
        click.echo(f"已安装检查 ({target.name} hook installed): {target}")
    changed = install_merge_driver(session.root)
    click.echo(f"已配置事件合并驱动 (merge driver configured): merge.{DRIVER}.driver")
    if changed:
        click.echo("  .gitattributes 已更新, 请提交 (commit it): git add .gitattributes && git commit -m 合并驱动")
