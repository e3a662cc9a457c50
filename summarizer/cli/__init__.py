"""The `summarizer` command. Subcommands live in their own modules and load only when used.

Keeping imports lazy is what makes `summarizer --help` fast: nothing here imports openai.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

# name -> "module:attribute"; each module owns its commands and only parses, calls the
# library and prints.
COMMANDS: dict[str, str] = {
    "brief": "summarizer.cli.brief:brief",
    "schema": "summarizer.cli.brief:schema",
    "config": "summarizer.cli.brief:config",
    "digest": "summarizer.cli.digest:digest",
    "history": "summarizer.cli.digest:history",
    "show": "summarizer.cli.digest:show",
    "schedule": "summarizer.cli.digest:schedule",
    "eval": "summarizer.cli.eval:eval_command",
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when that command is needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attr = target.split(":")
        cmd: Any = getattr(importlib.import_module(module), attr)
        return cmd  # type: ignore[no-any-return]


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="summarizer")
def main() -> None:
    """Turn news articles into structured, evidence-grounded briefs and digests.

    Every fact and position in a brief carries a verbatim quote from the article, checked in
    code. Without an API key the offline engine is used.
    """
