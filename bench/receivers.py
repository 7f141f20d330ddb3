"""
The counting receivers, seen from the benchmark: start, reset, wait, read arrivals.
"""

import time

import httpx

from bench.processes import Fleet, Server, child_env

POLL = 0.1


class Receiver:
    """
    A counting receiver process and a client for its `/stats` and `/arrivals`.
    """

    def __init__(self, server: Server) -> None:
        self.server = server
        self._client = httpx.Client(base_url=server.url, timeout=30.0)

    @property
    def callback_url(self) -> str:
        """
        The `callback_url` to give the server under test.
        """
        return f"{self.server.url}/callback"

    def reset(self) -> None:
        """
        Forget every callback counted so far.
        """
        self._client.delete("/stats").raise_for_status()

    def set_delay(self, seconds: float) -> None:
        """
        Answer each callback after `seconds` from now on.
        """
        self._client.put("/delay", params={"seconds": seconds}).raise_for_status()

    def distinct(self) -> int:
        """
        How many distinct invoices have been called back since the reset.
        """
        response = self._client.get("/stats")
        response.raise_for_status()
        return int(response.json()["distinct"])

    def arrivals(self) -> dict[str, float]:
        """
        Each invoice id called back, with the time of its first acknowledgement.
        """
        response = self._client.get("/arrivals")
        response.raise_for_status()
        return {key: float(value) for key, value in response.json().items()}

    def wait_for(self, expected: int, max_wait: float, stall: float) -> None:
        """
        Wait until `expected` invoices arrived, nothing arrived for `stall` s, or
        `max_wait` s passed.
        """
        now = time.monotonic()
        deadline, last_change, seen = now + max_wait, now, -1
        while now < deadline:
            count = self.distinct()
            if count >= expected:
                return
            if count != seen:
                seen, last_change = count, now
            elif now - last_change >= stall:
                return
            time.sleep(POLL)
            now = time.monotonic()

    def close(self) -> None:
        """
        Close the client; the process belongs to the fleet.
        """
        self._client.close()


def start_receiver(fleet: Fleet, name: str, delay: float) -> Receiver:
    """
    Start a counting receiver that answers each callback after `delay` s.
    """
    args = ["-m", "bench.counting_receiver", "--port", "{port}", "--delay", str(delay)]
    server = fleet.start(name, args, child_env(), "/stats")
    return Receiver(server)
