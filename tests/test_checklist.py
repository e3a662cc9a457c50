"""Check-lists of real articles: the scorer on briefs with known errors, and the command.

A check-list folder holds article files (header lines, a blank line, the body) and a top-level
gold.json keyed by file name (see summarizer/evaluation/checklist.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from summarizer.brief.models import BriefReply
from summarizer.cli import main
from summarizer.errors import InputError
from summarizer.evaluation.checklist import (
    Checklist,
    ChecklistRun,
    article_body,
    is_checklist_folder,
    load_checklists,
    run_checklist_eval,
    score_checklist,
)
from tests.conftest import SHARED

BODY = (
    "The city of Norbury closed the Elm Bridge on Monday. Mayor Jane Holt said the bridge "
    '"is no longer safe for traffic". The bridge was reportedly damaged by a lorry last week.\n\n'
    'Opposition leader Tom Reyes said the closure "will cost shops dearly". It is unclear when '
    "the bridge will reopen.\n"
)
ARTICLE = f"Title: Norbury closes Elm Bridge\nDate: 2020-01-06\nLicence: CC0\n\n{BODY}"
CHECKLIST = Checklist(
    parties=["holt", "reyes", "norbury"],
    positions=[("holt", "is no longer safe for traffic"), ("reyes", "will cost shops dearly")],
    open_keywords=["reopen"],
    reported=["reportedly damaged by a lorry"],
)


def good_brief() -> dict[str, Any]:
    """A brief that says everything the check-list asks, and nothing it forbids."""
    return {
        "title": "Norbury closes Elm Bridge",
        "summary": "Norbury closed the Elm Bridge. The mayor says it is unsafe.",
        "key_facts": [
            {
                "statement": "Norbury closed the Elm Bridge on Monday.",
                "evidence": ["The city of Norbury closed the Elm Bridge on Monday."],
                "attribution": None,
                "status": "confirmed",
            },
            {
                "statement": "A lorry reportedly damaged the bridge.",
                "evidence": ["The bridge was reportedly damaged by a lorry last week."],
                "attribution": None,
                "status": "reported",
            },
        ],
        "parties": [
            {"name": "Jane Holt", "kind": "person", "role": "mayor", "aliases": ["Holt"]},
            {"name": "Tom Reyes", "kind": "person", "role": "opposition leader", "aliases": []},
            {"name": "Norbury", "kind": "government", "role": "the city", "aliases": []},
        ],
        "positions": [
            {
                "party": "Jane Holt",
                "stance": "The bridge is unsafe.",
                "evidence": ['said the bridge "is no longer safe for traffic"'],
            },
            {
                "party": "Tom Reyes",
                "stance": "The closure will hurt shops.",
                "evidence": ['the closure "will cost shops dearly"'],
            },
        ],
        "open_questions": [
            {"question": "When will the bridge reopen?", "why_open": "Nobody says.", "parties": []}
        ],
    }


def drop_reyes(b: dict[str, Any]) -> None:
    b["parties"] = b["parties"][::2]
    b["positions"] = b["positions"][:1]


def reyes_words_to_holt(b: dict[str, Any]) -> None:
    b["positions"][1]["party"] = "Jane Holt"


def reyes_words_as_holt_fact(b: dict[str, Any]) -> None:
    # Not a position at all, but a key fact that gives Reyes's words to Holt.
    b["positions"] = b["positions"][:1]
    b["key_facts"].append(
        {
            "statement": "The mayor says shops will suffer.",
            "evidence": ['the closure "will cost shops dearly"'],
            "attribution": "Holt",
            "status": "claimed",
        }
    )


def reported_called_confirmed(b: dict[str, Any]) -> None:
    b["key_facts"][1]["status"] = "confirmed"


def no_open_question(b: dict[str, Any]) -> None:
    b["open_questions"] = []


def spokesman_for_reyes(b: dict[str, Any]) -> None:
    # A party whose role says it speaks for the check-list party counts as that party.
    b["parties"].append({"name": "Ann Lee", "kind": "person", "role": "Reyes's spokeswoman"})
    b["positions"][1]["party"] = "Ann Lee"


def someone_else_for_reyes(b: dict[str, Any]) -> None:
    b["parties"].append({"name": "Ann Lee", "kind": "person", "role": "shop owner"})
    b["positions"][1]["party"] = "Ann Lee"


def no_attribution_at_all(b: dict[str, Any]) -> None:
    b["positions"] = []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # parties found, positions found, misattributed/attributed, confirmed/checked, open hit
        (None, (3, 2, 0, 2, 0, 1, 1)),
        (drop_reyes, (2, 1, 0, 1, 0, 1, 1)),
        (reyes_words_to_holt, (3, 1, 1, 2, 0, 1, 1)),
        (reyes_words_as_holt_fact, (3, 1, 1, 2, 0, 1, 1)),
        (reported_called_confirmed, (3, 2, 0, 2, 1, 1, 1)),
        (no_open_question, (3, 2, 0, 2, 0, 1, 0)),
        (spokesman_for_reyes, (3, 2, 0, 2, 0, 1, 1)),
        (someone_else_for_reyes, (3, 1, 1, 2, 0, 1, 1)),
        (no_attribution_at_all, (3, 0, 0, 0, 0, 1, 1)),
    ],
    ids=lambda v: getattr(v, "__name__", "perfect") if not isinstance(v, tuple) else "",
)
def test_scorer_finds_the_known_errors(
    change: Callable[[dict[str, Any]], None] | None, expected: tuple[int, ...]
) -> None:
    data = good_brief()
    if change:
        change(data)
    brief = BriefReply.model_validate(data)
    # Every quote is the article's: the errors are in who and how sure, not in the words.
    assert all(q in BODY for item in [*brief.key_facts, *brief.positions] for q in item.evidence)
    s = score_checklist(brief, CHECKLIST)
    got = (
        s.parties_found,
        s.positions_found,
        s.misattributed,
        s.quotes_attributed,
        s.called_confirmed,
        s.status_checked,
        s.open_hit,
    )
    assert got == expected
    assert (s.parties, s.positions, s.open_articles) == (3, 2, 1)
    # Every count is explained by a listed item.
    assert len(s.missed_parties) == s.parties - s.parties_found
    assert len(s.missed_positions) == s.positions - s.positions_found
    assert len(s.wrong_party) == s.misattributed and len(s.wrong_status) == s.called_confirmed


def test_wrong_party_names_who_got_the_words() -> None:
    data = good_brief()
    reyes_words_to_holt(data)
    s = score_checklist(BriefReply.model_validate(data), CHECKLIST)
    assert s.wrong_party == ["'will cost shops dearly' -> Jane Holt (reyes)"]
    assert s.missed_positions == ["reyes: will cost shops dearly"]
    assert s.position_recall == 0.5 and s.misattribution == 0.5


def make_folder(root: Path, files: dict[str, str], gold: dict[str, Any]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    (root / "gold.json").write_text(json.dumps(gold), encoding="utf-8")
    return root


def checklist_json() -> dict[str, Any]:
    return json.loads(CHECKLIST.model_dump_json())


def test_article_body_and_folder_detection(tmp_path: Path) -> None:
    body, header = article_body(ARTICLE)
    assert body == BODY and header["title"] == "Norbury closes Elm Bridge"
    assert article_body(BODY) == (BODY, {})  # no header: the text is the body
    folder = make_folder(tmp_path / "cl", {"01_bridge.txt": ARTICLE}, {"01_bridge.txt": {}})
    assert is_checklist_folder(folder)
    [art] = load_checklists(folder)
    assert art.id == "01_bridge.txt" and art.text == BODY
    assert art.title == "Norbury closes Elm Bridge"
    # A gold set (one folder per article) is not a check-list folder.
    assert not is_checklist_folder(Path(__file__).parents[1] / "eval" / "gold")
    assert not is_checklist_folder(tmp_path / "nowhere")


def test_a_checklist_naming_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    folder = make_folder(
        tmp_path / "cl",
        {"01_bridge.txt": ARTICLE},
        {"01_bridge.txt": checklist_json(), "02_gone.txt": checklist_json()},
    )
    with pytest.raises(InputError, match=r"02_gone\.txt"):
        load_checklists(folder)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["eval", *args], catch_exceptions=False)


def test_cli_scores_a_checklist_folder(tmp_path: Path) -> None:
    folder = make_folder(
        tmp_path / "cl",
        {"01_bridge.txt": ARTICLE, "02_bridge_again.txt": ARTICLE},
        {"01_bridge.txt": checklist_json(), "02_bridge_again.txt": checklist_json()},
    )
    out = tmp_path / "cl.json"
    result = run(str(folder), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("engine=offline") and f"check-lists={folder}" in lines[0]
    assert lines[1].split()[:4] == ["article", "parties", "positions", "misattributed"]
    assert [line.split()[0] for line in lines[2:4]] == ["01_bridge.txt", "02_bridge_again.txt"]
    assert lines[-2].startswith("total (2/2 briefed)")
    assert lines[-1].startswith("party recall ")
    report = ChecklistRun.model_validate_json(out.read_text("utf-8"))
    assert report.kind == "checklist" and report.engine == "offline" and report.failed == 0
    # The same article twice: the total is twice one article's counts.
    one = report.articles[0].scores
    assert one is not None and report.articles[1].scores == one
    assert report.total.parties == 2 * one.parties == 6
    assert report.total.parties_found == 2 * one.parties_found
    assert report.total.positions_found == 2 * one.positions_found
    # The table's total row holds the same counts as the JSON.
    total = lines[-2].split()
    assert total[3] == f"{report.total.parties_found}/6"
    assert total[4] == f"{report.total.positions_found}/4"
    assert f"wrote {out}" in result.stderr


def test_cli_default_out_for_checklists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = make_folder(tmp_path / "cl", {"01_bridge.txt": ARTICLE}, {"01_bridge.txt": {}})
    monkeypatch.chdir(tmp_path)
    assert run(str(folder)).exit_code == 0
    data = json.loads((tmp_path / "eval-checklist-offline.json").read_text("utf-8"))
    assert data["kind"] == "checklist" and data["total"]["parties"] == 0


@pytest.mark.parametrize("flag", ["--guard", "--replay"])
def test_cli_checklists_refuse_gold_set_only_modes(tmp_path: Path, flag: str) -> None:
    folder = make_folder(tmp_path / "cl", {"01_bridge.txt": ARTICLE}, {"01_bridge.txt": {}})
    result = run(str(folder), flag, "--out", str(tmp_path / "x.json"))
    assert result.exit_code == 2 and "check-list folder" in result.stderr
    assert not (tmp_path / "x.json").exists()


WIKINEWS = SHARED / "external" / "wikinews"


@pytest.mark.skipif(not (WIKINEWS / "gold.json").exists(), reason="no ../shared/external")
def test_the_wikinews_checklists_run_offline() -> None:
    report = run_checklist_eval(WIKINEWS)
    assert len(report.articles) == 14 and report.failed == 0
    t = report.total
    assert (t.parties, t.positions, t.open_articles) == (72, 38, 14)
    assert 0 < t.parties_found <= t.parties and 0 < t.positions_found <= t.positions


def test_llm_engine_on_checklists_scores_the_reply_and_survives_a_failure(tmp_path: Path) -> None:
    from summarizer.testing.server import FakeOpenAIServer, error, reply

    folder = make_folder(
        tmp_path / "cl",
        {"01_bridge.txt": ARTICLE, "02_bridge_again.txt": ARTICLE},
        {"01_bridge.txt": checklist_json(), "02_bridge_again.txt": checklist_json()},
    )
    with FakeOpenAIServer([reply(good_brief()), error(400, "Invalid request")]) as server:
        report = run_checklist_eval(folder, engine="llm", base_url=server.base_url, api_key="k")
    first, second = report.articles
    assert report.engine == "llm" and report.model and report.failed == 1
    assert first.scores is not None and first.calls == 1
    s = first.scores
    assert (s.parties_found, s.positions_found, s.misattributed, s.called_confirmed) == (3, 2, 0, 0)
    assert second.scores is None and second.error
    assert report.total.parties == 3  # only the article that got a brief counts
