"""Prices from genai-prices' table: the cached per-model price gives what `calc_price` gives.

`pricing._table_cost` works a linear price out once per model and then adds it up itself; these
tests hold it to genai-prices' own `calc_price` (`pricing._calc_price`), to the last bit, for
every model of every provider in the bundled table, and show which prices are left to
`calc_price` (tiers, a price per request, a price that changes with the time of day).
"""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from genai_prices.data_snapshot import get_snapshot

from summarizer.brief import pricing

USAGES = [
    (0, 0, 0),
    (1, 0, 1),
    (1900, 0, 300),
    (1900, 1024, 300),
    (1_000_000, 0, 1_000_000),
    (250_000, 200_000, 8_000),
    (3_000_000, 0, 16_384),  # past any tier's threshold
]


def _models() -> list[str]:
    """Every model id of the table that `calc_price` finds as we look it up."""
    seen: dict[str, None] = {}
    for provider in get_snapshot().providers:
        for model in provider.models:
            seen.setdefault(model.id, None)
    return [m for m in seen if pricing._calc_price(m, 1, 0, 1) is not None]


def test_the_table_has_models_with_and_without_a_linear_price() -> None:
    lines = {m: pricing._table_line(m) for m in _models()}
    assert lines["gpt-4.1-mini"] == (Decimal("0.4"), Decimal("0.1"), Decimal("1.6"))
    assert sum(line is not None for line in lines.values()) > 300
    # Prices with tiers by prompt size (claude-sonnet-4-5, some Gemini models) are left to
    # calc_price.
    assert lines["claude-sonnet-4-5"] is None


def test_every_model_costs_what_calc_price_says() -> None:
    models = _models()
    assert len(models) > 400
    rng = random.Random(15)
    usages = USAGES + [
        (p, rng.randint(0, p), rng.randint(0, 50_000))
        for p in (rng.randint(1, 400_000) for _ in range(5))
    ]
    for model in models:
        for prompt, cached, completion in usages:
            want = pricing._calc_price(model, prompt, cached, completion)
            got = pricing._table_cost(model, prompt, cached, completion)
            assert got == want, (model, prompt, cached, completion)


@pytest.mark.parametrize("model", ["gpt-4.1-mini", "gpt-5.1", "o4-mini", "gpt-4o"])
def test_cost_of_is_calc_price_for_openai_models(model: str) -> None:
    assert pricing._table_line(model) is not None
    for prompt, cached, completion in USAGES:
        want = pricing._calc_price(model, prompt, cached, completion)
        assert pricing.cost_of(model, prompt, completion, cached_tokens=cached) == (
            None if want is None else round(want, 8)
        )


def test_an_unknown_model_has_no_price() -> None:
    assert pricing._table_line("llama3.1:8b") is None
    assert pricing._table_cost("llama3.1:8b", 10, 0, 10) is None


def test_a_price_that_is_not_a_plain_sum_is_not_made_one() -> None:
    class PerRequest:
        """A price with a fixed part per request, as genai-prices' `requests_kcount`."""

        def calc_price(self, usage: object) -> dict[str, Decimal]:
            tokens = (usage.input_tokens or 0) + (usage.output_tokens or 0)  # type: ignore[attr-defined]
            return {"total_price": Decimal("0.01") + Decimal(tokens) / 1_000_000}

    class Stepped:
        """A price that changes above some prompt size (what a tier does)."""

        def calc_price(self, usage: object) -> dict[str, Decimal]:
            inp = usage.input_tokens or 0  # type: ignore[attr-defined]
            rate = Decimal(2) if inp > 200_000 else Decimal(1)
            return {"total_price": rate * inp / 1_000_000}

    assert pricing._linear(PerRequest()) is None
    assert pricing._linear(Stepped()) is None
