"""
Where callbacks may go: public addresses only, unless a host:port is allow-listed.

The check runs when an invoice is submitted and again before every attempt, on the
addresses the host resolves to then; the attempt connects to an address it checked,
so a name that changes its answer in between (DNS rebinding) gains nothing.
"""

import asyncio
import ipaddress
import socket
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

CARRIER_GRADE_NAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
# The properties that make an address unfit for a callback, most telling first.
REFUSED_KINDS = (
    ("is_unspecified", "an unspecified address"),
    ("is_loopback", "a loopback address"),
    ("is_link_local", "a link-local address"),
    ("is_multicast", "a multicast address"),
    ("is_reserved", "a reserved address"),
    ("is_private", "a private address"),
)


class CallbackPolicyError(ValueError):
    """
    A callback URL points somewhere the API must not call; the message says why.
    """


@dataclass(frozen=True)
class Target:
    """
    Where one attempt connects: the host as named, and the address checked for it.
    """

    host: str
    port: int
    address: IPAddress


class CallbackPolicy:
    """
    Refuses callback URLs that resolve to anything but public unicast addresses.
    """

    def __init__(self, allowlist: Collection[str]) -> None:
        self._allowlist = frozenset(entry.lower() for entry in allowlist)

    async def check(self, url: str) -> Target:
        """
        Resolve the URL's host and return where to connect; raise if it is refused.
        """
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = await _resolve(host, port)
        if self.allows(host, port):
            return Target(host, port, addresses[0])

        for address in addresses:
            reason = refusal(address)
            if reason:
                raise CallbackPolicyError(
                    f"{host} resolves to {address}, {reason}; only public addresses, "
                    "or host:port entries of INVOICE_API_CALLBACK_ALLOWLIST, are "
                    f"called (add {_entry(host, port)} to it to allow this one)"
                )
        return Target(host, port, addresses[0])

    def allows(self, host: str, port: int) -> bool:
        """
        Tell whether host:port (or host:*) is on the allow-list, as written there.
        """
        return {_entry(host, port), _entry(host, "*")} & self._allowlist != set()


def _entry(host: str, port: int | str) -> str:
    # As an allow-list entry is written: an IPv6 address in brackets.
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def refusal(address: IPAddress) -> str | None:
    """
    Why an address is no place for a callback, or None if it is public unicast.
    """
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        inner = refusal(embedded)
        return None if inner is None else f"an IPv6 form of {inner}"

    if address in CARRIER_GRADE_NAT:
        return "a carrier-grade NAT address"
    for attribute, kind in REFUSED_KINDS:
        if getattr(address, attribute):
            return kind
    return None if address.is_global else "not a globally reachable address"


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.teredo:
        return address.teredo[1]
    return address.ipv4_mapped or address.sixtofour


async def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass

    # getaddrinfo reads every spelling libc knows: 2130706433, 0x7f.1, 0177.0.0.1 ...
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, port, type=socket.SOCK_STREAM
        )
    except (OSError, UnicodeError) as exc:
        raise CallbackPolicyError(f"{host} does not resolve: {exc}") from exc
    return [ipaddress.ip_address(info[4][0]) for info in infos]
