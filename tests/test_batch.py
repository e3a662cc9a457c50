"""The digest through the OpenAI Batch API, replayed from cassettes.

The cassettes were recorded through the real `openai` client against the local test server's
Batch API (file upload, batch create, poll, output download), answering with the authored
replies of `tests/digest_helpers.py`. Re-record with
`pytest tests/test_batch.py --record-mode=rewrite`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from summarizer.brief.llm import RetryPolicy
from summarizer.brief.pricing import estimate_cost
from summarizer.digests.run import run_digest
from summarizer.store import SQLiteStore
from summarizer.testing.server import FakeOpenAIServer, Step, article_of, reply
from tests.digest_helpers import ARTICLES, REPLIES, responder

FAST = RetryPolicy(backoff_base_s=0.01, backoff_max_s=0.05)


def run(server: FakeOpenAIServer, db: Path, **kw: Any) -> Any:
    return run_digest(
        [str(ARTICLES)],
        engine="llm",
        model="gpt-4.1-mini",
        base_url=server.base_url,
        api_key="test",
        db=db,
        retry=FAST,
        batch_api=True,
        batch_poll=0.01,
        # these tests count Batch API calls; story synthesis (live calls) is tested in
        # tests/test_synthesis.py
        synthesis="off",
        **kw,
    )


def paths(cassette: Any) -> list[str]:
    return [f"{r.method} {r.path}" for r in cassette.requests]


@pytest.mark.vcr
def test_submit_on_one_run_collect_on_the_next(tmp_path: Path, vcr: Any) -> None:
    db = tmp_path / "s.db"
    with FakeOpenAIServer(responder=responder) as server:
        server.batch_polls = 0  # done by the time the next run asks
        first = run(server, db)
        second = run(server, db)
        third = run(server, db)

    # Run 1: one upload and one batch, no live call; the articles wait, nothing failed.
    assert first.exit_code == 0 and not first.digest.failed
    assert first.digest.stories == []
    assert first.progress.skipped == 5 and first.progress.calls == 0
    assert any("waiting in the Batch API (batch_fake_1)" in w for w in first.digest.warnings)
    # Run 2: polls the batch recorded in the store, downloads the answers, makes the digest.
    assert second.exit_code == 0
    assert len(second.digest.stories) == 2
    assert second.progress.cached == 5 and second.progress.calls == 5
    # Run 3: everything is in the store; no request at all.
    assert third.progress.cached == 5 and third.progress.calls == 0
    assert paths(vcr) == [
        "POST /v1/files",
        "POST /v1/batches",
        "GET /v1/batches/batch_fake_1",
        "GET /v1/files/file-fake-2/content",
    ]
    # Every brief says how it was made, and is charged at the Batch API's half price.
    store = SQLiteStore(db)
    try:
        calls = store.calls()
        brief = store.brief_by_article(second.digest.stories[0].sources[0].article_id)
    finally:
        store.close()
    assert len(calls) == 5 and all(c["outcome"] == "ok" for c in calls)
    assert brief is not None
    assert any("Batch API (batch_fake_1)" in w for w in brief.meta.warnings)
    assert brief.meta.cost_usd == estimate_cost("gpt-4.1-mini", brief.meta.usage, batch=True)


@pytest.mark.vcr
def test_batch_wait_collects_in_the_same_run(tmp_path: Path, vcr: Any) -> None:
    with FakeOpenAIServer(responder=responder) as server:
        server.batch_polls = 2  # "in_progress" twice, then done
        result = run(server, tmp_path / "s.db", batch_wait=5)
    assert result.exit_code == 0 and result.progress.done == 5
    assert len(result.digest.stories) == 2
    assert not any("waiting" in w for w in result.digest.warnings)
    assert paths(vcr).count("GET /v1/batches/batch_fake_1") == 3


BANK_TEXT = "raised its main interest rate"
INVENTED = "The bank will cut rates to zero next week"


def _bad_bank_answer(*, every_claim: bool) -> Any:
    """The batch answer for the bank article invents a quote: in its first fact only (a repair
    fixes it), or in every fact and position (unusable: the article is briefed live anew).
    Every other request gets its authored answer; a repair request, the bank fact's fix."""
    seen: set[str] = set()

    def answer(body: dict[str, Any]) -> Step:
        if body["tools"][0]["function"]["name"] == "RepairReply":
            good = REPLIES["bank-rates.txt"]["key_facts"][0]
            return reply({"fixes": [{"path": "key_facts[0]", "key_fact": good}]})
        text = article_of(body)
        if BANK_TEXT in text and text not in seen:
            seen.add(text)
            bad = json.loads(json.dumps(REPLIES["bank-rates.txt"]))
            for item in bad["key_facts"] + (bad["positions"] if every_claim else []):
                item["evidence"] = [INVENTED]
            return reply(bad)
        return responder(body)

    return answer


