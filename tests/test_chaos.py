"""Chaos: a digest of 320 articles at concurrency 16 while 20 % of the model's answers are faults.

Every fault kind the issue lists is served by the scripted server on 127.0.0.1 (500, 503, 429
with and without Retry-After, a connection reset mid-body, a hang past the client's timeout, a
body that is not JSON, tool arguments that are not JSON, a 200 HTML page, a 10 MB reply,
finish_reason `length` and a refusal), through the real client and the real digest. Required:
no article lost, none briefed twice, every request the server saw written to the store's
`llm_calls`, at most 1.3 requests per article, and a re-run that briefs only what failed.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from hashlib import sha256
from pathlib import Path

import pytest

from summarizer.brief.llm import RetryPolicy
from summarizer.digests.run import run_digest
from summarizer.testing.server import FakeOpenAIServer, FirstSentencesResponder, article_of
from summarizer.testing.server import synthetic_article as make

pytestmark = pytest.mark.slow

N = 320
KINDS = [
    "500",
    "503",
    "429",  # with Retry-After
    "429_no_retry_after",
    "drop",  # reset mid-body
    "timeout",  # a hang past the client's timeout
    "invalid_json",  # the body
    "malformed",  # the tool arguments
    "html",
    "huge",
    "length",
    "refusal",
]
# The server draws each kind in turn: 1 - (1 - r)^12 = 20 % of the answers are faults.
RATE = 1 - 0.8 ** (1 / len(KINDS))
# Short waits so the test takes seconds: a hang costs the client's 2 s timeout (room for a slow
# answer on a busy machine), a retry waits at most 50 ms (Retry-After) or a few ms (backoff).
POLICY = RetryPolicy(attempts=3, backoff_base_s=0.005, backoff_max_s=0.02, max_retry_after_s=0.2)


def sha(text: str) -> str:
    return sha256(text.encode()).hexdigest()


def tool_of(request: dict) -> str:
    tools = request.get("tools") or []
    return str(tools[0]["function"]["name"]) if tools else "-"


def _rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as c:
        return list(c.execute(sql))


def test_chaos_digest_loses_nothing_doubles_nothing_records_everything(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    texts = {}
    for i in range(N):
        path = folder / f"{i:03}.txt"
        texts[str(path)] = make(50_000 + i, 180)
        path.write_text(texts[str(path)], "utf-8")
    ours = {sha(t): p for p, t in texts.items()}

    def owner(request: dict) -> str:
        """The article a request carried (the whole of it, or a part after `length`); a re-ask
        carries it in its first user message, the validation error in its last."""
        for message in request.get("messages", []):
            if message.get("role") != "user":
                continue
            sent = article_of({"messages": [message]})
            found = ours.get(sha(sent)) or next((p for p, t in texts.items() if sent in t), None)
            if found:
                return found
        raise AssertionError("a request carried text of no article")

    db = tmp_path / "store.db"
    options = {
        "engine": "llm",
        "api_key": "sk-chaos-test",
        "db": db,
        "concurrency": 16,
        "timeout": 2.0,
        "retry": POLICY,
    }
    with FakeOpenAIServer(
        responder=FirstSentencesResponder(),
        faults=dict.fromkeys(KINDS, RATE),
        seed=11,
        stall_s=3.0,
        retry_after="0.05",
    ) as server:
        first = run_digest([str(folder)], base_url=server.base_url, **options)
        sent_first = list(server.requests)

        # Every kind was served; about a fifth of the answers were faults.
        assert set(server.faults_served) == set(KINDS), server.faults_served
        fault_share = sum(server.faults_served.values()) / len(sent_first)
        assert 0.14 <= fault_share <= 0.26, fault_share

        # 0 lost: each article is briefed or failed with a reason, never both, never neither.
        failed = {f.source: f.reason for f in first.digest.failed}
        assert all(reason and "\n" not in reason for reason in failed.values())
        briefed_ids = [r[0] for r in _rows(db, "SELECT article_id FROM briefs")]
        briefed = {ours[k] for k in briefed_ids if k in ours}
        assert briefed.isdisjoint(failed)
        assert briefed | set(failed) == set(texts)
        assert first.digest.totals["briefed"] == len(briefed)
        assert first.digest.totals["failed"] == len(failed)
        # Most articles came through; a refusal or a 10 MB reply is final for its article.
        assert len(briefed) >= 0.85 * N, Counter(r.split(":")[0] for r in failed.values())
        # 0 duplicated: one brief per article in the store and in the digest.
        assert len(briefed_ids) == len(set(briefed_ids))
        cited = [s.path for story in first.digest.stories for s in story.sources]
        assert len(cited) == len(set(cited)) == len(briefed)

        # Every request the server saw is a row of llm_calls, completed (none left 'sent').
        calls = _rows(db, "SELECT outcome, article_id FROM llm_calls")
        assert len(calls) == len(sent_first)
        assert "sent" not in {outcome for outcome, _ in calls}
        outcomes = Counter(outcome for outcome, _ in calls)
        for kind in ("timeout", "connection", "rate_limited", "server_error", "invalid"):
            assert outcomes[kind] > 0, outcomes
        # Nothing was cancelled or killed: no call is 'interrupted' (a body that is not JSON
        # once came out as one, 'not completed: JSONDecodeError', missing from the brief's log).
        assert outcomes["interrupted"] == 0, outcomes
        # At most 1.3 requests per article (retries and re-asks included).
        # Brief requests carry one article each (a part of it after `length`); the digest's
        # story synthesis adds a few requests of its own, counted in the bound too.
        briefs_sent = [r for r in sent_first if tool_of(r) == "BriefReply"]
        per_article = Counter(owner(r) for r in briefs_sent)
        assert set(per_article) == set(texts)
        assert max(per_article.values()) <= 2 * POLICY.attempts
        assert len(sent_first) / N <= 1.3, (len(sent_first) / N, Counter(map(tool_of, sent_first)))

        # The re-run, faults gone, briefs what failed and nothing else.
        server.faults = {}
        second = run_digest([str(folder)], base_url=server.base_url, **options)
        redone = [r for r in server.requests[len(sent_first) :] if tool_of(r) == "BriefReply"]
        again = {owner(r) for r in redone}
    assert again == set(failed)
    assert second.digest.totals["cached"] == len(briefed)
    assert second.digest.totals["briefed"] == len(failed)
    assert second.digest.failed == []
    ids = [r[0] for r in _rows(db, "SELECT article_id FROM briefs")]
    assert sorted(ids) == sorted(ours)  # every article, once
    assert len(_rows(db, "SELECT id FROM llm_calls")) == len(server.requests)


def test_a_body_that_is_not_json_is_a_recorded_call() -> None:
    """Each answer that is not JSON is one call in the log, with its reason, not a lost one."""
    from summarizer.engine import summarize
    from summarizer.errors import ReplyValidationError

    calls: list = []
    with (
        FakeOpenAIServer(responder=FirstSentencesResponder(), faults={"invalid_json": 1.0}) as s,
        pytest.raises(ReplyValidationError, match="after 3 attempt"),
    ):
        summarize(make(3), base_url=s.base_url, retry=POLICY, max_retries=2, on_call=calls.append)
    assert len(s.requests) == 3
    assert [c.outcome for c in calls] == ["invalid"] * 3
    assert all(c.error and "not JSON" in c.error for c in calls)
