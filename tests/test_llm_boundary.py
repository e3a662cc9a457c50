"""openai, instructor and tenacity are imported in one place: the package `summarizer.brief.llm`.

Everything else talks to the model through it, so a new SDK version or a change of retry
library touches one package. The check reads every module's imports (module level and inside
functions) with `ast`; a module outside the package that imports one of them fails it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import summarizer

LIBRARIES = ("openai", "instructor", "tenacity")
PACKAGE = Path(summarizer.__file__).parent
INSIDE = PACKAGE / "brief" / "llm"


def importers(root: Path, library: str) -> set[str]:
    """The modules under `root` that import `library` (or one of its submodules)."""
    found: set[str] = set()
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            if any(n == library or n.startswith(library + ".") for n in names):
                found.add(path.relative_to(root).as_posix())
    return found


@pytest.mark.parametrize("library", LIBRARIES)
def test_only_the_llm_package_imports(library: str) -> None:
    inside = importers(INSIDE, library)
    assert inside, f"nothing in brief/llm/ imports {library}: is the check still reading it?"
    outside = {m for m in importers(PACKAGE, library) if not m.startswith("brief/llm/")}
    assert outside == set()


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("import openai\n", True),
        ("def f():\n    from instructor.core import InstructorRetryException\n", True),
        ("from tenacity import Retrying as R\n", True),
        ("import openai_like\nfrom tiktoken_ext import openai_public\n", False),
        ("from . import openai\n", False),  # a sibling module of that name, not the SDK
    ],
)
def test_the_check_sees_an_import(source: str, caught: bool, tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(source, encoding="utf-8")
    found = set().union(*(importers(tmp_path, lib) for lib in LIBRARIES))
    assert found == ({"mod.py"} if caught else set())
