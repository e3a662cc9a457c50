"""A cost cap is a cap: each call's worst case is reserved before it is sent (real local server).

Prices come from genai-prices' offline table (`SUMMARIZER_PRICES` overrides); a model with no
known price is refused by a capped run; every call is written down before it is sent and
completed after; replies over the size limit fail at once, without retries.
"""

from __future__ import annotations

import asyncio
import re
import threading
from typing import Any

import pytest

from summarizer import errors
from summarizer.brief.llm import RetryPolicy, make_client
from summarizer.brief.models import CallRecord
from summarizer.brief.pricing import cost_of, price_for, require_price
from summarizer.budget import Meter
from summarizer.engine import asummarize, summarize
from summarizer.testing.server import (
    FakeOpenAIServer,
    error,
    first_sentences_reply,
    reply,
    synthetic_article,
)

FAST = RetryPolicy(attempts=3, backoff_base_s=0.001, backoff_max_s=0.005)
MODEL = "gpt-4.1-mini"


def respond(request: dict[str, Any]) -> Any:
    from summarizer.testing.server import article_of

    return reply(first_sentences_reply(article_of(request)))


# --- prices -------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["gpt-4.1-mini", "gpt-5.1", "gpt-5.2", "o4-mini", "gpt-4o"])
def test_current_models_have_a_price_from_the_table(model: str) -> None:
    price = price_for(model)
    assert price is not None and price[0] > 0 and price[2] > price[0]


def test_a_dated_snapshot_has_its_models_price() -> None:
    assert price_for("gpt-4.1-mini-2025-04-14") == price_for("gpt-4.1-mini")


def test_cost_of_uses_list_prices_and_batch_halves_them() -> None:
    inp, _cached, out = price_for(MODEL) or (0, 0, 0)
    assert (inp, out) == (0.4, 1.6)
    assert cost_of(MODEL, 1_000_000, 1_000_000) == pytest.approx(2.0)
    assert cost_of(MODEL, 1_000_000, 1_000_000, batch=True) == pytest.approx(1.0)
    # cached input is cheaper than fresh input
    cached = cost_of(MODEL, 1_000_000, 0, cached_tokens=1_000_000) or 0
    assert 0 < cached < 0.4


def test_an_unknown_model_has_no_price_and_a_capped_run_refuses_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert price_for("llama3.1:8b") is None and cost_of("llama3.1:8b", 10, 10) is None
    with pytest.raises(errors.ConfigError) as info:
        require_price("llama3.1:8b")
    message = str(info.value)
    assert "'llama3.1:8b'" in message and "SUMMARIZER_PRICES" in message and "\n" not in message
    monkeypatch.setenv("SUMMARIZER_PRICES", '{"llama3.1": [0.1, 0.2]}')
    require_price("llama3.1:8b")
    assert price_for("llama3.1:8b") == (0.1, 0.1, 0.2)


def test_the_override_beats_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUMMARIZER_PRICES", '{"gpt-4.1-mini": [1, 0.5, 3]}')
    assert price_for(MODEL) == (1.0, 0.5, 3.0)
    assert cost_of(MODEL, 1_000_000, 1_000_000) == pytest.approx(4.0)


def test_a_broken_override_is_one_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUMMARIZER_PRICES", '{"m": "cheap"}')
    with pytest.raises(errors.ConfigError, match="SUMMARIZER_PRICES must be JSON"):
        price_for("m")


def test_summarize_with_a_cap_refuses_an_unpriced_model_before_any_call() -> None:
    with FakeOpenAIServer(responder=respond) as server:
        with pytest.raises(errors.ConfigError, match="no price is known for model 'gpt-9'"):
            summarize(synthetic_article(1), model="gpt-9", base_url=server.base_url, max_cost=1.0)
        assert server.requests == []


# --- the meter ------------------------------------------------------------------------------


def test_a_reservation_that_can_never_fit_is_refused_and_settling_frees_room() -> None:
    meter = Meter(0.01)
    worst = meter.worst_case(MODEL, 2000, 4096) or 0
    assert worst == pytest.approx((2000 * 0.4 + 4096 * 1.6) / 1e6)
    first = meter.reserve(MODEL, prompt_tokens=2000, max_tokens=4096)
    meter.settle(first, 0.003)
    assert meter.spent == pytest.approx(0.003) and meter.reserved == 0
    # 0.003 spent + 0.0074 worst case > 0.01: refused at once, nothing in flight to wait for
    with pytest.raises(errors.BudgetExceeded, match=r"cost cap \$0.0100 reached") as info:
        meter.reserve(MODEL, prompt_tokens=2000, max_tokens=4096)
    assert "\n" not in str(info.value)
    small = meter.reserve(MODEL, prompt_tokens=2000, max_tokens=1000)
    meter.abandon(small, "killed")  # no answer: may have been billed, counted whole
    assert meter.spent == pytest.approx(0.003 + (meter.worst_case(MODEL, 2000, 1000) or 0))


