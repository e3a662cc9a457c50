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
from typing import TYPE_CHECKING

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
