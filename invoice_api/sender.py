"""
One signed HTTP attempt at a callback, with every client outcome turned into one result.
"""

import asyncio
import time
from dataclasses import dataclass

import aiohttp
from yarl import URL

from invoice_api.callback_policy import CallbackPolicy, CallbackPolicyError, Target
from invoice_api.outbox import AttemptRecord, Claim
from invoice_api.signing import Signer

EXCERPT_BYTES = 2048
USER_AGENT = "invoice-callback-kit/0.1"


@dataclass(frozen=True)
class Outcome:
    """
    An attempt as recorded, and the receiver's Retry-After header if it sent one.
    """

    attempt: AttemptRecord
    retry_after: str | None = None

    def describe(self) -> str:
        """
        The status code, or the error, for a log line.
        """
        if self.attempt.status_code is not None:
            return str(self.attempt.status_code)
        return self.attempt.error or "unknown"


class Sender:
    """
    Sends callbacks through one shared aiohttp session; never follows a redirect.
    """

    def __init__(
        self,
        signer: Signer,
        policy: CallbackPolicy,
        *,
        timeout: float,
        connections: int,
    ) -> None:
        self._signer = signer
        self._policy = policy
        self._timeout = timeout
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=connections),
            timeout=aiohttp.ClientTimeout(total=timeout),
            # Cookies a receiver sets are not sent back; a proxy from the environment
            # would connect in our place, unchecked.
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
            # Plain bodies only, so the excerpt cap counts the bytes we really hold.
            auto_decompress=False,
            headers={"user-agent": USER_AGENT, "accept-encoding": "identity"},
        )

    async def send(self, claim: Claim) -> Outcome:
        """
        POST the claim's body, signed now, to an address the policy allows; give up
        after `timeout` s in all.
        """
        started = time.time()
        try:
            async with asyncio.timeout(self._timeout):
                target = await self._policy.check(claim.target_url)
                return await self._exchange(claim, target, started)
        except TimeoutError:
            error = f"Timeout: no complete answer within {self._timeout:g} s"
        except CallbackPolicyError as exc:
            error = f"Refused: {exc}"
        except (aiohttp.ClientError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}".rstrip(": ")
        return Outcome(_record(started, None, error, None))

    async def close(self) -> None:
        """
        Close every pooled connection.
        """
        await self._session.close()

    async def _exchange(self, claim: Claim, target: Target, started: float) -> Outcome:
        headers = self._signer.headers(claim.webhook_id, int(started), claim.payload)
        url = URL(claim.target_url)
        # Connect to the address just checked; TLS and Host still name the host.
        headers["host"] = url.raw_authority
        pinned = url.with_host(str(target.address))
        server_name = target.host if url.scheme == "https" else None

        async with self._session.post(
            pinned,
            data=claim.payload,
            headers=headers,
            allow_redirects=False,
            server_hostname=server_name,
        ) as response:
            excerpt = await _read_excerpt(response)
        record = _record(started, response.status, None, excerpt)
        return Outcome(record, response.headers.get("retry-after"))


async def _read_excerpt(response: aiohttp.ClientResponse) -> str:
    """
    Read at most EXCERPT_BYTES of the answer, so a huge body cannot fill memory.
    """
    body = bytearray()
    while len(body) < EXCERPT_BYTES:
        chunk = await response.content.read(EXCERPT_BYTES - len(body))
        if not chunk:
            break
        body += chunk
    return body.decode("utf-8", "replace")


def _record(
    started: float, status_code: int | None, error: str | None, excerpt: str | None
) -> AttemptRecord:
    duration_ms = (time.time() - started) * 1000
    return AttemptRecord(started, duration_ms, status_code, error, excerpt)
