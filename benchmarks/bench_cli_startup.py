"""Cold start of the command as whole processes: `--help` and an offline brief of the seed.

Each command runs `--runs` times as a fresh process (after two warm-up runs, so the figures are
for a warm page cache, as a user's second call is). In the same run, for scale: the bare
interpreter (`python -c pass`) and `import openai` alone, the import `--help` must not pay.

    python benchmarks/bench_cli_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import SEED, ms_stats, print_machine


def command_prefix() -> list[str]:
    """The installed console script if there is one beside this interpreter, else `-m`."""
    script = Path(sys.executable).with_name("summarizer")
    if script.exists():
        return [str(script)]
    found = shutil.which("summarizer")
    return [found] if found else [sys.executable, "-m", "summarizer"]


def time_process(cmd: list[str], runs: int, env: dict[str, str]) -> list[float]:
    """Wall seconds of `runs` fresh processes running `cmd` (output discarded)."""
    for _ in range(2):
        subprocess.run(cmd, env=env, capture_output=True, check=True)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True, check=True)
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print_machine()
    if not SEED.exists():
        sys.exit(f"the seed article is missing: {SEED}")
    with tempfile.TemporaryDirectory() as home:
        # No key, no config: the offline engine, as on a fresh machine.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
        env["SUMMARIZER_CONFIG_DIR"] = home
        env["SUMMARIZER_DATA_DIR"] = home
        cli = command_prefix()
        rows = [
            ("python -c pass (interpreter floor)", [sys.executable, "-c", "pass"]),
            ("python -c 'import openai' (for scale)", [sys.executable, "-c", "import openai"]),
            ("summarizer --help", [*cli, "--help"]),
            ("summarizer brief --help", [*cli, "brief", "--help"]),
            (
                "summarizer brief SEED --engine offline --format json",
                [*cli, "brief", str(SEED), "--engine", "offline", "--format", "json"],
            ),
        ]
        results = []
        for label, cmd in rows:
            med, p95 = ms_stats(time_process(cmd, args.runs, env))
            results.append((label, med, p95))
    floor = results[0][1]
    print(f"\n{args.runs} runs each; ms")
    print("| command | median ms | p95 ms | minus interpreter ms |")
    print("| --- | ---: | ---: | ---: |")
    for label, med, p95 in results:
        print(f"| {label} | {med:.0f} | {p95:.0f} | {med - floor:.0f} |")
    help_ms = results[2][1]
    verdict = "met" if help_ms < 500 else "NOT met"
    print(f"\nGoal (`summarizer --help` well under 500 ms): {verdict}, {help_ms:.0f} ms median")


if __name__ == "__main__":
    main()
