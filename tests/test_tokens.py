"""Token counts: exact for OpenAI models from the shipped encodings, estimated for the rest."""

from __future__ import annotations

import pytest

from summarizer.brief import tokens
from summarizer.brief.tokens import chunk_text, count_tokens, estimate_tokens
from tests.conftest import SEED

CHINESE = (
    "周二，市议会以七票对两票通过决议，决定关闭位于老城区的中央图书馆，并将其藏书转移到新建的文化中心。"
    "市长李明在会后表示，这一决定是为了节省每年约三百万元的维护费用。反对者认为，图书馆是社区的重要公共"
    "空间，关闭它将影响数千名老年人和学生。图书馆之友协会会长王芳说：“我们会继续通过法律途径维护市民的权利。”"
    "据当地媒体报道，新文化中心预计明年春季开放，但具体日期尚未确定。市政府发言人拒绝就搬迁费用发表评论。"
)
JAPANESE = (
    "政府は火曜日、新たな経済対策を閣議決定した。総額は約十兆円に上り、物価高に苦しむ家計への支援が柱となる。"
    "首相は記者会見で「国民の生活を守るために全力を尽くす」と述べた。一方、野党は財源の説明が不十分だと批判している。"
)


@pytest.fixture(autouse=True)
def _no_download(monkeypatch: pytest.MonkeyPatch) -> None:
    """tiktoken must never fetch (or read a cached download of) an encoding."""
    import tiktoken.load

    def refuse(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("tiktoken tried to load an encoding by itself")

    monkeypatch.setattr(tiktoken.load, "read_file", refuse)
    monkeypatch.setattr(tiktoken.load, "read_file_cached", refuse)


@pytest.mark.parametrize(
    ("model", "text", "ids"),
    [
        # the token ids tiktoken's README and tests give for these encodings
        ("gpt-4o", "hello world", [24912, 2375]),
        ("gpt-4.1-mini", "hello world", [24912, 2375]),
        ("gpt-4", "hello world", [15339, 1917]),
        ("gpt-3.5-turbo", "hello world", [15339, 1917]),
    ],
)
def test_openai_models_get_their_exact_encoding(model: str, text: str, ids: list[int]) -> None:
    encoding = tokens.encoding_for(model)
    assert encoding is not None
    assert encoding.encode(text) == ids
    assert count_tokens(text, model) == len(ids)


@pytest.mark.parametrize(
    ("model", "exact"),
    [("gpt-4.1-mini", 787), ("gpt-4", 789), ("llama3.1", None), (None, None)],
)
def test_seed_article(model: str | None, exact: int | None) -> None:
    text = SEED.read_text(encoding="utf-8")
    if exact is None:
        assert count_tokens(text, model) == estimate_tokens(text)
    else:
        assert count_tokens(text, model) == exact


def test_shipped_files_have_tiktokens_hashes() -> None:
    from tiktoken_ext import openai_public

    for name in tokens.ENCODINGS:
        assert tokens.load_encoding(name).name == name
        # the hash checked is tiktoken's own, read from its definition of the encoding
        assert name in openai_public.ENCODING_CONSTRUCTORS
    with pytest.raises(ValueError, match=r"SHA-256 \w+ is not the 0000 tiktoken expects"):
        tokens._ranks("o200k_base.tiktoken", "0000")


def test_a_file_that_fails_its_check_falls_back_to_the_estimate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def tampered(name: str) -> object:
        raise ValueError(f"{name}: SHA-256 mismatch")

    monkeypatch.setattr(tokens, "load_encoding", tampered)
    text = SEED.read_text(encoding="utf-8")
    assert count_tokens(text, "gpt-4o") == estimate_tokens(text)


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        # CJK per character: at or a little above the exact count, never a third of it
        (CHINESE, 1.0, 1.5),
        (JAPANESE, 1.0, 1.5),
        # English news: a little above, no longer 1.3 times
        (SEED.read_text(encoding="utf-8"), 1.0, 1.2),
    ],
    ids=["chinese", "japanese", "english"],
)
def test_estimate_is_close_to_o200k(text: str, low: float, high: float) -> None:
    ratio = estimate_tokens(text) / count_tokens(text, "gpt-4o")
    assert low <= ratio <= high


@pytest.mark.parametrize("model", ["gpt-4o", "gpt-4", None])
def test_chunks_fit_the_models_budget_chinese_included(model: str | None) -> None:
    text = "\n\n".join([CHINESE * 4, JAPANESE * 6, SEED.read_text(encoding="utf-8")])
    chunks = chunk_text(text, 300, model)
    assert len(chunks) > 3
    assert all(count_tokens(c, model) <= 300 for c in chunks)
    assert "".join("".join(chunks).split()) == "".join(text.split())
