"""Reading one article: from a file, stdin or a URL; plain text or HTML; any encoding.

Everything that is not a clean article is refused here, before any model is called, with a
one-line error that names the input: empty, binary, too large, undecodable, an HTML page with no
article, a URL that fails, times out or redirects forever.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from summarizer.brief.models import SourceMeta
from summarizer.errors import FetchError, InputError

MAX_BYTES = 10_000_000
USER_AGENT = "summarizer/0.1 (+https://summarizer.local)"

# Polite fetching: at most this many requests to one host at once (`per_host` setting,
# SUMMARIZER_PER_HOST). A host is the URL's lowercased hostname and port (the scheme's default
# port when none is given), so `http://a.example/x` and `http://A.example:80/y` share a limit,
# while two ports of one machine are two hosts. The limit holds across every thread of the
# process (the digest fetches in worker threads); requests to other hosts are not held up.
DEFAULT_PER_HOST = 4
ENV_PER_HOST = "SUMMARIZER_PER_HOST"
_host_gates: dict[tuple[str, int], threading.BoundedSemaphore] = {}
_host_gates_lock = threading.Lock()
_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive (or an Office document)",
    b"\x1f\x8b": "gzip-compressed data",
    b"\x7fELF": "a program (ELF)",
    b"BZh": "bzip2-compressed data",
    b"\xfd7zXZ": "xz-compressed data",
    b"ID3": "an MP3 file",
}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)
_HTML_SNIFF = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<meta|<div|<p[\s>])", re.I)
MIN_ARTICLE_CHARS = 200
_LATIN_SINGLE_BYTE = {
    "cp1250",
    "cp1252",
    "cp1254",
    "cp1257",
    "latin1",
    "iso88591",
    "iso885915",
    "iso88592",
    "iso88599",
    "iso885913",
    "macroman",
}
# Link lines news sites put inside the article body.
_BOILERPLATE_LINE = re.compile(r"^\s*(read more|also read|read also|related|see also)\s*:", re.I)


@dataclass(frozen=True)
class Article:
    """Clean article text and what is known of its source."""

    text: str
    source: SourceMeta


def _looks_binary(data: bytes) -> str | None:
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            return what
    sample = data[:8192]
    # UTF-16 text has NULs too, but then it starts with a BOM or has them in a pattern.
    utf16 = sample.startswith((b"\xff\xfe", b"\xfe\xff")) or _utf16_guess(sample)
    if b"\x00" in sample and not utf16:
        return "binary data (it contains NUL bytes)"
    return None


def _utf16_guess(sample: bytes) -> str | None:
    if len(sample) < 4:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) // 2
    if odd > half * 0.6 and even < half * 0.1:
        return "utf-16-le"
    if even > half * 0.6 and odd < half * 0.1:
        return "utf-16-be"
    return None


def decode(data: bytes, *, name: str, declared: str | None = None) -> str:
    """Bytes to text: BOM, then the declared charset, then UTF-8, then detection."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    guess16 = _utf16_guess(data[:8192])
    if guess16:
        return data.decode(guess16, errors="replace")
    candidates = []
    if declared:
        candidates.append(declared)
    m = _META_CHARSET.search(data[:4096])
    if m:
        candidates.append(m.group(1).decode("ascii", "ignore"))
    for enc in candidates:
        try:
            text = data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
        # A page that declares utf-8 but is windows-1252 fails strict decoding above; one that
        # declares latin-1 always decodes, so only trust it when the text looks sane.
        if "\ufffd" not in text:
            return text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError(
            "cannot tell the text encoding (not UTF-8, and detection failed)", source=name
        )
    # Detectors confuse the single-byte Latin code pages with each other; windows-1252 is by
    # far the most common of them in news text, so it wins when it decodes cleanly.
    if best.encoding.replace("_", "").lower() in _LATIN_SINGLE_BYTE:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    return str(best)


