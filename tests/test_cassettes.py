"""Cassettes stay honest: no key-like strings, and each one is declared authored or recorded."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.conftest import CASSETTES

ALL = sorted(CASSETTES.rglob("*.yaml"))


@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
def test_cassette_holds_no_key(path: object) -> None:
    text = path.read_text(encoding="utf-8")  # type: ignore[attr-defined]
    assert "sk-" not in text
    for interaction in yaml.safe_load(text)["interactions"]:
        headers = {k.lower(): v for k, v in interaction["request"]["headers"].items()}
        assert headers.get("authorization", ["REDACTED"]) == ["REDACTED"]
        assert "cookie" not in headers and "openai-organization" not in headers
        response = {k.lower() for k in interaction["response"]["headers"]}
        assert not response & {"set-cookie", "openai-organization", "openai-project"}


def test_every_cassette_is_declared_in_the_readme() -> None:
    readme = (CASSETTES / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([^`]+)` \| (authored|recorded) \|", readme, re.M))
    on_disk = {str(p.relative_to(CASSETTES)) for p in ALL}
    assert on_disk == set(rows), "cassettes/README.md must list every cassette, and only those"


def test_authored_cassettes_carry_the_authored_marker() -> None:
    readme = (CASSETTES / "README.md").read_text(encoding="utf-8")
    for name, kind in re.findall(r"^\| `([^`]+)` \| (authored|recorded) \|", readme, re.M):
        text = (CASSETTES / name).read_text(encoding="utf-8")
        marked = "x-summarizer-test-server" in text
        assert marked == (kind == "authored"), name
