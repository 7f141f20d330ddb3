"""
Tests of the start-up database check and the line it writes.
"""

import asyncio
from pathlib import Path

from sqlalchemy import create_engine

from kit_process.database_check import database_problem

SETTING = "INVOICE_API_DATABASE_URL"


def check(url: str) -> str | None:
    """
    What the check says about opening `url` with a blocking SQLAlchemy engine.
    """

    async def open_and_close() -> None:
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS t (x)")
        finally:
            engine.dispose()

    return asyncio.run(database_problem(open_and_close, url, SETTING))


def test_database_problem_accepts_database_that_opens(tmp_path: Path) -> None:
    """A database that opens is no problem."""
    assert check(f"sqlite:///{tmp_path / 'x.db'}") is None


def test_database_problem_names_setting_and_reason(tmp_path: Path) -> None:
    """A database file that cannot be opened is named, with the driver's reason."""
    url = f"sqlite:///{tmp_path / 'missing' / 'x.db'}"

    problem = check(url)

    assert problem == (
        f"cannot open the database {SETTING}={url}: unable to open database file; "
        f"set {SETTING} to a database this user can open"
    )


def test_database_problem_hides_password_and_names_missing_driver() -> None:
    """A URL's password stays out of the message; a missing driver is named."""
    problem = asyncio.run(
        database_problem(_missing_driver, "postgresql://kit:s3cret@db/kit", SETTING)
    )

    assert problem is not None
    assert "s3cret" not in problem
    assert "postgresql://kit:***@db/kit" in problem
    assert "is the database's driver installed?" in problem


async def _missing_driver() -> None:
    raise ModuleNotFoundError("No module named 'psycopg'")
