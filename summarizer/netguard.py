"""Keeping fetches of untrusted URLs outside: no loopback, private, link-local or reserved hosts.

Every URL the package fetches comes from someone else: a feed's entries, a list of URLs, the
`Location` of a redirect, the argument of `brief URL`. Without a guard, a feed written by a
stranger can point at `http://127.0.0.1:8080/admin` or `http://169.254.169.254/` (a cloud's
metadata service) and the page's text ends up in a published digest.

The guard, used by `summarizer.ingest.fetch_url` for every hop:

- only `http` and `https`;
- the host is parsed the way a browser or `inet_aton` would read it, so `0x7f000001`,
  `2130706433`, `0177.0.0.1` and `127.1` are all 127.0.0.1;
- a name is resolved, and every address it resolves to must be global: not loopback, private,
  link-local, multicast, shared (100.64/10), reserved or unspecified, and no IPv6 form of such an
  address (mapped, 6to4, NAT64, Teredo);
- the connection is made to the addresses that were checked (`guarded_connection`), so a name
  that resolves differently a moment later (DNS rebinding) cannot slip through.

`allow_private_urls` (the setting, or `SUMMARIZER_ALLOW_PRIVATE_URLS=1`) turns the address check
off, for self-hosted feeds on a private network and for the project's own tests. The scheme
check stays.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from summarizer.errors import FetchError

ENV_ALLOW = "SUMMARIZER_ALLOW_PRIVATE_URLS"
SCHEMES = ("http", "https")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_TRUE = {"1", "true", "yes", "on"}

# Checked in this order, so an address is named by its most telling kind.
_KINDS: list[tuple[str, Callable[[Address], bool]]] = [
    ("unspecified", lambda a: a.is_unspecified),
    ("loopback", lambda a: a.is_loopback),
    ("link-local", lambda a: a.is_link_local),
    ("multicast", lambda a: a.is_multicast),
    ("private", lambda a: a.is_private and not a.is_reserved),
    ("reserved", lambda a: a.is_reserved),
    ("shared (carrier-grade NAT)", lambda a: a in ipaddress.ip_network("100.64.0.0/10")),
    ("not globally routable", lambda a: not a.is_global),
]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class BlockedURLError(FetchError):
    """A URL points at (or redirects to) an address the package must not reach."""


def private_urls_allowed(allow: bool | None = None) -> bool:
    """`allow` when given, else whether SUMMARIZER_ALLOW_PRIVATE_URLS is set to a true value."""
    if allow is not None:
        return allow
    return os.environ.get(ENV_ALLOW, "").strip().lower() in _TRUE


def parse_ip(host: str) -> Address | None:
    """The address a host names literally, in any spelling `inet_aton` accepts; else None.

    IPv6 in brackets or bare; IPv4 as 1 to 4 dot-separated parts, each decimal, `0x` hex or
    `0`-led octal, the last part filling the remaining bytes (`127.1`, `2130706433`).
    """
    host = host.strip().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return None
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers: list[int] = []
    for part in parts:
        try:
            if part.lower().startswith("0x"):
                numbers.append(int(part[2:] or "0", 16))
            elif len(part) > 1 and part.startswith("0"):
                numbers.append(int(part, 8))
            else:
                if not part.isdigit():
                    return None
                numbers.append(int(part, 10))
        except ValueError:
            return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        return None
    value = 0
    for n in head:
        value = value * 256 + n
    value = value * 256 ** (5 - len(numbers)) + last
    return ipaddress.IPv4Address(value)


def _embedded(addr: Address) -> list[Address]:
    """Every IPv4 address an IPv6 one carries (mapped, 6to4, NAT64, Teredo), then itself."""
    found: list[Address] = []
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            found.append(addr.ipv4_mapped)
        if addr.sixtofour is not None:
            found.append(addr.sixtofour)
        if addr.teredo is not None:
            found.extend(addr.teredo)
        if addr in _NAT64:
            found.append(ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF))
    return [*found, addr]


def blocked_kind(addr: Address) -> str | None:
    """What makes an address off limits ("loopback", "private", ...), or None if it is global."""
    for one in _embedded(addr):
        for kind, test in _KINDS:
            if test(one):
                return kind
    return None


def _refuse(url: str, host: str, addr: Address, kind: str) -> BlockedURLError:
    shown = host if str(addr) == host.strip("[]") else f"{host} ({addr})"
    return BlockedURLError(
        f"refused to fetch {shown}: a {kind} address; set allow_private_urls = true "
        f"(or {ENV_ALLOW}=1) to allow private hosts",
        source=url,
    )


Resolved = tuple[socket.AddressFamily, Address, tuple[Any, ...]]


def resolve(host: str, port: int, *, source: str | None = None) -> list[Resolved]:
    """Every (family, address, sockaddr) a host resolves to, for TCP; FetchError if none."""
    literal = parse_ip(host)
    if literal is not None:
        if literal.version == 6:
            return [(socket.AF_INET6, literal, (str(literal), port, 0, 0))]
        return [(socket.AF_INET, literal, (str(literal), port))]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise FetchError(f"cannot resolve {host}: {reason}", source=source) from None
    out: list[Resolved] = []
    for family, _type, _proto, _name, sockaddr in infos:
        addr = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        out.append((family, addr, sockaddr))
    if not out:
        raise FetchError(f"cannot resolve {host}: no address", source=source)
    return out


def check_url(url: str, *, allow_private: bool | None = None, source: str | None = None) -> None:
    """Raise unless `url` is http(s) and (unless private hosts are allowed) every address of its
    host is global. `source` names the URL the user gave, when `url` is a redirect's target."""
    named = source or url
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES:
        raise FetchError("only http and https URLs can be fetched", source=named)
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise FetchError("the URL's port is not a number", source=named) from None
    if not host:
        raise FetchError("the URL has no host", source=named)
    if private_urls_allowed(allow_private):
        return
    port = port or (443 if parts.scheme.lower() == "https" else 80)
    for _family, addr, _sockaddr in resolve(host, port, source=named):
        kind = blocked_kind(addr)
        if kind:
            err = _refuse(url, host, addr, kind)
            if source and source != url:
                raise BlockedURLError(f"redirected to {url}: {err}", source=source)
            raise err


def guarded_connection(
    allow_private: bool | None = None,
) -> Callable[..., socket.socket]:
    """A drop-in for `socket.create_connection` that connects only to checked addresses.

    The name is resolved once here; each address is checked and the socket is connected to it,
    so what was checked is what is reached.
    """

    def create_connection(
        address: tuple[str, int],
        timeout: float | None = None,
        source_address: tuple[str, int] | None = None,
        **_: object,
    ) -> socket.socket:
        host, port = address
        found = resolve(host, port)
        if not private_urls_allowed(allow_private):
            for _family, addr, _sockaddr in found:
                kind = blocked_kind(addr)
                if kind:
                    raise _refuse(f"{host}:{port}", host, addr, kind)
        last: OSError | None = None
        for family, _addr, sockaddr in found:
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                if timeout is not None:
                    sock.settimeout(timeout)
                if source_address:
                    sock.bind(source_address)
                sock.connect(sockaddr)
                return sock
            except OSError as exc:
                sock.close()
                last = exc
        raise last or OSError(f"cannot connect to {host}:{port}")

    return create_connection
