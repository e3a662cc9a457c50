"""The `summarizer` command. Subcommands live in their own modules and load only when used.

Keeping imports lazy is what makes `summarizer --help` fast: nothing here imports openai.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

# name -> ("module:attribute", one-line help). Each module owns its commands and only parses,
# calls the library and prints. The help line lives here so `--help` imports none of them.
COMMANDS: dict[str, tuple[str, str]] = {
    "brief": ("summarizer.cli.brief:brief", "Brief one article from a file, stdin or URL."),
    "schema": ("summarizer.cli.brief:schema", "Print the JSON Schema of a brief."),
    "config": ("summarizer.cli.brief:config", "Show the effective settings and their sources."),
    "digest": ("summarizer.cli.digest:digest", "Brief many sources and write one digest."),
    "history": ("summarizer.cli.digest:history", "List past digest runs."),
    "logs": ("summarizer.cli.logs:logs", "List recent model calls: tokens, cost, outcome."),
    "show": ("summarizer.cli.digest:show", "Show one run or brief from the store."),
    "schedule": ("summarizer.cli.digest:schedule", "Run digests on a cron schedule."),
    "eval": ("summarizer.cli.eval:eval_command", "Measure brief quality against gold briefs."),
    "worker": ("summarizer.cli.worker:worker", "Take briefing jobs from a PostgreSQL queue."),
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when that command is needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module, attr = entry[0].split(":")
        cmd: Any = getattr(importlib.import_module(module), attr)
        return cmd

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            from summarizer.cli._common import exit_on_broken_pipe

            exit_on_broken_pipe()

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="summarizer")
def main() -> None:
    """Turn news articles into structured, evidence-grounded briefs and digests.

    Every fact and position in a brief carries a verbatim quote from the article, checked in
    code. Without an API key the offline engine is used.
    """
