"""Estimated prices per million tokens, to put a cost on every brief and cap a batch.

Prices change; these are OpenAI's list prices as published when this file was last edited
(2026-11). Override or add a model with SUMMARIZER_PRICES='{"model": [input, output]}' (USD per
million tokens). An unknown model costs `None`, never a guess.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from summarizer.models import Usage

# model prefix -> (input, cached input, output) USD per 1M tokens
PRICES: dict[str, tuple[float, float, float]] = {
    "gpt-4.1-nano": (0.10, 0.025, 0.40),
    "gpt-4.1-mini": (0.40, 0.10, 1.60),
    "gpt-4.1": (2.00, 0.50, 8.00),
    "gpt-4o-mini": (0.15, 0.075, 0.60),
    "gpt-4o": (2.50, 1.25, 10.00),
    "gpt-5-nano": (0.05, 0.005, 0.40),
    "gpt-5-mini": (0.25, 0.025, 2.00),
    "gpt-5": (1.25, 0.125, 10.00),
}


def _table() -> dict[str, tuple[float, float, float]]:
    table = dict(PRICES)
    extra = os.environ.get("SUMMARIZER_PRICES")
    if extra:
        for name, price in json.loads(extra).items():
            inp, out = float(price[0]), float(price[-1])
            table[name] = (inp, inp, out)
    return table


def price_for(model: str) -> tuple[float, float, float] | None:
    """The (input, cached input, output) price of `model`, matched on the longest known prefix."""
    table = _table()
    for name in sorted(table, key=len, reverse=True):
        if model == name or model.startswith(name + "-") or model.startswith(name + ":"):
            return table[name]
    return None


def estimate_cost(model: str | None, usage: Usage, *, batch: bool = False) -> float | None:
    """Estimate the USD cost of `usage` on `model`; None when the model's price is unknown."""
    price = price_for(model) if model else None
    if price is None:
        return None
    inp, cached, out = price
    fresh = max(usage.prompt_tokens - usage.cached_tokens, 0)
    cost = (fresh * inp + usage.cached_tokens * cached + usage.completion_tokens * out) / 1e6
    # The Batch API bills half.
    return round(cost / 2 if batch else cost, 8)