@pytest.mark.vcr
def test_an_unusable_batch_answer_is_briefed_live(tmp_path: Path, vcr: Any) -> None:
    with FakeOpenAIServer(responder=_bad_bank_answer(every_claim=True)) as server:
        server.batch_polls = 0
        result = run(server, tmp_path / "s.db", batch_wait=5)
    assert result.exit_code == 0 and result.progress.done == 5
    # four answers from the batch, one article briefed live (one call, no re-ask needed)
    assert paths(vcr).count("POST /v1/chat/completions") == 1
    assert result.progress.calls == 6  # 5 batch answers (one of them unusable) + 1 live call


class RespondingServer(FakeOpenAIServer):
    """The test server with every answer, a repair's included, from its responder."""

    def _respond(self, body: dict[str, Any]) -> Step:
        return self.responder(body)


def test_a_batch_answer_with_one_bad_quote_is_repaired_not_briefed_again(tmp_path: Path) -> None:
    from summarizer.brief.grounding import check_reply
    from summarizer.brief.models import BriefReply

    db = tmp_path / "s.db"
    with RespondingServer(responder=_bad_bank_answer(every_claim=False)) as server:
        server.batch_polls = 0
        result = run(server, db, batch_wait=5)
        live = list(server.requests[5:])  # the five batch lines come first
    assert result.exit_code == 0 and result.progress.done == 5
    assert not result.digest.failed
    # One live call, and it is a small repair request, not a whole brief: the repair tool, the
    # failing fact and its problem, not the article.
    assert len(live) == 1
    (request,) = live
    assert [t["function"]["name"] for t in request["tools"]] == ["RepairReply"]
    sent = json.dumps(request)
    assert "key_facts[0]" in sent and INVENTED in sent
    article = (ARTICLES / "bank-rates.txt").read_text(encoding="utf-8")
    assert " ".join(article.split()) not in " ".join(sent.split())
    whole = next(
        json.dumps(line["body"])
        for data in server.files.values()
        for line in map(json.loads, data.decode().splitlines())
        if "body" in line and BANK_TEXT in article_of(line["body"])
    )
    # smaller than the whole brief request even for this short article (tests/test_repair.py
    # measures it on a long one)
    assert len(sent) < len(whole)
    assert "Tomas Okafor" not in sent  # no other item of the brief goes along
    # The merged brief passes the guard and keeps the batch answer's other items.
    store = SQLiteStore(db)
    try:
        calls = store.calls()
        briefs = [store.brief_by_article(src.article_id) for s in result.digest.stories
                  for src in s.sources]  # fmt: skip
        (bank,) = [b for b in briefs if b and b.title == REPLIES["bank-rates.txt"]["title"]]
    finally:
        store.close()
    assert check_reply(BriefReply.model_validate(bank.model_dump(exclude={"meta"})), article).ok
    # the repaired fact is the fix the repair call sent back
    assert [f.statement for f in bank.key_facts] == [
        f["statement"] for f in REPLIES["bank-rates.txt"]["key_facts"]
    ]
    assert bank.key_facts[0].evidence[0] in article
    assert [p["stance"] for p in REPLIES["bank-rates.txt"]["positions"]] == [
        p.stance for p in bank.positions
    ]
    assert bank.meta.attempts == 2
    assert any("repaired live in 1 call(s)" in w for w in bank.meta.warnings)
    # The call log: the batch answer is 'repaired', the repair call 'ok', outside the batch, at
    # list price; the brief's cost is both.
    outcomes = sorted((c["outcome"], c["batch_id"] is not None) for c in calls)
    assert outcomes == [("ok", False)] + [("ok", True)] * 4 + [("repaired", True)]
    (fix,) = [c for c in calls if c["batch_id"] is None]
    assert fix["attempt"] == 2  # after the batch answer, attempt 1
    assert fix["cost_usd"] == pytest.approx(estimate_cost("gpt-4.1-mini", _usage(fix), batch=False))
    (answer,) = [c for c in calls if c["outcome"] == "repaired"]
    assert bank.meta.cost_usd == pytest.approx(answer["cost_usd"] + fix["cost_usd"])
    assert result.progress.calls == 6


def _usage(row: dict[str, Any]) -> Any:
    from summarizer.brief.models import Usage

    p, c = row["prompt_tokens"], row["completion_tokens"]
    return Usage(prompt_tokens=p, completion_tokens=c, total_tokens=p + c)


def test_batch_api_needs_the_llm_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from summarizer.cli import main

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    result = CliRunner().invoke(
        main, ["digest", str(ARTICLES), "--batch-api", "--db", str(tmp_path / "s.db")]
    )
    assert result.exit_code == 2
    assert "--batch-api needs the LLM engine" in result.stderr


