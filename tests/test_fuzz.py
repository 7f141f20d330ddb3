"""
Property-based fuzzing of both OpenAPI documents with schemathesis, on real servers.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.schemas import BaseSchema

from callback_receiver.app import create_app as create_receiver
from callback_receiver.settings import ReceiverSettings
from invoice_api.app import create_app as create_api
from invoice_api.settings import ApiSettings
from tests.servers import serve

EXAMPLES = 30
# The fuzzer's callback URLs would be resolved (DNS) and, if public, called later;
# both are traffic off this machine. They go to a closed loopback port instead;
# tests/invoice_api covers callback_url checking itself.
LOOPBACK_CALLBACK = "http://127.0.0.1:9/callback"


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BaseSchema]:
    """
    The invoice API, running, as schemathesis sees it; payments never come due.
    """
    folder: Path = tmp_path_factory.mktemp("fuzz-api")
    api_settings = ApiSettings(
        _env_file=None,
        database_url=f"sqlite:///{folder / 'api.db'}",
        payment_delay=86400.0,
        callback_allowlist=("127.0.0.1:9",),
    )
    with serve(create_api(api_settings)) as url:
        yield schemathesis.openapi.from_url(f"{url}/openapi.json")


@pytest.fixture(scope="module")
def receiver_schema(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[BaseSchema]:
    """
    The callback receiver, running, as schemathesis sees it.
    """
    folder: Path = tmp_path_factory.mktemp("fuzz-receiver")
    receiver_settings = ReceiverSettings(
        _env_file=None, database_url=f"sqlite+aiosqlite:///{folder / 'r.db'}"
    )
    with serve(create_receiver(receiver_settings)) as url:
        yield schemathesis.openapi.from_url(f"{url}/openapi.json")


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)


def fuzz(schema: BaseSchema) -> int:
    """
    Send valid and invalid examples to every operation; return how many operations.
    """
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @FUZZ
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case: schemathesis.Case[Any]) -> None:
                if case.query and "callback_url" in case.query:
                    case.query["callback_url"] = LOOPBACK_CALLBACK
                case.call_and_validate()

            try:
                check()
            except Unsatisfiable:
                # An operation without inputs has no invalid form to send.
                assert mode == GenerationMode.NEGATIVE, operation.label
    return len(operations)


def test_fuzz_invoice_api(api_schema: BaseSchema) -> None:
    """No input makes the API answer 5xx or break its documented schema."""
    operations = fuzz(api_schema)

    assert operations >= 5


def test_fuzz_callback_receiver(receiver_schema: BaseSchema) -> None:
    """No input makes the receiver answer 5xx or break its documented schema."""
    operations = fuzz(receiver_schema)

    assert operations >= 5
