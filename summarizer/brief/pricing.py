"""Prices of model calls: what a call cost, and the most it can cost before it is sent.

Prices come from `genai-prices` (pydantic's maintained table of LLM prices, shipped inside the
package: no network at run time), looked up for the OpenAI provider first, then for any provider
that knows the model. `SUMMARIZER_PRICES='{"model": [input, output]}'` (USD per million tokens;
an optional middle value is the cached-input price) overrides or adds a model, matched on the
longest prefix. An unknown model costs `None`, never a guess: a capped run refuses such a model
(`require_price`).

The Batch API bills half of the list price.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from summarizer.errors import ConfigError

if TYPE_CHECKING:
    from summarizer.brief.models import Usage

ENV_PRICES = "SUMMARIZER_PRICES"


def _overrides() -> dict[str, tuple[float, float, float]]:
    raw = os.environ.get(ENV_PRICES)
    if not raw:
        return {}
    return _parse_overrides(raw)


@lru_cache(maxsize=8)
def _parse_overrides(raw: str) -> dict[str, tuple[float, float, float]]:
    try:
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise TypeError("not an object")
        table: dict[str, tuple[float, float, float]] = {}
        for name, price in data.items():
            values = [float(v) for v in (price if isinstance(price, list) else [price])]
            if not 1 <= len(values) <= 3 or min(values) < 0:
                raise ValueError(name)
            inp, out = values[0], values[-1]
            cached = values[1] if len(values) == 3 else inp
            table[str(name)] = (inp, cached, out)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f'{ENV_PRICES} must be JSON like {{"model": [input, output]}} in USD per million '
            f"tokens ({exc})"
        ) from None
    return table


def _override_for(model: str) -> tuple[float, float, float] | None:
    table = _overrides()
    for name in sorted(table, key=len, reverse=True):
        if model == name or model.startswith(name + "-") or model.startswith(name + ":"):
            return table[name]
    return None


def _table_cost(model: str, prompt: int, cached: int, completion: int) -> float | None:
    """USD from genai-prices' table for these tokens, or None when it does not know the model."""
    line = _table_line(model)
    if line is None:
        return _calc_price(model, prompt, cached, completion)
    inp, cache_read, out = line
    # What genai-prices' own sum gives, term for term: each term is price * count / 1e6 in
    # Decimal, exact at these sizes, so the total and its float are the same to the last bit.
    total = (
        inp * (prompt - cached) / _MILLION
        + cache_read * cached / _MILLION
        + out * completion / _MILLION
    )
    return float(total)


_MILLION = Decimal(1_000_000)
# genai-prices' ModelPrice (by id, the object kept so the id is not reused) -> the model's price
# per million (input, cached input, output) when its cost is that linear sum, else None.
_lines: dict[int, tuple[Any, tuple[Decimal, Decimal, Decimal] | None]] = {}


def _table_line(model: str) -> tuple[Decimal, Decimal, Decimal] | None:
    """The linear prices of what genai-prices' `calc_price` would use for `model` now, looked
    up as `_calc_price` does (the OpenAI provider first, then any); None when there are none
    (an unknown model too: `_calc_price` says so).

    `calc_price` costs ~0.13 ms per call, mostly working out which usage counts its units
    price; a brief calls it twice. A price that is a plain sum of input, cached-input and output
    prices per million (no tiers by prompt size, no price per request: every OpenAI model) is
    worked out once, from genai-prices' own answers, and then costs a few Decimal operations;
    any other price goes through `calc_price` every time, as before. The lookup itself is done
    on every call (genai-prices caches it): a price that changes on a date, or the table being
    replaced, is seen as `calc_price` would see it."""
    from datetime import UTC, datetime

    from genai_prices.data_snapshot import get_snapshot

    snapshot = get_snapshot()
    for provider_id in ("openai", None):
        try:
            provider, info = snapshot.find_provider_model(model, None, provider_id, None)
        except LookupError:
            continue
        if provider.id == "groq":  # calc_price bills some of groq's audio models its own way
            return None
        price = info.get_prices(datetime.now(tz=UTC))
        known = _lines.get(id(price))
        if known is None or known[0] is not price:
            known = _lines[id(price)] = (price, _linear(price))
        return known[1]
    return None


