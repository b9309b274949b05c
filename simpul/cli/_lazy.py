"""A root command group whose sub-commands are imported only when one of them runs.

``simpul inventory --json`` should cost Python, typer and the inventory path, not nornir, napalm,
jinja, the diagram reader and every other area's imports (~0.5 s of start-up here). The root group
knows each command by name, a loader (a function that imports the command's module and returns its
typer app or command function) and its one-line help, so ``simpul --help`` lists every command
without importing any of them; ``simpul lan ...`` imports the LAN commands alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any, ClassVar

import typer
import typer._click as click
from typer.core import TyperCommand, TyperGroup
from typer.main import get_command_from_info, get_group_from_info
from typer.models import CommandInfo, TyperInfo


@dataclass(frozen=True)
class Lazy:
    """One command of the root group: ``load()`` returns a ``typer.Typer`` (a command group) or a
    command function; ``help`` is its one-line help, shown by ``simpul --help`` (a test holds it to
    the loaded command's own help)."""

    load: Callable[[], typer.Typer | Callable[..., Any]]
    help: str


class LazyGroup(TyperGroup):
    """A ``TyperGroup`` whose commands come from ``lazy``: built on first use, then kept."""

    lazy: ClassVar[dict[str, Lazy]] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._listing = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*self.lazy, *(name for name in super().list_commands(ctx) if name not in self.lazy)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = self.lazy.get(cmd_name)
        if entry is None or cmd_name in self.commands:
            return super().get_command(ctx, cmd_name)
        if self._listing:  # the root's help: name and one line, nothing imported
            return TyperCommand(name=cmd_name, help=entry.help, rich_markup_mode=self.rich_markup_mode)
        command = self._build(cmd_name, entry.load())
        self.commands[cmd_name] = command
        return command

    def _build(self, name: str, target: typer.Typer | Callable[..., Any]) -> click.Command:
        """The click command typer would have built had ``target`` been mounted eagerly with
        ``app.add_typer(target, name=name)`` or ``app.command(name=name)(target)``."""
        if isinstance(target, typer.Typer):
            return get_group_from_info(
                TyperInfo(target, name=name),
                pretty_exceptions_short=True,
                rich_markup_mode=self.rich_markup_mode,
                suggest_commands=self.suggest_commands,
            )
        return get_command_from_info(
            CommandInfo(name=name, callback=target),
            pretty_exceptions_short=True,
            rich_markup_mode=self.rich_markup_mode,
        )

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """As typer's, whose "Did you mean ...?" looks only at commands already built."""
        try:
            return self._click_resolve_command(ctx, args)
        except click.exceptions.UsageError as exc:
            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if self.suggest_commands and matches:
                exc.message = f"{exc.message.rstrip('.')}. Did you mean {', '.join(map(repr, matches))}?"
            raise

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False
