"""Shared fixtures: a migrated database per test (SQLite, or PostgreSQL when
ZG_TEST_DATABASE_URL names a server), a fixed clock, the example plan."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.clock import FixedClock
from bot.services.actor import SYSTEM_ACTOR
from bot.services.plan_store import ImportSummary, import_plan
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.models import Base

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_PLAN = REPO / "examples" / "huaibei-plan.json"
SHANGHAI = ZoneInfo("Asia/Shanghai")


async def _admin_execute(server_url: str, statement: str) -> None:
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A migrated database the tests start from: a SQLite file, or a PostgreSQL database
    created on the server named by ZG_TEST_DATABASE_URL and dropped afterwards."""
    server = os.environ.get("ZG_TEST_DATABASE_URL")
    if server:
        name = f"zg_test_{uuid.uuid4().hex[:10]}"
        asyncio.run(_admin_execute(server, f'CREATE DATABASE "{name}"'))
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
        try:
            upgrade(url)
            yield "postgresql", url
        finally:
            asyncio.run(_admin_execute(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        upgrade(f"sqlite+aiosqlite:///{path}")
        yield "sqlite", str(path)


async def _truncate(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture
def database_url(database_template: tuple[str, str], tmp_path: Path) -> str:
    kind, ref = database_template
    if kind == "sqlite":
        target = tmp_path / "test.db"
        shutil.copy(ref, target)
        return f"sqlite+aiosqlite:///{target}"
    asyncio.run(_truncate(ref))
    return ref


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
async def session(
    session_factory: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with session_factory() as session:
        yield session


@pytest.fixture
def clock() -> FixedClock:
    """Mid-May 2022, while the example plan (year 2022) was being carried out."""
    return FixedClock(datetime(2022, 5, 16, 9, 0, tzinfo=SHANGHAI), SHANGHAI)


@pytest.fixture
def example_plan() -> dict[str, Any]:
    return json.loads(EXAMPLE_PLAN.read_text(encoding="utf-8"))


@pytest.fixture
async def loaded_plan(
    session_factory: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    example_plan: dict[str, Any],
) -> ImportSummary:
    async with session_factory() as session:
        return await import_plan(session, SYSTEM_ACTOR, clock, example_plan, "huaibei-plan.json")


@pytest.fixture(scope="session")
def knowledge_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the shipped regulations: tests may add documents to it."""
    folder = tmp_path_factory.mktemp("knowledge")
    for document in (REPO / "knowledge").glob("*.md"):
        if document.name != "README.md":
            shutil.copy(document, folder / document.name)
    return folder


@pytest.fixture(scope="session")
def knowledge_base(knowledge_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from knowledge import KnowledgeBase

    return KnowledgeBase.load(knowledge_folder, tmp_path_factory.mktemp("knowledge-cache"))
