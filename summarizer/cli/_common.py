"""What every subcommand shares: one-line errors with documented exit codes, stderr status."""

from __future__ import annotations

import functools
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CODES = """Exit codes: 0 ok; 1 unexpected error; 2 configuration or authentication
(no key, key rejected), or the store or an output cannot be used; 3 bad input (empty, binary,
too large, undecodable, not an article);
4 fetching a URL failed; 5 the model failed (refusal, truncation, ungrounded after re-asks,
retries exhausted); 6 cost cap reached; 7 some sources of a digest failed; 8 another digest run
holds the lock."""


def fail(message: str, code: int) -> None:
    """Print one error line on stderr and exit with `code`."""
    click.echo(f"summarizer: error: {message}", err=True)
    raise SystemExit(code)


def handle_errors(fn: F) -> F:
    """Turn our errors into one line and an exit code; anything else into one line and 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from summarizer.errors import SummarizerError, redact

        verbose = bool(kwargs.get("verbose"))
        try:
            return fn(*args, **kwargs)
        except SummarizerError as exc:
            fail(str(exc), exc.exit_code)
        except BrokenPipeError:
            raise  # the reader went away (`| head`): LazyGroup exits quietly
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except (click.ClickException, click.exceptions.Exit, SystemExit):
            raise
        except Exception as exc:
            if verbose:
                import traceback

                traceback.print_exc()
            fail(redact(f"unexpected {type(exc).__name__}: {exc}"), 1)

    return wrapper  # type: ignore[return-value]


def exit_on_broken_pipe() -> None:
    """Exit quietly because stdout's reader is gone (`summarizer config | head -1`).

    Like a tool killed by SIGPIPE: no message, status 141. stdout is pointed at /dev/null first
    so that flushing it at exit cannot raise a second time.
    """
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # stdout has no file descriptor (a test runner's buffer): nothing to flush later
    raise SystemExit(141)


@contextmanager
def status(message: str, *, enabled: bool) -> Iterator[None]:
    """A spinner on stderr after one second of work, only when stderr is a terminal."""
    if not enabled or not sys.stderr.isatty():
        yield
        return
    done = threading.Event()

    def spin() -> None:
        if done.wait(1.0):
            return
        frames = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
        i = 0
        start = time.monotonic()
        while not done.wait(0.1):
            sys.stderr.write(
                f"\r{frames[i % len(frames)]} {message} {time.monotonic() - start:.0f}s"
            )
            sys.stderr.flush()
            i += 1
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()

    thread = threading.Thread(target=spin, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
