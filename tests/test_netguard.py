"""Hostile URLs: feeds, URL lists, redirects and `brief URL` never reach inside the machine.

An "inside" server on 127.0.0.1 holds a secret page; every test counts the requests it got. A
"public" site is played by a second server on 127.0.0.2, which these tests (and only they) let
through the guard, so a redirect from outside to inside can be tried for real.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner

from summarizer import netguard
from summarizer.errors import FetchError
from summarizer.ingest import fetch_url, load_source, load_url
from summarizer.netguard import BlockedURLError, blocked_kind, parse_ip
from tests.conftest import local_site

SECRET = "INTERNAL-ONLY: the admin password is hunter2. " * 10
# The public site needs a second loopback address; the network stays blocked for the rest.
pytestmark = pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.[12]"])
ARTICLE = (
    "The city council voted on Tuesday to close the old library on Elm Street. "
    "Mayor Anna Berg said the building was no longer safe. " * 4
)


class _Inside(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        body = f"<html><body><article><p>{SECRET}</p></article></body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Outside(BaseHTTPRequestHandler):
    """The public site: /go?to=URL redirects there; /feed is a feed whose links are set below."""

    hits: ClassVar[list[str]] = []
    feed_links: ClassVar[list[str]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        if self.path.startswith("/go?to="):
            self.send_response(302)
            self.send_header("Location", self.path.split("=", 1)[1])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == "/feed":
            items = "".join(
                f"<item><title>Entry {i}</title><link>{link}</link>"
                f"<description>{ARTICLE}</description></item>"
                for i, link in enumerate(type(self).feed_links)
            )
            body = (
                '<?xml version="1.0"?><rss version="2.0"><channel><title>Public</title>'
                f"<link>http://example.org/</link>{items}</channel></rss>"
            ).encode()
            ctype = "application/rss+xml"
        else:
            body = f"<html><body><article><p>{ARTICLE}</p></article></body></html>".encode()
            ctype = "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def inside() -> Iterator[int]:
    """The inside server's port; its request log starts empty."""
    _Inside.hits.clear()
    with local_site(_Inside) as url:
        yield int(url.rsplit(":", 1)[1])


@pytest.fixture
def outside(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The public site's base URL (127.0.0.2, counted as a global address for this test)."""
    real = netguard.blocked_kind

    def kind(addr: Any) -> str | None:
        return None if str(addr) == "127.0.0.2" else real(addr)

    monkeypatch.setattr(netguard, "blocked_kind", kind)
    _Outside.hits.clear()
    _Outside.feed_links.clear()
    with local_site(_Outside, host="127.0.0.2") as url:
        yield url


# --- the rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0X7F.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0177.0.0.01", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"),
        ("2852039166", "169.254.169.254"),
        ("0", "0.0.0.0"),
        ("[::1]", "::1"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
        ("example.org", None),
        ("1.2.3.4.5", None),
        ("256.0.0.1", None),
        ("08.0.0.1", None),
        ("4294967296", None),
        ("0x", "0.0.0.0"),
    ],
)
def test_every_spelling_of_an_address_is_read(host: str, address: str | None) -> None:
    got = parse_ip(host)
    assert (str(got) if got is not None else None) == address


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("100.64.0.1", "shared (carrier-grade NAT)"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("0.0.0.0", "unspecified"),
        ("192.0.2.1", "private"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "link-local"),
        ("2002:7f00:1::", "loopback"),
        ("64:ff9b::a9fe:a9fe", "link-local"),
        ("8.8.8.8", None),
        ("93.184.216.34", None),
        ("2606:4700::1111", None),
    ],
)
def test_addresses_off_limits_are_named(address: str, kind: str | None) -> None:
    assert blocked_kind(ipaddress.ip_address(address)) == kind


# --- on a real server -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        "http://127.0.0.1:{port}/secret",
        "http://0x7f000001:{port}/secret",
        "http://2130706433:{port}/secret",
        "http://0177.0.0.1:{port}/secret",
        "http://127.1:{port}/secret",
        "http://localhost:{port}/secret",
        "http://127.000.000.001:{port}/secret",
        "http://[::ffff:127.0.0.1]:{port}/secret",
        "http://user:pw@127.0.0.1:{port}/secret",
        "HTTP://127.0.0.1:{port}/secret",
    ],
)
def test_inside_urls_never_reach_the_server(inside: int, spelling: str) -> None:
    url = spelling.format(port=inside)
    with pytest.raises(BlockedURLError, match=r"refused to fetch .*(loopback)") as info:
        load_source(url, timeout=2)
    message = str(info.value)
    assert "\n" not in message and "allow_private_urls" in message
    assert info.value.exit_code == 4
    assert _Inside.hits == []