def test_a_batch_reservation_never_waits() -> None:
    meter = Meter(0.01)
    meter.reserve(MODEL, prompt_tokens=2000, max_tokens=4096)  # a live call in flight
    with pytest.raises(errors.BudgetExceeded):
        meter.reserve(MODEL, prompt_tokens=2000, max_tokens=4096, batch=True)


def test_a_call_that_fits_once_the_calls_in_flight_settle_waits_for_them() -> None:
    meter = Meter(0.01)
    first = meter.reserve(MODEL, prompt_tokens=2000, max_tokens=4096)
    threading.Timer(0.2, meter.settle, args=(first, 0.001)).start()
    second = meter.reserve(MODEL, prompt_tokens=2000, max_tokens=4096)  # blocks until then
    assert first.settled and meter.spent == pytest.approx(0.001)
    assert meter.reserved == pytest.approx(second.reserved or 0)


def test_concurrent_reservations_never_pass_the_cap() -> None:
    """16 threads reserve, hold, then settle at a fraction of the worst case: the cap holds at
    every moment, and the money under it is used."""
    cap = 0.05
    meter = Meter(cap)
    worst = meter.worst_case(MODEL, 1000, 1000) or 0
    peaks: list[float] = []
    granted: list[Any] = []
    lock = threading.Lock()

    def take() -> None:
        while True:
            try:
                ticket = meter.reserve(MODEL, prompt_tokens=1000, max_tokens=1000)
            except errors.BudgetExceeded:
                return
            with lock:
                granted.append(ticket)
                peaks.append(meter.committed)
            threading.Event().wait(0.002)
            meter.settle(ticket, worst / 4)

    threads = [threading.Thread(target=take) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert max(peaks) <= cap + 1e-12
    assert meter.reserved == 0 and meter.spent <= cap + 1e-12
    # refused only when even a settled purse has no room for one more worst case
    assert meter.spent + worst > cap
    assert len(granted) == len(peaks) > int(cap / worst)


# --- on a real server -----------------------------------------------------------------------


def _spent(records: list[CallRecord]) -> float:
    return sum(r.cost_usd or 0.0 for r in records)


@pytest.mark.parametrize("cap", [0.01, 0.05])
def test_concurrency_16_never_spends_over_the_cap(cap: float) -> None:
    """40 articles, 16 at once: what the server's usage says was spent stays under the cap, and
    an article is refused only when even the calls in flight settling would leave no room."""
    articles = [synthetic_article(i, words=900) for i in range(40)]
    records: list[CallRecord] = []
    meter = Meter(cap)

    async def run(server: FakeOpenAIServer) -> list[Any]:
        client = make_client(base_url=server.base_url, asynchronous=True)
        gate = asyncio.Semaphore(16)

        async def one(text: str) -> Any:
            async with gate:
                try:
                    return await asummarize(
                        text,
                        model=MODEL,
                        client=client,
                        on_call=records.append,
                        retry=FAST,
                        meter=meter,
                    )
                except errors.BudgetExceeded as exc:
                    return exc

        try:
            return await asyncio.gather(*(one(a) for a in articles))
        finally:
            await client.close()

    with FakeOpenAIServer(responder=respond, latency=0.05) as server:
        outcomes = asyncio.run(run(server))
        sent = len(server.requests)
    briefed = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, errors.BudgetExceeded)]
    assert len(briefed) + len(refused) == 40
    assert briefed and refused  # some fit, the rest were refused before being sent
    assert sent == len(records) == len(briefed)  # no call was sent and not recorded
    spent = _spent(records)
    assert 0 < spent <= cap
    assert meter.spent == pytest.approx(spent) and meter.reserved == 0
    assert all(f"cost cap ${cap:.4f} reached" in str(e) for e in refused)
    # each refused call's worst case would not have fit even with every call in flight settled
    worst = min(float(re.search(r"cost up to \$([\d.]+)", str(e))[1]) for e in refused)  # type: ignore[index]
    assert spent + worst > cap


def test_every_call_is_written_before_it_is_sent_and_completed_after() -> None:
    seen_by_server: list[int] = []
    begun: list[CallRecord] = []
    ended: list[tuple[int, CallRecord]] = []
    holder: dict[str, FakeOpenAIServer] = {}

    def on_begin(record: CallRecord) -> int:
        seen_by_server.append(len(holder["server"].requests))
        begun.append(record)
        return len(begun)

    def on_end(handle: int, record: CallRecord) -> None:
        ended.append((handle, record))

    steps = [error(500, "boom"), reply("not json at all")]
    with FakeOpenAIServer(steps, responder=respond) as server:
        holder["server"] = server
        summarize(
            synthetic_article(3),
            model=MODEL,
            base_url=server.base_url,
            retry=FAST,
            meter=Meter(1.0, on_begin=on_begin, on_end=on_end),
        )
        assert len(server.requests) == 3
    # each call was written down while the server had seen only the calls before it
    assert seen_by_server == [0, 1, 2]
    assert [r.outcome for r in begun] == ["sent"] * 3
    assert all((r.cost_usd or 0) > 0 for r in begun)  # reserved worst case
    assert [h for h, _ in ended] == [1, 2, 3]
    assert [r.outcome for _, r in ended] == ["server_error", "invalid", "ok"]
    assert ended[0][1].cost_usd == 0.0 and (ended[2][1].cost_usd or 0) > 0


