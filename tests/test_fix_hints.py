"""Every fix hint that names a csops command names one that exists, with options it has (issue 14:
`handover sign` once hinted `--check`, which it did not take; only a hand edit got past).

The hints are read from the source of the rules and the commands (string constants and f-strings,
their placeholders standing for values), every ``csops <command> ...`` in them is resolved through
the real CLI, and each ``--option`` written after it must be one of that command's options.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import click
import pytest

from csops.cli import cli

PACKAGE = Path(__file__).resolve().parents[1] / "csops"
SOURCES = sorted([*(PACKAGE / "rules").glob("*.py"), *(PACKAGE / "commands").glob("*.py"),
                  PACKAGE / "session.py", PACKAGE / "checker.py", PACKAGE / "writer.py"])

#: "csops" followed by a word that is prose, not a command.
PROSE = {"did", "maintainers", "write", "allocates", "commits", "version", "signs", "is", "keeps", "reads", "runs",
         "does", "checks", "records", "refuses", "never", "itself", "knows", "can", "will", "has", "command",
         "commands"}

COMMAND = re.compile(r"\bcsops ((?:--[a-z-]+ \S+ )*)([a-z][a-z-]*)((?: [a-z][a-z-]*)?)((?:(?!csops )[^;)。，,|`'\"])*)")


def _text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "X" for v in node.values)
    return None


def _strings() -> list[tuple[str, int, str]]:
    found = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module))
                      and n.body and isinstance(n.body[0], ast.Expr)}
        for node in ast.walk(tree):
            text = _text(node)
            if text and "csops " in text and id(node) not in docstrings:
                found.append((path.relative_to(PACKAGE.parent).as_posix(), getattr(node, "lineno", 0), text))
    return found


def _hints() -> list[tuple[str, str, str, list[str]]]:
    """(where, command path, the hint's text, its --options) of every ``csops ...`` in a hint."""
    out = []
    for rel, line, text in _strings():
        for match in COMMAND.finditer(text):
            first, second = match.group(2), match.group(3).strip()
            rest = match.group(4)  # up to the next command the hint names
            if first in PROSE:
                continue
            options = re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", rest)
            out.append((f"{rel}:{line}", f"{first} {second}".strip(), match.group(0), options))
    return out


def _resolve(path: str) -> click.Command | None:
    """The command ``path`` names; a second word that is no subcommand is an argument of the first."""
    ctx = click.Context(cli)
    words = path.split()
    command: click.Command | None = cli.get_command(ctx, words[0])
    if isinstance(command, click.Group) and len(words) > 1:
        sub = command.get_command(ctx, words[1])
        return sub if sub is not None else (None if not command.invoke_without_command else command)
    return command


HINTS = _hints()


def test_the_hints_are_found() -> None:
    paths = {path for _, path, _, _ in HINTS}
    assert len(HINTS) > 50 and {"handover check", "key show", "roster new"} <= paths


@pytest.mark.parametrize(("where", "path", "text", "options"), HINTS, ids=[f"{w} {p}" for w, p, _, _ in HINTS])
def test_a_hint_names_a_command_that_exists_with_its_options(where: str, path: str, text: str,
                                                             options: list[str]) -> None:
    command = _resolve(path)
    assert command is not None, f"{where}: `{text}` names no csops command"
    known = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    known |= {opt for param in cli.params for opt in param.opts}  # global options may follow `csops`
    unknown = [o for o in options if o not in known]
    assert not unknown, f"{where}: `{text}`: csops {path} has no {unknown}"


def _rule_hints() -> list[tuple[str, str]]:
    """(where, text) of the hint of every ``Problem(...)`` the rules make."""
    out = []
    for path in sorted((PACKAGE / "rules").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Problem"):
                continue
            hint = node.args[2] if len(node.args) > 2 else next((k.value for k in node.keywords if k.arg == "hint"), None)
            text = _text(hint) if hint is not None else None
            if text is not None:
                out.append((f"{path.relative_to(PACKAGE.parent).as_posix()}:{node.lineno}", text))
    return out


#: The command groups a rules module's findings come through (its family's commands).
FAMILIES = {"keys": ("key",), "hazmat": ("hazmat", "key"), "handovers": ("handover", "duty", "roster", "swap"),
            "tickets": ("ticket",), "meetings": ("meeting",), "store": ()}


def _family_options(groups: tuple[str, ...]) -> set[str]:
    ctx = click.Context(cli)
    found: set[str] = set()
    for name in groups:
        group = cli.get_command(ctx, name)
        commands = [group.get_command(ctx, sub) for sub in group.list_commands(ctx)] \
            if isinstance(group, click.Group) else [group]
        for command in commands:
            if command is not None:
                found |= {opt for param in command.params for opt in param.opts}
    return found


def test_a_hint_of_bare_options_names_options_its_family_s_commands_have() -> None:
    """A hint of options alone (``--permitted-by 批准人工号``) is shown on the refusal of the command
    that made the change; each option must be one that command's family has (not ``--check`` on a
    command that never took it)."""
    hints = _rule_hints()
    assert len(hints) > 100
    wrong = []
    for where, text in hints:
        if not text.lstrip().startswith("--"):
            continue
        module = Path(where.split(":")[0]).stem
        known = _family_options(FAMILIES[module])
        wrong += [(where, o) for o in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", text) if o not in known]
    assert not wrong, wrong
