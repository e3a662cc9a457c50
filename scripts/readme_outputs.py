"""Rerun every command the README shows and paste its real output under it.

A block in README.md written as

    <!-- output: summarizer brief ../shared/seeds/000_9423660f65a83069.txt -->
    ```console
    (anything)
    ```

is replaced by `$ <command>` and what the command printed (stdout and stderr as they came, and
`[exit N]` when N is not 0; several commands may share a block, separated by ` ;; `), run from
the repository root with no key, no base URL and a fresh data and config directory shared by
all the README's commands in order (so a second `digest` finds the first one's store).
`--check` changes nothing and exits 1 if a block is out of date (only `--help` blocks are
compared there: other outputs hold dates and timings).

    python scripts/readme_outputs.py [--check]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BLOCK = re.compile(r"<!-- output: (?P<cmd>.+?) -->\n```(?P<lang>\w*)\n(?P<body>.*?)```", re.S)


def environment(home: str) -> dict[str, str]:
    """A fresh machine's environment: no key, no endpoint, empty data and config dirs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    env["SUMMARIZER_DATA_DIR"] = str(Path(home) / "data")
    env["SUMMARIZER_CONFIG_DIR"] = str(Path(home) / "config")
    env["COLUMNS"] = "80"
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    return env


def run(command: str, env: dict[str, str]) -> str:
    """What `command` prints, as a reader at a terminal would see it, and its exit status."""
    proc = subprocess.run(
        command,
        shell=True,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )
    out = proc.stdout
    if out and not out.endswith("\n"):
        out += "\n"
    status = f"[exit {proc.returncode}]\n" if proc.returncode else ""
    return f"$ {command}\n{out}{status}"


def blocks(text: str, env: dict[str, str], only_help: bool) -> list[tuple[re.Match[str], str]]:
    """Each output block with its fresh output (all commands run, in order)."""
    out = []
    for m in BLOCK.finditer(text):
        output = "".join(run(cmd, env) for cmd in m.group("cmd").split(" ;; "))
        if only_help and "--help" not in m.group("cmd"):
            continue
        out.append((m, output))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check the --help blocks")
    args = ap.parse_args()
    text = README.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as home:
        env = environment(home)
        found = blocks(text, env, only_help=args.check)
    if args.check:
        stale = [m.group("cmd") for m, output in found if m.group("body") != output]
        for cmd in stale:
            print(f"README is out of date for: {cmd}", file=sys.stderr)
        sys.exit(1 if stale else 0)
    for m, output in reversed(found):
        start, end = m.span("body")
        text = text[:start] + output + text[end:]
    README.write_text(text, encoding="utf-8")
    print(f"updated {len(found)} block(s) in {README.name}")


if __name__ == "__main__":
    main()
