"""A cap on the size of a model endpoint's reply, enforced while it is read.

A brief's reply is tens of kilobytes. A server that answers with 10 MB (a proxy's error page, a
runaway model, a hostile endpoint) must not be read whole, parsed, re-asked and stored: the
reply is cut off the moment it passes the limit, and `ReplyTooLarge` says so in one line.

`CappedTransport` / `AsyncCappedTransport` wrap the HTTP transport of the client the OpenAI SDK
uses (httpx2): a `Content-Length` over the limit fails before the body is read, and a body with
no length fails as soon as the bytes read pass the limit. The SDK wraps any error raised while
reading into `APIConnectionError`, with ours as its `__cause__`; `summarizer.brief.llm` turns that
into a model error that is not retried.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx2

# 4 MB: a hundred times the largest reply a brief needs, well under the 10 MB that hurt.
MAX_REPLY_BYTES = 4_000_000


class ReplyTooLarge(Exception):
    """The reply passed the size limit; it was not read further."""

    def __init__(self, limit: int, url: str, declared: int | None = None) -> None:
        self.limit = limit
        self.url = url
        self.declared = declared
        size = f"{declared:,} bytes" if declared is not None else f"more than {limit:,} bytes"
        super().__init__(
            f"the reply from {url} is {size}, over the {limit:,}-byte limit for a reply; "
            "it was not read further"
        )


def _declared(response: httpx2.Response) -> int | None:
    value = response.headers.get("content-length", "")
    return int(value) if value.strip().isdigit() else None


class _Capped(httpx2.SyncByteStream):
    def __init__(self, inner: httpx2.SyncByteStream, limit: int, url: str) -> None:
        self.inner, self.limit, self.url = inner, limit, url

    def __iter__(self) -> Iterator[bytes]:
        seen = 0
        for chunk in self.inner:
            seen += len(chunk)
            if seen > self.limit:
                self.inner.close()  # drop the connection: the rest is never read
                raise ReplyTooLarge(self.limit, self.url)
            yield chunk

    def close(self) -> None:
        self.inner.close()


class _AsyncCapped(httpx2.AsyncByteStream):
    def __init__(self, inner: httpx2.AsyncByteStream, limit: int, url: str) -> None:
        self.inner, self.limit, self.url = inner, limit, url

    async def __aiter__(self) -> AsyncIterator[bytes]:
        seen = 0
        async for chunk in self.inner:
            seen += len(chunk)
            if seen > self.limit:
                await self.inner.aclose()
                raise ReplyTooLarge(self.limit, self.url)
            yield chunk

    async def aclose(self) -> None:
        await self.inner.aclose()


class CappedTransport(httpx2.BaseTransport):
    """An httpx2 transport whose replies may not exceed `limit` bytes (as sent on the wire)."""

    def __init__(
        self, inner: httpx2.BaseTransport | None = None, *, limit: int = MAX_REPLY_BYTES
    ) -> None:
        self.inner = inner or httpx2.HTTPTransport()
        self.limit = limit

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response = self.inner.handle_request(request)
        url = str(request.url)
        declared = _declared(response)
        if declared is not None and declared > self.limit:
            response.close()
            raise ReplyTooLarge(self.limit, url, declared)
        stream = response.stream
        assert isinstance(stream, httpx2.SyncByteStream)
        return httpx2.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_Capped(stream, self.limit, url),
            extensions=response.extensions,
            request=request,
        )

    def close(self) -> None:
        self.inner.close()


class AsyncCappedTransport(httpx2.AsyncBaseTransport):
    """`CappedTransport` for the asynchronous client."""

    def __init__(
        self, inner: httpx2.AsyncBaseTransport | None = None, *, limit: int = MAX_REPLY_BYTES
    ) -> None:
        self.inner = inner or httpx2.AsyncHTTPTransport()
        self.limit = limit

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.inner.handle_async_request(request)
        url = str(request.url)
        declared = _declared(response)
        if declared is not None and declared > self.limit:
            await response.aclose()
            raise ReplyTooLarge(self.limit, url, declared)
        stream = response.stream
        assert isinstance(stream, httpx2.AsyncByteStream)
        return httpx2.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_AsyncCapped(stream, self.limit, url),
            extensions=response.extensions,
            request=request,
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


def too_large(exc: BaseException) -> ReplyTooLarge | None:
    """The `ReplyTooLarge` behind an error the SDK raised (its cause, or a cause of that)."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return None
        if isinstance(seen, ReplyTooLarge):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
