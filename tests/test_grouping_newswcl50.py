"""eval/grouping/newswcl50: the fresh grouping set (NewsWCL50), its build script's dates, and
the `fresh` split through the command."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from summarizer.cli import main
from summarizer.evaluation.grouping import GroupingSet, load_grouping_set

ROOT = Path(__file__).resolve().parent.parent
SET = ROOT / "eval" / "grouping"


def build_script() -> ModuleType:
    sys.path.insert(0, str(SET))  # the build scripts import their siblings (rebuilt, build_gvc)
    try:
        spec = importlib.util.spec_from_file_location("build_newswcl50", SET / "build_newswcl50.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(SET))


@pytest.mark.parametrize(
    ("url", "date"),
    [
        ("https://www.nytimes.com/2018/04/17/world/asia/x.html?hp&a=1", "2018-04-17"),
        ("http://insider.foxnews.com/2018/04/30/israel-ambassador", "2018-04-30"),
        # HuffPost: the entry id is a MongoDB ObjectId, its first 8 hex digits seconds (UTC)
        ("https://www.huffingtonpost.com/entry/a-b_us_5ad68f54e4b029ebe01ef17a", "2018-04-18"),
        ("https://www.huffingtonpost.co.uk/entry/a_uk_5ae1f258e4b02baed1b7d12d", "2018-04-26"),
        (
            "http://www.breitbart.com/news/us-to-delay-eu-tariff-decision-until-june-1-report-2/",
            None,
        ),
    ],
)
def test_an_articles_date_is_read_from_its_address(url: str, date: str | None) -> None:
    assert build_script().date_of(url) == date


def test_paragraph_tokens_and_split_hyphens_are_joined_back() -> None:
    b = build_script()
    assert b.join(["Kim", "Jong", "-", "un", "met", "Pompeo", "."]) == "Kim Jong-un met Pompeo."
    assert b.join(["Fla.", "—", "President", "Trump"]) == "Fla. — President Trump"


def test_the_manifest_is_five_outlets_an_event_all_fresh_and_keeps_no_text() -> None:
    data = GroupingSet.model_validate_json((SET / "newswcl50" / "set.json").read_text("utf-8"))
    outlets: dict[str, set[str]] = {}
    for a in data.articles:
        assert a.split == "fresh" and a.licence and a.sha256 and len(a.sha256) == 64
        assert a.source.startswith("http") and a.event.startswith("newswcl50-event-")
        outlets.setdefault(a.event, set()).add(a.outlet.split(".")[0])
    assert len(outlets) == 10
    assert all(len(o) == 5 for o in outlets.values())  # one article from each of five outlets
    assert sum(1 for a in data.articles if a.date) == 47  # three wire items have no date
    assert (SET / "newswcl50" / ".gitignore").read_text("utf-8").split() == ["texts/"]


def test_cli_scores_the_fresh_split(tmp_path: Path) -> None:
    # two committed Wikinews texts of one event and one of another, labelled fresh
    _, data = load_grouping_set(SET)
    keep = {"meantime-airbus-82548", "meantime-airbus-82597", "gum-crane"}
    (tmp_path / "articles").mkdir()
    records = []
    for a in data.articles:
        if a.id in keep:
            shutil.copyfile(SET / a.path, tmp_path / "articles" / f"{a.id}.txt")
            records.append({**a.model_dump(), "path": f"articles/{a.id}.txt", "split": "fresh"})
    (tmp_path / "set.json").write_text(json.dumps({"articles": records}), encoding="utf-8")
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        main, ["eval", "--grouping", str(tmp_path), "--split", "fresh", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "\nfresh " in result.output
    (fresh,) = json.loads(out.read_text("utf-8"))["splits"]
    assert (fresh["split"], fresh["articles"]) == ("fresh", 3)
    # the default splits (dev, held-out) hold none of these articles
    result = CliRunner().invoke(main, ["eval", "--grouping", str(tmp_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text("utf-8"))["splits"] == []


def test_the_fcc_manifest_is_undated_fresh_labelled_by_match_and_keeps_no_text() -> None:
    data = GroupingSet.model_validate_json((SET / "fcc" / "set.json").read_text("utf-8"))
    events = {a.event for a in data.articles}
    assert (len(data.articles), len(events)) == (117, 35)
    for a in data.articles:
        assert a.split == "fresh" and a.date is None and a.sha256 and len(a.sha256) == 64
    assert (SET / "fcc" / ".gitignore").read_text("utf-8").split() == ["texts/"]
