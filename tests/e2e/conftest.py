"""The real `zhenggai run` process talking HTTP to a fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes import BotMessage, FakeBotApi, FakeUser

REPO = Path(__file__).resolve().parents[2]
ADMIN_ID = 424242


async def press(user: FakeUser, message: BotMessage, label_part: str) -> None:
    """Press the button whose label contains `label_part`, as a person reading it would."""
    for row in message.buttons:
        for text, _ in row:
            if label_part in text:
                await user.click(message, text)
                return
    raise LookupError(f"no button like {label_part!r}: {message.buttons}")


class Talk:
    """One person's side of the chat: each step waits for a new bot message that matches."""

    def __init__(self, user: FakeUser) -> None:
        self.user = user

    def _mark(self) -> set[int]:
        return {m.message_id for m in self.user.messages}

    async def expect(self, seen: set[int], needle: str, timeout: float = 15) -> BotMessage:
        return await self.user.wait_for(
            lambda m: m.message_id not in seen and needle in (m.text or m.caption or ""),
            timeout,
        )

    async def send(self, text: str, expect: str) -> BotMessage:
        seen = self._mark()
        await self.user.send(text)
        return await self.expect(seen, expect)

    async def press(self, message: BotMessage, label: str, expect: str) -> BotMessage:
        seen = self._mark()
        await press(self.user, message, label)
        return await self.expect(seen, expect)

    async def document(self, name: str, content: bytes, caption: str, expect: str) -> BotMessage:
        seen = self._mark()
        await self.user.send_document(name, content, caption=caption)
        return await self.expect(seen, expect)


class BotProcess:
    """`python -m bot.cli run` with its output collected for assertions."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = env
        self.cwd = cwd
        self.output: list[str] = []
        self.process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self, *args: str) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            *(args or ("run",)),
            cwd=self.cwd,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        async for line in self.process.stdout:
            self.output.append(line.decode(errors="replace"))

    @property
    def log(self) -> str:
        return "".join(self.output)

    async def wait_for_log(self, text: str, timeout: float = 20) -> None:
        async with asyncio.timeout(timeout):
            while text not in self.log:
                await asyncio.sleep(0.05)

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(sig)
        async with asyncio.timeout(timeout):
            code = await self.process.wait()
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._reader, 5)
        return code

    async def kill(self) -> None:
        await self.stop(signal.SIGKILL)


async def run_cli(env: dict[str, str], cwd: Path, *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode(errors="replace")


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
def bot_env(bot_api: FakeBotApi, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    env.update(
        BOT_TOKEN=bot_api.token,
        TELEGRAM_API_URL=bot_api.base_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        ADMIN_IDS=str(ADMIN_ID),
        POLLING_TIMEOUT="2",
        PYTHONPATH=str(REPO),
    )
    return env


@pytest.fixture
async def running_bot(
    bot_api: FakeBotApi, bot_env: dict[str, str], tmp_path: Path
) -> AsyncIterator[BotProcess]:
    code, out = await run_cli(
        bot_env, tmp_path, "import", str(REPO / "examples/huaibei-plan.json")
    )
    assert code == 0, out
    bot = BotProcess(bot_env, tmp_path)
    await bot.start()
    try:
        await bot_api.wait_until_polling(timeout=60)
    except Exception:
        await bot.stop(signal.SIGKILL)
        raise AssertionError(bot.log) from None
    yield bot
    if bot.process is not None and bot.process.returncode is None:
        await bot.stop()
