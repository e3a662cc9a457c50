"""instructor is a range, not a pin: the patch that skips its async-validator walk for our one
reply model applies where instructor has the function, and changes nothing where it has not.

Checked by hand against both ends of the range (instructor 1.15.4 and 1.17.0, the newest on the
index; 1.15.4 and 1.16.0 lack the function, so the patch falls back there): the LLM, cassette,
reliability and digest tests pass with each. 1.15.0 and 1.14.5 hand transport errors to us
wrapped differently (re-asked, not re-raised), so the range starts at 1.15.4.
"""

from __future__ import annotations

import sys
import tomllib
import types
from importlib.metadata import version
from typing import Any

import pytest
from packaging.requirements import Requirement
from pydantic import BaseModel

from tests.conftest import ROOT


def _instructor_requirement() -> Requirement:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["dependencies"]
    (req,) = [Requirement(d) for d in deps if Requirement(d).name == "instructor"]
    return req


def test_instructor_is_a_compatible_range_that_holds_the_installed_version() -> None:
    spec = _instructor_requirement().specifier
    assert not any(s.operator == "==" for s in spec), "a library must not pin exactly"
    assert {s.operator for s in spec} == {">=", "<"}
    assert spec.contains(version("instructor"))
    assert spec.contains("1.15.4") and spec.contains("1.17.0")
    assert not spec.contains("1.15.0") and not spec.contains("2.0.0")


def test_patch_applies_where_instructor_has_the_check() -> None:
    from summarizer.brief import llm

    av = pytest.importorskip("instructor.v2.validation.async_validators")
    check = getattr(av, "reject_async_validators", None)
    if check is None:
        pytest.skip("this instructor has no reject_async_validators: nothing is patched")
    assert getattr(check, "_summarizer_wrapped", False)
    check(llm._REPLY_TOOL)  # skipped for our reply model

    class WithAsyncValidator(BaseModel):
        text: str

        @av.async_field_validator("text")
        async def slow(self, v: str) -> None:  # pragma: no cover - never awaited
            return None

    with pytest.raises(Exception, match=r"(?i)async"):
        check(WithAsyncValidator)  # every other model is still checked


@pytest.mark.parametrize(
    "layout",
    [None, types.ModuleType("instructor.v2.validation.async_validators")],
    ids=["module-missing", "function-missing"],
)
def test_patch_falls_back_cleanly_on_another_layout(
    layout: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from summarizer.brief import llm

    validation = pytest.importorskip("instructor.v2.validation")
    name = "instructor.v2.validation.async_validators"
    # None in sys.modules makes the import fail, as on an instructor without the v2 package.
    monkeypatch.setitem(sys.modules, name, layout)
    if layout is None:
        monkeypatch.delattr(validation, "async_validators", raising=False)
    else:
        monkeypatch.setattr(validation, "async_validators", layout, raising=False)
    llm._skip_known_async_check()  # no error, nothing patched
    if layout is not None:
        assert not hasattr(layout, "reject_async_validators")