def test_cloud_metadata_address_is_refused_before_any_connection() -> None:
    started = time.monotonic()
    with pytest.raises(BlockedURLError, match=r"169\.254\.169\.254.*link-local"):
        fetch_url("http://169.254.169.254/latest/meta-data/", timeout=5)
    assert time.monotonic() - started < 1  # refused, not timed out on a connection


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/secret",
        "http://0x7f000001:{port}/secret",
        "http://2130706433:{port}/secret",
        "http://localhost:{port}/secret",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "ftp://127.0.0.1:{port}/secret",
    ],
)
def test_a_redirect_inside_is_checked_again(inside: int, outside: str, target: str) -> None:
    url = f"{outside}/go?to={target.format(port=inside)}"
    with pytest.raises(FetchError, match=r"refused to fetch|only http and https") as info:
        fetch_url(url, timeout=2)
    assert str(info.value).startswith(url)  # the error names the URL the user gave
    assert _Outside.hits == [url.split(outside, 1)[1]]
    assert _Inside.hits == []


def test_a_redirect_outside_is_followed(outside: str) -> None:
    body, final, _ = fetch_url(f"{outside}/go?to={outside}/article", timeout=2)
    assert b"Elm Street" in body and final == f"{outside}/article"


def test_a_name_that_changes_its_address_after_the_check_is_refused(
    inside: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name is public when checked, then points inside when connecting."""
    real = socket.getaddrinfo
    answers = iter(["93.184.216.34", "127.0.0.1"])

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "news.rebind.test":
            ip = next(answers)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(BlockedURLError, match="loopback"):
        fetch_url(f"http://news.rebind.test:{inside}/secret", timeout=2)
    assert _Inside.hits == []


def test_feed_entries_pointing_inside_are_not_fetched(inside: int, outside: str) -> None:
    from summarizer.digests.sources import expand

    _Outside.feed_links.extend(
        [
            f"http://127.0.0.1:{inside}/secret",
            f"http://0x7f000001:{inside}/secret",
            "http://169.254.169.254/latest/meta-data/",
            f"{outside}/go?to=http://127.0.0.1:{inside}/secret",
            f"{outside}/article",
        ]
    )
    items, failed, _warnings = expand([f"{outside}/feed"], timeout=2)
    assert failed == [] and len(items) == 5
    texts, warnings = [], []
    for item in items:
        article, warning = item.load()
        texts.append(getattr(article, "text", ""))
        warnings.append(warning)
    assert _Inside.hits == []
    assert not any("hunter2" in t for t in texts)
    # the four inside links fall back to the entry's own text, saying why; the public one is read
    assert [w is not None and "refused to fetch" in w for w in warnings] == [True] * 4 + [False]


@pytest.mark.parametrize(("value", "reached"), [("1", True), ("true", True), ("0", False)])
def test_allow_private_urls_opens_the_guard(
    inside: int, monkeypatch: pytest.MonkeyPatch, value: str, reached: bool
) -> None:
    monkeypatch.setenv("SUMMARIZER_ALLOW_PRIVATE_URLS", value)
    url = f"http://0x7f000001:{inside}/secret"
    if reached:
        assert "hunter2" in load_source(url, timeout=2).text
        assert _Inside.hits == ["/secret"]
    else:
        with pytest.raises(BlockedURLError):
            load_source(url, timeout=2)
        assert _Inside.hits == []


def test_the_argument_beats_the_environment(inside: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUMMARIZER_ALLOW_PRIVATE_URLS", "1")
    with pytest.raises(BlockedURLError):
        fetch_url(f"http://127.0.0.1:{inside}/secret", timeout=2, allow_private=False)
    body, _, _ = fetch_url(f"http://127.0.0.1:{inside}/secret", allow_private=True)
    assert b"hunter2" in body


def test_brief_url_inside_is_one_line_and_exit_4(inside: int) -> None:
    from summarizer.cli import main

    result = CliRunner().invoke(main, ["brief", f"http://2130706433:{inside}/secret"])
    assert result.exit_code == 4, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "loopback" in lines[0] and "allow_private_urls" in lines[0]
    assert "hunter2" not in result.output
    assert _Inside.hits == []


def test_a_digest_of_a_hostile_feed_publishes_nothing_from_inside(
    inside: int, outside: str, tmp_path: Path
) -> None:
    from summarizer.cli import main

    _Outside.feed_links.extend(
        [
            f"http://127.0.0.1:{inside}/secret",
            f"{outside}/go?to=http://127.0.0.1:{inside}/secret",
            f"http://0x7f000001:{inside}/secret",
            "http://169.254.169.254/latest/meta-data/",
        ]
    )
    out = tmp_path / "digest.md"
    result = CliRunner().invoke(
        main,
        ["digest", f"{outside}/feed", "--engine", "offline", "--db", str(tmp_path / "s.db"),
         "--out", str(out)],
    )  # fmt: skip
    assert out.exists(), result.output
    assert _Inside.hits == []
    assert "hunter2" not in out.read_text(encoding="utf-8") and "hunter2" not in result.output


@pytest.mark.parametrize(
    "link",
    ["/etc/passwd", "README.md", "~/.config/summarizer/config.toml", "-", "file:///etc/passwd",
     "javascript:alert(1)", " /etc/hostname"],
)  # fmt: skip
def test_a_link_from_someone_else_is_never_read_as_a_file(link: str) -> None:
    with pytest.raises(FetchError, match="only http and https"):
        load_url(link, timeout=1)


def test_load_url_fetches_what_is_outside(outside: str) -> None:
    article = load_url(f"{outside}/article", timeout=2)
    assert "Elm Street" in article.text and article.source.url == f"{outside}/article"