def _calc_price(model: str, prompt: int, cached: int, completion: int) -> float | None:
    """genai-prices' `calc_price` for these tokens, or None when it does not know the model."""
    from genai_prices import Usage as PriceUsage
    from genai_prices import calc_price

    usage = PriceUsage(
        input_tokens=prompt, cache_read_tokens=cached or None, output_tokens=completion
    )
    for provider in ("openai", None):
        try:
            result = calc_price(usage, model_ref=model, provider_id=provider)
        except LookupError:
            continue
        return float(Decimal(result.total_price))
    return None


def _linear(price: Any) -> tuple[Decimal, Decimal, Decimal] | None:
    """(input, cached input, output) USD per million tokens when genai-prices' cost at `price`
    is exactly their sum over the tokens; None when it is not (tiers, a price per request, units
    it cannot price) or not sure."""
    from genai_prices import Usage as PriceUsage
    from genai_prices.types import TieredPrices

    if any(isinstance(v, TieredPrices) for v in vars(price).values()):
        return None
    million = 1_000_000

    def cost(prompt: int, cached: int, completion: int) -> Decimal:
        usage = PriceUsage(
            input_tokens=prompt, cache_read_tokens=cached or None, output_tokens=completion
        )
        return Decimal(price.calc_price(usage)["total_price"])

    try:
        if cost(0, 0, 0) != 0:  # a price per request
            return None
        line = (cost(million, 0, 0), cost(million, million, 0), cost(0, 0, million))
        # Spot checks of the sum against genai-prices itself.
        for p, c, o in ((1234, 567, 89), (million, 0, million), (7, 7, 0)):
            want = (line[0] * (p - c) + line[1] * c + line[2] * o) / _MILLION
            if cost(p, c, o) != want:
                return None
    except Exception:  # anything genai-prices refuses: leave it to calc_price each time
        return None
    return line


def price_for(model: str) -> tuple[float, float, float] | None:
    """The (input, cached input, output) USD per million tokens of `model`; None if unknown."""
    override = _override_for(model)
    if override is not None:
        return override
    million = 1_000_000
    inp = _table_cost(model, million, 0, 0)
    if inp is None:
        return None
    cached = _table_cost(model, million, million, 0)
    out = _table_cost(model, 0, 0, million)
    return (inp, inp if cached is None else cached, out or 0.0)


def cost_of(
    model: str | None,
    prompt_tokens: int,
    completion_tokens: int,
    *,
    cached_tokens: int = 0,
    batch: bool = False,
) -> float | None:
    """USD for these tokens on `model` (list price, or half with `batch`); None if unknown."""
    if not model:
        return None
    cached_tokens = min(max(cached_tokens, 0), max(prompt_tokens, 0))
    override = _override_for(model)
    if override is not None:
        inp, cached, out = override
        fresh = max(prompt_tokens - cached_tokens, 0)
        cost: float | None = (fresh * inp + cached_tokens * cached + completion_tokens * out) / 1e6
    else:
        cost = _table_cost(model, max(prompt_tokens, 0), cached_tokens, max(completion_tokens, 0))
    if cost is None:
        return None
    return round(cost / 2 if batch else cost, 8)


def estimate_cost(model: str | None, usage: Usage, *, batch: bool = False) -> float | None:
    """Estimate the USD cost of `usage` on `model`; None when the model's price is unknown."""
    return cost_of(
        model,
        usage.prompt_tokens,
        usage.completion_tokens,
        cached_tokens=usage.cached_tokens,
        batch=batch,
    )


def require_price(model: str) -> None:
    """Raise a one-line `ConfigError` when a capped run's model has no known price."""
    if cost_of(model, 1000, 1000) is None:
        raise ConfigError(
            f"no price is known for model {model!r}, so a cost cap cannot be kept: set it with "
            f"{ENV_PRICES}='{{\"{model}\": [input, output]}}' (USD per million tokens), or "
            "drop the cap (--max-cost, max_cost)"
        )