@pytest.mark.parametrize("cap", [1.0, 1e-9])
def test_a_batch_repair_is_reserved_on_the_meter_given(tmp_path: Path, cap: float) -> None:
    from summarizer.brief.llm import make_client
    from summarizer.brief.models import SourceMeta
    from summarizer.budget import Meter
    from summarizer.digests import batch

    store = SQLiteStore(tmp_path / "s.db")
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(ARTICLES.iterdir())}
    ids = {store.add_article(t, name, SourceMeta()): t for name, t in texts.items()}
    begun: list[Any] = []
    meter = Meter(cap, on_begin=begun.append)
    told: list[tuple[str, Any]] = []
    repairs: list[tuple[str, Any]] = []  # told apart, as a caller whose on_call spends needs
    try:
        with RespondingServer(responder=_bad_bank_answer(every_claim=False)) as server:
            client = make_client(base_url=server.base_url, api_key="test")
            batch.submit(store, client, ids, model="gpt-4.1-mini", lang=None)
            server.batch_polls = 0
            got = batch.collect(
                store, client, model="gpt-4.1-mini", poll_s=0.01, meter=meter,
                on_call=lambda a, c: told.append((a, c)),
                on_repair_call=lambda a, c: repairs.append((a, c)),
            )  # fmt: skip
            client.close()
            live = server.requests[len(ids) :]
    finally:
        store.close()
    (bank,) = [a for a, t in ids.items() if BANK_TEXT in t]
    if cap == 1.0:
        # reserved before it was sent, settled to its cost; the batch answers are not the meter's
        assert len(live) == 1 and len(begun) == 1
        assert set(got.briefs) == set(ids) and not got.retry_live
        ((fixed, fix),) = repairs
        assert fixed == bank and fix.outcome == "ok" and fix.attempt == 2
        assert meter.spent == pytest.approx(fix.cost_usd) and meter.reserved == 0
        assert [c.outcome for a, c in told if a == bank] == ["repaired"]
    else:
        # the cap refuses the repair before anything is sent: the article goes live instead
        assert live == [] and begun == []
        assert set(got.retry_live) == {bank} and "cost cap" in got.retry_live[bank]
        assert [c.outcome for a, c in told if a == bank] == ["invalid"] and repairs == []


def test_failing_batch_answers_are_repaired_concurrently(tmp_path: Path) -> None:
    import threading
    import time

    from summarizer.brief.llm import make_client
    from summarizer.brief.models import SourceMeta
    from summarizer.digests import batch

    # Every article's batch answer invents its first fact's quote; each repair request (which
    # names the failing fact's statement) gets that fact back, after a pause, so that repairs
    # made one after another could never overlap.
    fixes = {r["key_facts"][0]["statement"]: r["key_facts"][0] for r in REPLIES.values()}
    lock, inflight, peak = threading.Lock(), [0], [0]

    def answer(body: dict[str, Any]) -> Step:
        if body["tools"][0]["function"]["name"] != "RepairReply":
            bad = json.loads(json.dumps(responder(body).data))
            bad["key_facts"][0]["evidence"] = [INVENTED]
            return reply(bad)
        with lock:
            inflight[0] += 1
            peak[0] = max(peak[0], inflight[0])
        time.sleep(0.5)
        with lock:
            inflight[0] -= 1
        text = json.dumps(body["messages"], ensure_ascii=False)
        (fact,) = [f for s, f in fixes.items() if json.dumps(s, ensure_ascii=False)[1:-1] in text]
        return reply({"fixes": [{"path": "key_facts[0]", "key_fact": fact}]})

    store = SQLiteStore(tmp_path / "s.db")
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(ARTICLES.iterdir())}
    ids = {store.add_article(t, name, SourceMeta()): t for name, t in texts.items()}
    told: list[tuple[str, str]] = []
    try:
        with RespondingServer(responder=answer) as server:
            client = make_client(base_url=server.base_url, api_key="test")
            batch.submit(store, client, ids, model="gpt-4.1-mini", lang=None)
            server.batch_polls = 0
            got = batch.collect(
                store, client, model="gpt-4.1-mini", poll_s=0.01,
                on_call=lambda a, c: told.append((a, c.outcome)),
            )  # fmt: skip
            client.close()
    finally:
        store.close()
    assert set(got.briefs) == set(ids) and not got.retry_live
    assert peak[0] >= 2  # more than one repair in flight at once
    for article_id in ids:  # each answer is told first, then its repair
        assert [o for a, o in told if a == article_id] == ["repaired", "ok"]
    for article_id, brief in got.briefs.items():
        assert brief.key_facts[0].evidence[0] in ids[article_id]