def test_a_reply_over_the_size_limit_fails_at_once_and_is_recorded() -> None:
    records: list[CallRecord] = []
    with FakeOpenAIServer([reply({"title": "x" * 10_000_000})]) as server:
        with pytest.raises(errors.LLMError) as info:
            summarize(
                synthetic_article(2),
                model=MODEL,
                base_url=server.base_url,
                retry=FAST,
                on_call=records.append,
            )
        assert len(server.requests) == 1  # not retried
    assert type(info.value) is errors.LLMError
    assert "over the 4,000,000-byte limit" in str(info.value) and "\n" not in str(info.value)
    assert [r.outcome for r in records] == ["too_large"]


def test_a_key_given_to_the_client_is_redacted_whatever_its_prefix() -> None:
    key = "corp-gw-7f3a9c1e55b2d04e"
    step = error(401, f"Key {key} is not valid for this gateway")
    with FakeOpenAIServer([step]) as server, pytest.raises(errors.AuthenticationError) as info:
        summarize(synthetic_article(4), api_key=key, base_url=server.base_url, retry=FAST)
    assert key not in str(info.value) and "[redacted]" in str(info.value)


# --- the Batch API ----------------------------------------------------------------------------


def test_batch_submits_only_what_fits_at_batch_prices_and_collect_completes_the_rows(
    tmp_path: Any,
) -> None:
    from summarizer.brief import llm
    from summarizer.brief.models import SourceMeta
    from summarizer.digests import batch
    from summarizer.store import SQLiteStore

    store = SQLiteStore(tmp_path / "s.db")
    run_id = store.start_run({})
    texts = [synthetic_article(i, words=900) for i in range(10)]
    articles = {store.add_article(t, f"a{i}", SourceMeta()): t for i, t in enumerate(texts)}
    one = cost_of(MODEL, 2000, llm.DEFAULT_MAX_OUTPUT_TOKENS, batch=True) or 0
    meter = Meter(one * 4.5)  # room for 4 worst cases at batch prices (5 at list prices: 2)
    with FakeOpenAIServer(responder=respond) as server:
        client = make_client(base_url=server.base_url)
        got = batch.submit_within(
            store, client, articles, model=MODEL, lang=None, meter=meter, run_id=run_id
        )
        assert got.batch_id is not None
        assert 3 <= len(got.tickets) <= 4 and len(got.tickets) + len(got.over_cap) == 10
        assert list(articles)[: len(got.tickets)] == list(got.tickets)  # in order
        assert meter.committed <= meter.cap  # type: ignore[operator]
        # written down before the batch was sent, each with its reserved worst case
        rows = store.calls(run_id)
        assert [r["outcome"] for r in rows] == ["sent"] * len(got.tickets)
        assert {r["batch_id"] for r in rows} == {got.batch_id}
        assert all(r["reserved_usd"] == pytest.approx(r["cost_usd"]) for r in rows)
        uploaded = server.files["file-fake-1"].decode().splitlines()
        assert len(uploaded) == len(got.tickets)
        server.batch_polls = 0
        told: list[tuple[str, CallRecord]] = []
        done = batch.collect(
            store,
            client,
            model=MODEL,
            poll_s=0.01,
            on_call=lambda a, c: told.append((a, c)),
            record_calls=True,
            run_id=run_id,
        )
        client.close()
    assert set(done.briefs) == set(got.tickets)
    rows = store.calls(run_id)
    assert len(rows) == len(got.tickets) and {r["outcome"] for r in rows} == {"ok"}
    by_article = sorted(rows, key=lambda r: r["article_id"])
    for (article_id, call), row in zip(sorted(told, key=lambda t: t[0]), by_article, strict=True):
        assert row["article_id"] == article_id and row["cost_usd"] == pytest.approx(call.cost_usd)
        # batch price: half the list price of the same tokens
        assert call.cost_usd == pytest.approx(
            (cost_of(MODEL, call.usage.prompt_tokens, call.usage.completion_tokens) or 0) / 2
        )
    store.close()


def test_a_call_cancelled_in_flight_keeps_its_reservation_and_is_marked_interrupted() -> None:
    ended: list[CallRecord] = []
    meter = Meter(1.0, on_begin=lambda call: 1, on_end=lambda _row, call: ended.append(call))

    async def run(server: FakeOpenAIServer) -> None:
        client = make_client(base_url=server.base_url, asynchronous=True)
        task = asyncio.ensure_future(
            asummarize(synthetic_article(5), model=MODEL, client=client, meter=meter, retry=FAST)
        )
        while not server.requests:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await client.close()

    with FakeOpenAIServer(responder=respond, latency=5.0) as server:
        asyncio.run(run(server))
    assert [c.outcome for c in ended] == ["interrupted"]
    assert meter.reserved == 0 and meter.spent == pytest.approx(ended[0].cost_usd)
    assert meter.spent > 0