def _clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    lines = [ln.rstrip() for ln in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _is_html(data: bytes, name: str, content_type: str | None) -> bool:
    if content_type and "html" in content_type.lower():
        return True
    if name.lower().endswith((".html", ".htm", ".xhtml")):
        return True
    return bool(_HTML_SNIFF.match(data[:1024].lstrip(b"\xef\xbb\xbf")))


def extract_html(html: str, *, name: str, url: str | None = None) -> tuple[str, SourceMeta]:
    """The article inside an HTML page, with its metadata (trafilatura, precision first)."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        html,
        url=url,
        favor_precision=True,
        include_comments=False,
        include_tables=False,
        with_metadata=True,
    )
    text = (getattr(doc, "text", None) or "") if doc is not None else ""
    if len(text.strip()) < MIN_ARTICLE_CHARS:
        raise InputError("no article text found in this HTML page", source=name)
    meta = SourceMeta(
        url=url or (getattr(doc, "url", None) or None),
        title=getattr(doc, "title", None) or None,
        author=getattr(doc, "author", None) or None,
        date=getattr(doc, "date", None) or None,
        site=getattr(doc, "sitename", None) or None,
    )
    kept = [ln for ln in text.split("\n") if not _BOILERPLATE_LINE.match(ln)]
    return _clean_text("\n".join(kept)), meta


def article_from_bytes(
    data: bytes, *, name: str, content_type: str | None = None, url: str | None = None
) -> Article:
    """Decode, extract when HTML, check, and describe one article."""
    if not data.strip():
        raise InputError("the input is empty", source=name)
    what = _looks_binary(data)
    if what:
        raise InputError(f"this is {what}, not an article", source=name)
    declared = None
    if content_type:
        m = re.search(r"charset=([\w.:-]+)", content_type, re.I)
        declared = m.group(1) if m else None
    text = decode(data, name=name, declared=declared)
    if _is_html(data, name, content_type):
        body, meta = extract_html(text, name=name, url=url)
    else:
        body, meta = _clean_text(text), SourceMeta(url=url)
        if not body:
            raise InputError("the input is empty", source=name)
        controls = sum(1 for c in body[:20000] if ord(c) < 32 and c not in "\n\t\f")
        if controls > len(body[:20000]) * 0.05:
            raise InputError("this looks binary, not an article (control characters)", source=name)
    if sum(c.isalpha() for c in body[:20000]) < 20:
        raise InputError("this has almost no words: not an article", source=name)
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    return Article(text=body, source=meta.model_copy(update={"content_sha256": digest}))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _guarded_opener(allow_private: bool | None) -> urllib.request.OpenerDirector:
    """An opener that follows no redirect and connects only to addresses `netguard` allows.

    Through a proxy (http_proxy, https_proxy) the proxy resolves the host, so only the URL's
    own check (`netguard.check_url`, before each hop) applies.
    """
    import functools
    import http.client

    from summarizer.netguard import guarded_connection

    connect = guarded_connection(allow_private)

    class HTTPConn(http.client.HTTPConnection):
        def __init__(self, *args: Any, guard: Any = None, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if guard is not None:
                self._create_connection = guard

    class HTTPSConn(http.client.HTTPSConnection):
        def __init__(self, *args: Any, guard: Any = None, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if guard is not None:
                self._create_connection = guard

    def guard_for(req: urllib.request.Request) -> Any:
        proxied = req.has_proxy() or bool(getattr(req, "_tunnel_host", None))
        return None if proxied else connect

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> Any:
            return self.do_open(functools.partial(HTTPConn, guard=guard_for(req)), req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> Any:
            conn = functools.partial(HTTPSConn, guard=guard_for(req))
            return self.do_open(conn, req, context=getattr(self, "_context", None))

    return urllib.request.build_opener(_NoRedirect, HTTPHandler, HTTPSHandler)


def host_key(url: str) -> str:
    """The host a per-host fetch limit counts against: `hostname:port`, lowercased."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    port = port or (443 if parts.scheme.lower() == "https" else 80)
    return f"{(parts.hostname or '').lower()}:{port}"


def per_host_limit(value: int | None = None) -> int:
    """`value` when given, else SUMMARIZER_PER_HOST, else `DEFAULT_PER_HOST`; at least 1."""
    if value is None:
        raw = os.environ.get(ENV_PER_HOST, "").strip()
        try:
            value = int(raw) if raw else DEFAULT_PER_HOST
        except ValueError:
            raise InputError(f"{ENV_PER_HOST} must be a whole number, got {raw!r}") from None
    if value < 1:
        raise InputError(f"per_host must be at least 1, got {value}")
    return value


def host_gate(url: str, limit: int | None = None) -> threading.BoundedSemaphore:
    """The semaphore shared by every fetch of `url`'s host under this limit."""
    key = (host_key(url), per_host_limit(limit))
    with _host_gates_lock:
        gate = _host_gates.get(key)
        if gate is None:
            gate = _host_gates[key] = threading.BoundedSemaphore(key[1])
        return gate


def fetch_url(
    url: str,
    *,
    timeout: float = 20.0,
    max_bytes: int = MAX_BYTES,
    max_redirects: int = 5,
    allow_private: bool | None = None,
    per_host: int | None = None,
    headers: dict[str, str] | None = None,
    info: dict[str, Any] | None = None,
) -> tuple[bytes, str, str | None]:
    """GET a URL: (body, final URL, content type). Redirects are followed up to a limit.

    `headers` are sent too (e.g. If-None-Match for a conditional GET). With `info`, it is
    filled with the response's `status`, `etag` and `last_modified`; a 304 Not Modified is then
    `(b"", final URL, None)` with `info["status"] == 304`, not an error.

    Every hop (the URL, then each redirect's target) must be http(s) and, unless private hosts
    are allowed (`allow_private`, else SUMMARIZER_ALLOW_PRIVATE_URLS), resolve only to global
    addresses: `summarizer.netguard`. Each hop waits for a slot of its host (`host_key`): at
    most `per_host` (else SUMMARIZER_PER_HOST, else 4) requests to one host at once.
    """
    import socket
    from urllib.parse import urljoin

    from summarizer.netguard import check_url

    opener = _guarded_opener(allow_private)
    current = url
    for _ in range(max_redirects + 1):
        check_url(current, allow_private=allow_private, source=url)
        request = urllib.request.Request(
            current,
            headers={"User-Agent": USER_AGENT, "Accept": "text/html,*/*", **(headers or {})},
        )
        try:
            with host_gate(current, per_host), opener.open(request, timeout=timeout) as response:
                body = response.read(max_bytes + 1)
                if len(body) > max_bytes:
                    raise InputError(f"the page is larger than {max_bytes:,} bytes", source=url)
                if info is not None:
                    info.update(
                        status=response.status,
                        etag=response.headers.get("etag"),
                        last_modified=response.headers.get("last-modified"),
                    )
                return body, response.geturl(), response.headers.get("content-type")
        except urllib.error.HTTPError as exc:
            if exc.code == 304 and info is not None:
                info.update(
                    status=304,
                    etag=exc.headers.get("etag"),
                    last_modified=exc.headers.get("last-modified"),
                )
                exc.close()
                return b"", current, None
            if exc.code in (301, 302, 303, 307, 308) and exc.headers.get("location"):
                current = urljoin(current, exc.headers["location"])
                exc.close()
                continue
            exc.close()
            raise FetchError(f"HTTP {exc.code} {exc.reason}", source=url) from None
        except TimeoutError:
            raise FetchError(f"timed out after {timeout:g}s", source=url) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError | socket.timeout):
                raise FetchError(f"timed out after {timeout:g}s", source=url) from None
            text = getattr(reason, "strerror", None) or str(reason)
            raise FetchError(f"cannot connect: {text}", source=url) from None
        except (ConnectionError, OSError) as exc:
            raise FetchError(f"connection failed: {exc}", source=url) from None
    raise FetchError(f"too many redirects (more than {max_redirects})", source=url)


