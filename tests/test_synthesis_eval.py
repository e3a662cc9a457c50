"""eval/synthesis/disagreements.py: scoring shown disagreements against labels read by hand.

These run without the ECB+ texts (the outlets' texts are not committed)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "eval" / "synthesis" / "disagreements.py"


@pytest.fixture(scope="module")
def ev() -> Any:
    spec = importlib.util.spec_from_file_location("synthesis_disagreements", SCRIPT)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


LABELS: dict[str, Any] = {
    "events": {
        "quake": {
            "disagreements": [
                {
                    "id": "injured",
                    "quantity": "people injured",
                    "sides": [
                        {"values": ["80"], "articles": ["a1", "a2"], "quote": "injuring 80"},
                        {"values": ["70"], "articles": ["a3"], "quote": "wounding other 70"},
                    ],
                },
                {
                    "id": "population",
                    "quantity": "population of the island",
                    "sides": [
                        {"values": ["120,000"], "articles": ["a1"], "quote": "home to 120, 000"},
                        {"values": ["200,000"], "articles": ["a4"], "quote": "home to 200, 000"},
                    ],
                },
            ],
            "not": [
                {
                    "quantity": "population",
                    "values": ["120,000 (island)", "500,000 (city)"],
                    "articles": ["a1", "a4"],
                    "kind": "different thing",
                    "why": "two places",
                }
            ],
        }
    }
}


@pytest.mark.parametrize(
    ("said", "value"),
    [
        ("120,000 people", "120000"),
        ("120, 000 people", "120000"),
        ("65%", "65"),
        ("80 percent", "80"),
        ("five per cent", "five"),
        ("$2.6 million", "2.6"),
        ("US$334 million", "334"),
        ("€2m", "2m"),
        ("05 left", "05"),
    ],
)
def test_said_value_is_the_number_a_side_opens_with(ev: Any, said: str, value: str) -> None:
    assert ev.said_value(said) == value


@pytest.mark.parametrize(
    ("text", "value", "expected"),
    [
        ("home to 120, 000 people", "120,000", True),
        ("injuring 80.", "80", True),
        ("injuring 180 people", "80", False),
        ("a 5.9 magnitude quake", "5.9", True),
        ("a 5.95 magnitude quake", "5.9", False),
        ("with 7:41 left", "41", False),
        ("with 7:41 left", "7:41", True),
    ],
)
def test_carries_finds_a_value_as_a_number_of_its_own(
    ev: Any, text: str, value: str, expected: bool
) -> None:
    assert ev.carries(text, value) is expected


def test_a_shown_disagreement_is_true_only_across_two_sides_with_their_values(ev: Any) -> None:
    shown = {
        "quake": [
            {"articles": ["a2", "a3"], "values": ["80", "70"], "text": "80 [1] vs 70 [2]"},
            # the right articles, the wrong values: not the labelled disagreement
            {"articles": ["a1", "a3"], "values": ["10", "3"], "text": "10 [1] vs 3 [2]"},
            # one side's articles on both sides: not a disagreement between outlets
            {"articles": ["a1", "a2"], "values": ["80", "80"], "text": "80 [1] vs 80 [2]"},
            # a labelled non-disagreement
            {"articles": ["a1", "a4"], "values": ["120000", "500000"], "text": "x"},
        ]
    }
    stories = {"quake": [{"articles": ["a1", "a2", "a3", "a4"], "facts": []}]}
    result = ev.score(shown, stories, LABELS)
    assert (result["shown"], result["true"], result["precision"]) == (4, 1, 0.25)
    assert (result["labelled"], result["found"], result["recall"]) == (2, 1, 0.5)
    kinds = [i.get("kind") for i in result["items"]]
    assert kinds == [None, "unlisted", "unlisted", "different thing"]
    assert [m["id"] for m in result["misses"]] == ["population"]


@pytest.mark.parametrize(
    ("stories", "lost"),
    [
        # the two sides' articles never share a story
        ([{"articles": ["a1", "a2"], "facts": []}, {"articles": ["a4"], "facts": []}], "grouping"),
        # one story, but only one side's value is a key fact
        ([{"articles": ["a1", "a4"], "facts": [("a1", "home to 120, 000 people")]}], "brief"),
        # both values are key facts of one story: the rules did not pair them
        (
            [
                {
                    "articles": ["a1", "a4"],
                    "facts": [("a1", "home to 120, 000 people"), ("a4", "home to 200,000")],
                }
            ],
            "rules",
        ),
        # a value in a fact of an article of the other side does not count
        ([{"articles": ["a1", "a4"], "facts": [("a1", "120,000 or 200,000")]}], "brief"),
    ],
)
def test_a_miss_is_put_down_to_the_step_that_lost_it(
    ev: Any, stories: list[dict[str, Any]], lost: str
) -> None:
    d = LABELS["events"]["quake"]["disagreements"][1]
    assert ev.why_missed(d, stories) == lost


def test_check_quotes_names_a_quote_its_articles_do_not_carry(ev: Any) -> None:
    texts = {
        "a1": "It struck,\ninjuring 80 and home to 120, 000 people.",
        "a3": "wounding other 70",
        "a4": "home to 200,000",
    }
    assert ev.check_quotes(LABELS, texts) == ["population: 'home to 200, 000'"]


def test_without_the_texts_it_says_so_in_one_line_and_exits_0(
    ev: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(ev, "ECBPLUS", tmp_path / "ecbplus")
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps(LABELS), encoding="utf-8")
    assert ev.main(["--labels", str(labels)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("skipped: the ECB+ texts are not in")


def test_the_committed_labels_are_well_formed(ev: Any) -> None:
    labels = json.loads(ev.LABELS.read_text(encoding="utf-8"))
    assert labels["reading_rule"]
    ids = [d["id"] for e in labels["events"].values() for d in e["disagreements"]]
    assert ids and len(ids) == len(set(ids))
    for name, event in labels["events"].items():
        assert name.startswith("ecbplus-")
        for d in event["disagreements"]:
            assert len(d["sides"]) >= 2
            arts = [a for s in d["sides"] for a in s["articles"]]
            assert len(arts) == len(set(arts)), d["id"]  # no article on two sides
            for s in d["sides"]:
                assert s["values"] and s["articles"] and 0 < len(s["quote"]) <= 120
        for n in event["not"]:
            assert n["kind"] and n["why"] and n["articles"] and n["values"]


def test_what_an_unread_event_shows_counts_as_unlisted(ev: Any) -> None:
    shown = {"other": [{"articles": ["b1", "b2"], "values": ["3", "4"], "text": "3 vs 4"}]}
    result = ev.score(shown, {}, LABELS)
    assert (result["shown"], result["true"], result["precision"]) == (1, 0, 0.0)
    assert result["items"][0]["kind"] == "unlisted"
    assert [m["lost"] for m in result["misses"]] == ["grouping", "grouping"]


def test_figures_are_kept_apart_by_split(ev: Any) -> None:
    labels = {
        "events": {
            **LABELS["events"],
            "held": {"read": "shown", "disagreements": [], "not": []},
        }
    }
    shown = {
        "quake": [{"articles": ["a2", "a3"], "values": ["80", "70"], "text": "x"}],
        "held": [{"articles": ["b1", "b2"], "values": ["3", "4"], "text": "y"}],
    }
    out = ev.by_split(shown, {}, labels, {"quake": "dev", "held": "heldout"})
    assert (out["dev"]["precision"], out["dev"]["recall"], out["dev"]["read"]) == (1.0, 0.5, 1)
    assert (out["heldout"]["precision"], out["heldout"]["recall"]) == (0.0, None)
    assert (out["heldout"]["read"], out["heldout"]["read_shown"]) == (0, 1)


@pytest.mark.parametrize(
    ("reason", "left", "right"),
    [
        ("same count, different numbers: 80 vs 70 people", ["80"], ["70"]),
        ("same count, different numbers: 120,000 vs 500,000 people", ["120000"], ["500000"]),
        ("same subject, different numbers: 000, 120, 6.1 vs 000, 120, 5.9",
         ["000", "120", "6.1"], ["000", "120", "5.9"]),
        ("one source says confirmed, another disputed", [], []),
    ],
)  # fmt: skip
def test_a_story_lists_values_are_read_from_its_reason(
    ev: Any, reason: str, left: list[str], right: list[str]
) -> None:
    assert ev.listed_values(reason) == (left, right)


def test_a_story_lists_disagreement_is_true_when_a_pair_of_its_values_is_labelled(ev: Any) -> None:
    listed = {
        "quake": [
            {"articles": ["a2", "a3"], "reason": "same count, different numbers: 80 vs 70 people"},
            {"articles": ["a1", "a4"], "reason": "same subject, different numbers: 120 vs 500,000"},
            {"articles": ["a1", "a4"], "reason": "same subject, different numbers: 9 vs 10"},
            {"articles": ["a1", "a3"], "reason": "one source says confirmed, another disputed"},
        ]
    }
    result = ev.score_listed(listed, LABELS)
    assert (result["shown"], result["true"], result["found"]) == (4, 1, 1)
    assert [i.get("kind") for i in result["items"]] == [None, "unlisted", "unlisted", "status"]
