"""Writing outputs so that a crash or a kill never leaves half a file behind.

An output gets the mode a plain `open()` would give it: an existing file keeps its own, a new
one gets 0666 less the umask (temp files are 0600 while being written). Bidi controls are taken
out of every output (`summarizer.brief.render.strip_bidi`), and so is every key the process knows
(`summarizer.secrets`). A path that cannot be written is one
`OutputError` naming it, and `check_writable` says so before any work (or money) is spent.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from summarizer.errors import OutputError


def current_umask() -> int:
    """The process's umask, read without changing it (Linux: /proc; else set and restore)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _target(path: str | Path) -> Path:
    """Where the bytes go: through a symlink to its file, so the link stays a link."""
    target = Path(path)
    return target.resolve() if target.is_symlink() else target


def _temp_prefix(target: Path) -> str:
    # The writer's pid in the name: a later run can tell a dead writer's leftover (a kill -9
    # between the temp file and the rename) from a live writer's file.
    return f".{target.name}.{os.getpid()}."


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # someone else's process, or cannot tell: leave its file alone
    return True


def clear_stale_temps(target: Path) -> list[Path]:
    """Remove `target`'s temp files (`.NAME.PID.*.tmp` / `.check`) whose writer is dead."""
    import glob

    removed = []
    for p in target.parent.glob(f".{glob.escape(target.name)}.*"):
        rest = p.name[len(target.name) + 2 :]
        pid, _, _ = rest.partition(".")
        if p.suffix not in (".tmp", ".check") or not pid.isdigit() or _alive(int(pid)):
            continue
        try:
            p.unlink()
            removed.append(p)
        except OSError:
            pass
    return removed


def check_writable(path: str | Path) -> Path:
    """Raise `OutputError` unless `path` can be written (its folder is made if missing).

    Call it before the first paid call: a digest that would fail to write its output fails
    here instead, having spent nothing. A temp file is created and removed in the folder, the
    only test that is right for read-only mounts, ACLs and root alike.
    """
    target = _target(path)
    if target.is_dir():
        raise OutputError("is a folder, not a file", path=str(path))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=".check", dir=target.parent)
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise OutputError(f"cannot write here: {exc.strerror or exc}", path=str(path)) from None
    clear_stale_temps(target)  # what a killed run left
    return target


def write_atomic(path: str | Path, text: str) -> Path:
    """Write `text` to `path` via a temp file in the same directory and an atomic rename."""
    from summarizer.brief.render import strip_bidi
    from summarizer.secrets import redact_known

    target = _target(path)
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~current_umask()
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", path=str(path)) from None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", path=str(path)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(redact_known(strip_bidi(text)))
            fh.flush()
            os.fchmod(fh.fileno(), mode)
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write: {exc.strerror or exc}", path=str(path)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    clear_stale_temps(target)
    return target