def load_url(
    url: str,
    *,
    timeout: float = 20.0,
    max_bytes: int = MAX_BYTES,
    allow_private: bool | None = None,
) -> Article:
    """One article from an http(s) URL, and only that: for links someone else wrote.

    A feed entry's `<link>` or a line of a URL list is never a path: `/etc/passwd`,
    `~/.config/summarizer/config.toml` or `-` given there is refused (`FetchError`), where
    `load_source` would read the file.
    """
    if not re.match(r"^https?://", url.strip(), re.I):
        raise FetchError("only http and https URLs can be fetched", source=url)
    body, final, ctype = fetch_url(
        url.strip(), timeout=timeout, max_bytes=max_bytes, allow_private=allow_private
    )
    return article_from_bytes(body, name=url, content_type=ctype, url=final)


def load_source(
    source: str,
    *,
    timeout: float = 20.0,
    max_bytes: int = MAX_BYTES,
    stdin: BinaryIO | None = None,
    allow_private: bool | None = None,
) -> Article:
    """One article from a file path, "-" (stdin) or an http(s) URL (the user's own argument;
    a link from a feed or a list goes to `load_url`, which never reads a file)."""
    if re.match(r"^https?://", source, re.I):
        return load_url(source, timeout=timeout, max_bytes=max_bytes, allow_private=allow_private)
    if source == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        data = stream.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise InputError(f"more than {max_bytes:,} bytes on stdin", source="stdin")
        return article_from_bytes(data, name="stdin")
    path = Path(source)
    if not path.exists():
        raise InputError("no such file", source=source)
    if path.is_dir():
        raise InputError("is a folder, not a file", source=source)
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(
            f"the file is too large ({size:,} bytes; the limit is {max_bytes:,})", source=source
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source=source) from None
    article = article_from_bytes(data, name=source)
    meta = article.source.model_copy(update={"path": str(path)})
    return Article(text=article.text, source=meta)
