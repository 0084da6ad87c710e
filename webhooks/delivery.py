"""Sending one signed webhook request, to a public address only.

The URL's host is resolved once; every address must be public (unless settings allow private ones, as local
development and tests do), and the request goes to the address that was checked — with the host name kept
for ``Host`` and TLS — so a name cannot resolve to something public for the check and to 169.254.169.254 for
the request (DNS rebinding). Redirects are not followed.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

SIGNATURE_HEADER = "Shopsite-Signature"


class UrlRefused(ValueError):
    """The URL may not receive webhooks (scheme, host, or an address that is not public)."""


def signature_header(*, secret: str, body: bytes, timestamp: int | None = None) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the endpoint's secret>``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str


def url_target(url: str) -> Target:
    """Check *url* and resolve its host; raise UrlRefused with a reason a person can act on."""
    parts = urlsplit(url)
    allowed = ("https",) if settings.WEBHOOK_REQUIRE_HTTPS else ("https", "http")
    if parts.scheme not in allowed:
        raise UrlRefused(f"The address must start with {' or '.join(f'{s}://' for s in allowed)}.")
    if not parts.hostname or parts.username or parts.password:
        raise UrlRefused("The address needs a host name, and no user name or password in it.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UrlRefused("The port is not a number from 1 to 65535.") from None
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UrlRefused(f"The host {parts.hostname} cannot be found.") from None
    addresses = sorted({info[4][0] for info in infos})
    if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES and not all(_public(address) for address in addresses):
        raise UrlRefused(f"{parts.hostname} is not a public address ({', '.join(addresses[:3])}): "
                         "webhooks go to the internet only, never to this shop's own network.")
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    return Target(parts.scheme, parts.hostname, port, path, addresses[0])


@dataclass(frozen=True)
class Outcome:
    ok: bool
    error: str = ""


def post(*, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """POST *body* to *url*'s checked address; a 2xx answer is success, anything else an error to show staff."""
    import urllib3  # botocore's HTTP library: already in the package

    try:
        target = url_target(url)
    except UrlRefused as refused:
        return Outcome(False, str(refused))
    timeout = urllib3.Timeout(connect=settings.WEBHOOK_CONNECT_TIMEOUT, read=settings.WEBHOOK_READ_TIMEOUT)
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(target.address, port=target.port, timeout=timeout, retries=False,
                                           server_hostname=target.host, assert_hostname=target.host,
                                           cert_reqs="CERT_REQUIRED")
    else:
        pool = urllib3.HTTPConnectionPool(target.address, port=target.port, timeout=timeout, retries=False)
    try:
        answer = pool.urlopen("POST", target.path, body=body, redirect=False, preload_content=True,
                              headers={"Host": host_header, "Content-Type": "application/json",
                                       "User-Agent": "Shopsite-Webhooks/1", **headers})
    except urllib3.exceptions.HTTPError as error:
        return Outcome(False, f"No answer: {type(error).__name__}.")
    finally:
        pool.close()
    if 200 <= answer.status < 300:
        return Outcome(True)
    return Outcome(False, f"HTTP {answer.status}.")
