"""Exceptions: one base class, subclasses that carry the context needed to act on them.

Every message is one line that says what went wrong and, where we know, what to do. The CLI
prints `str(error)` and exits with `error.exit_code`; nothing here ever holds an API key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from summarizer.brief.grounding import GroundingIssue
    from summarizer.brief.models import Usage


def redact(text: str) -> str:
    """Remove every secret the process knows, and anything that looks like an API key.

    Known secrets are the values registered with `summarizer.secrets.register` (the key from
    the config file or a flag) and those of secret-named environment variables, whatever their
    prefix; servers also echo masked keys ("sk-abc***xyz") in 401 messages.
    """
    from summarizer.secrets import redact as _redact

    return _redact(text)


class SummarizerError(Exception):
    """Base class for every error this package raises on purpose."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        # One line, so a CLI or a log shows it whole; redacted, so it can be logged at all.
        super().__init__(redact(" ".join(str(message).split())))


class InputError(SummarizerError):
    """The input is not something we can brief (empty, binary, too large, not an article)."""

    exit_code = 3

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)


class FetchError(InputError):
    """A URL could not be fetched (network error, timeout, redirect loop, HTTP error)."""

    exit_code = 4


class ConfigError(SummarizerError):
    """The settings do not allow the requested work (e.g. no API key for the LLM engine)."""

    exit_code = 2


class LLMError(SummarizerError):
    """A model call failed; carries what was spent and seen so far."""

    exit_code = 5

    def __init__(
        self,
        message: str,
        *,
        model: str | None = None,
        attempts: int = 0,
        usage: Usage | None = None,
        last_reply: Any = None,
    ) -> None:
        self.model = model
        self.attempts = attempts
        self.usage = usage
        self.last_reply = last_reply
        super().__init__(message)


class APIStatusError(LLMError):
    """The endpoint answered with an error that retrying will not fix (400, 401, 403, 404, ...)."""

    def __init__(self, message: str, *, status_code: int | None = None, **kw: Any) -> None:
        self.status_code = status_code
        super().__init__(message, **kw)


class AuthenticationError(APIStatusError):
    """No key, or the endpoint rejected the key (401/403)."""

    exit_code = 2


class TransientError(LLMError):
    """Rate limits, 5xx, timeouts or dropped connections that outlasted every retry."""


class RefusalError(LLMError):
    """The model refused to answer."""

    def __init__(self, message: str, *, refusal: str | None = None, **kw: Any) -> None:
        self.refusal = refusal
        super().__init__(message, **kw)


class OutputTruncatedError(LLMError):
    """The model kept stopping at its output limit (finish_reason=length)."""


class ReplyValidationError(LLMError):
    """The model's replies never matched the schema, re-asks included."""


class GroundingError(ReplyValidationError):
    """Evidence quotes or parties in the last reply could not be found in the article."""

    def __init__(self, message: str, *, issues: list[GroundingIssue] | None = None, **kw: Any):
        self.issues = issues or []
        super().__init__(message, **kw)


class OutputError(ConfigError):
    """An output file cannot be written (read-only place, a folder, disk full); names the path."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class StoreError(SummarizerError):
    """The store cannot be used: truncated, not a database, or a write failed (disk full, I/O).

    The message names the file. Exit code 2, like a setting that points at the wrong place:
    nothing is retried, and what was committed before stays.
    """

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None) -> None:
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class StoreLocked(SummarizerError):
    """Another process holds the store's lock (a digest run)."""

    exit_code = 8


class BudgetExceeded(SummarizerError):
    """A cost cap was reached before this work started."""

    exit_code = 6
