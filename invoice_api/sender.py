"""
One signed HTTP attempt at a callback, with every httpx outcome turned into one result.
"""

import asyncio
import time
from dataclasses import dataclass

import httpx

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
    Sends callbacks through one shared client; never follows a redirect.
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
        self._client = httpx.AsyncClient(
            timeout=timeout,
            follow_redirects=False,
            # A proxy from the environment would connect in our place, unchecked.
            trust_env=False,
            limits=httpx.Limits(
                max_connections=connections, max_keepalive_connections=connections
            ),
            # Plain bodies only, so the excerpt cap counts the bytes we really hold.
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
                request = self._request(claim, target, started)
                return await self._exchange(request, started)
        except TimeoutError:
            error = f"Timeout: no complete answer within {self._timeout:g} s"
        except CallbackPolicyError as exc:
            error = f"Refused: {exc}"
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            error = f"{type(exc).__name__}: {exc}".rstrip(": ")
        return Outcome(_record(started, None, error, None))

    async def close(self) -> None:
        """
        Close every pooled connection.
        """
        await self._client.aclose()

    def _request(self, claim: Claim, target: Target, started: float) -> httpx.Request:
        headers = self._signer.headers(claim.webhook_id, int(started), claim.payload)
        url = httpx.URL(claim.target_url)
        # Connect to the address just checked; TLS and Host still name the host.
        headers["host"] = url.netloc.decode("ascii")
        pinned = url.copy_with(host=str(target.address))

        return self._client.build_request(
            "POST",
            pinned,
            content=claim.payload,
            headers=headers,
            extensions={"sni_hostname": target.host},
        )

    async def _exchange(self, request: httpx.Request, started: float) -> Outcome:
        response = await self._client.send(request, stream=True)
        try:
            excerpt = await _read_excerpt(response)
        finally:
            await response.aclose()

        record = _record(started, response.status_code, None, excerpt)
        return Outcome(record, response.headers.get("retry-after"))


async def _read_excerpt(response: httpx.Response) -> str:
    """
    Read at most EXCERPT_BYTES of the answer, so a huge body cannot fill memory.
    """
    body = bytearray()
    async for chunk in response.aiter_raw():
        body += chunk
        if len(body) >= EXCERPT_BYTES:
            break
    return body[:EXCERPT_BYTES].decode("utf-8", "replace")


def _record(
    started: float, status_code: int | None, error: str | None, excerpt: str | None
) -> AttemptRecord:
    duration_ms = (time.time() - started) * 1000
    return AttemptRecord(started, duration_ms, status_code, error, excerpt)
