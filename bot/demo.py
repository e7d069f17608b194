"""`zhenggai demo`: the real dispatcher and handlers, chatted with at the terminal, offline.

Loads the example plan into a scratch database, creates its people and lets you talk as any
of them (`/as 李四`). Buttons are shown as numbered choices: type the number to press one.
"""

from __future__ import annotations

import asyncio
import html
import re
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from aiogram.types import User

from bot.app import build_dispatcher
from bot.cli import CLI_ACTOR
from bot.clock import Clock, ShiftedClock, SystemClock
from bot.config import REPO_ROOT, Settings
from bot.offline import OfflineSession, SentMessage, UpdateFactory
from bot.services.actor import ROLE_OFFICE
from bot.services.people import add_person, list_people
from bot.services.plan_files import read_plan_file
from bot.services.plan_store import import_plan
from bot.telegram import build_bot
from knowledge import KnowledgeBase
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade_async
from storage.models import Person

EXAMPLE_PLAN = REPO_ROOT / "examples" / "huaibei-ledger.xlsx"
OFFICE_NAME = "整改办"
DEMO_TOKEN = "100000:offline-demo"
TELEGRAM_ID_BASE = 10_000
_TAGS = re.compile(r"<[^>]+>")

HELP = """\
—— 整改助手 离线演示 / offline demo ——
你现在以“{name}”的身份与机器人私聊。输入文字即发送消息。
  数字        按下上一条消息中对应编号的按钮
  /as 姓名    切换身份（如 /as 吴某某）     /who  列出所有人员
  /file 路径  发送一个文件作为佐证材料      /quit 退出
  直接提问即可查制度，如：出差住宿标准多少？ 红十字会法第十一条
数据保存在临时数据库中，退出即删除，不会碰正式数据；机器人发来的文件存到 zhenggai-demo-files/。
"""


def demo_clock(year: object) -> Clock:
    """Mid-May of the plan's year, so deadlines look as they did while the plan was live."""
    if isinstance(year, int):
        tz = ZoneInfo("Asia/Shanghai")
        return ShiftedClock(datetime(year, 5, 16, 9, 0, tzinfo=tz), tz)
    return SystemClock()


DEMO_OUTPUT = Path("zhenggai-demo-files")


def _save_upload(name: str, content: bytes) -> Path:
    """Files the bot sends (ledger, report, chart) land here so they can be opened."""
    DEMO_OUTPUT.mkdir(exist_ok=True)
    target = DEMO_OUTPUT / Path(name).name
    target.write_bytes(content)
    return target


def _read_file(path: Path) -> bytes | None:
    path = path.expanduser()
    return path.read_bytes() if path.is_file() else None


def plain(text: str) -> str:
    return html.unescape(_TAGS.sub("", text))


class Terminal:
    """Shows what the bot sends and turns typed lines into updates."""

    def __init__(self, out: TextIO, names: dict[int, str]) -> None:
        self.out = out
        self.names = names
        self.current_chat = 0
        self.buttons: list[tuple[str, str, SentMessage]] = []

    def show(self, sent: SentMessage) -> None:
        if sent.chat_id != self.current_chat:
            who = self.names.get(sent.chat_id, str(sent.chat_id))
            first = plain(sent.text).splitlines()[0] if sent.text else sent.document or ""
            self.out.write(f"  （机器人发给 {who} 的通知：{first} …）\n")
            return
        self.out.write(
            "\n🤖 " + plain(sent.text or f"[文件] {sent.document}").replace("\n", "\n   ") + "\n"
        )
        flat = [(text, data, sent) for row in sent.buttons for text, data in row if data]
        if flat:
            self.buttons = flat
            for number, (text, _, _) in enumerate(flat, start=1):
                self.out.write(f"   [{number}] {text}\n")
        self.out.flush()


async def run_demo(
    plan_path: Path | None, as_person: str | None, stdin: TextIO, out: TextIO
) -> int:
    scratch = Path(tempfile.mkdtemp(prefix="zhenggai-demo-"))
    url = f"sqlite+aiosqlite:///{scratch / 'demo.db'}"
    try:
        await upgrade_async(url)
        engine = create_engine(url)
        factory = create_session_factory(engine)
        plan = read_plan_file(plan_path or EXAMPLE_PLAN)
        clock = demo_clock(plan.data.get("year"))
        async with factory() as session:
            summary = await import_plan(
                session, CLI_ACTOR, clock, plan.data, (plan_path or EXAMPLE_PLAN).name
            )
        async with factory() as session:
            await add_person(session, CLI_ACTOR, clock, OFFICE_NAME, OFFICE_NAME, ROLE_OFFICE)
        async with factory() as session:
            people = await list_people(session, CLI_ACTOR)
            for view in people:
                person = await session.get(Person, view.id)
                assert person is not None
                person.telegram_user_id = TELEGRAM_ID_BASE + view.id
            await session.commit()
        by_name = {p.name: TELEGRAM_ID_BASE + p.id for p in people}
        office_id = by_name[OFFICE_NAME]
        settings = Settings(
            _env_file=None,
            database_url=url,
            admin_ids=frozenset({office_id}),  # type: ignore[call-arg]
        )
        terminal = Terminal(out, {v: k for k, v in by_name.items()})
        session_api = OfflineSession()
        session_api.on_message = terminal.show
        bot = build_bot(DEMO_TOKEN, "http://offline.invalid", session=session_api)
        knowledge = await asyncio.to_thread(KnowledgeBase.load, settings.knowledge_dir)
        dispatcher = build_dispatcher(settings, factory, clock, knowledge=knowledge)
        updates = UpdateFactory()
        first_owner = next((p.name for p in people if p.role == "staff"), people[0].name)
        name = as_person if as_person in by_name else first_owner
        user = User(id=by_name[name], is_bot=False, first_name=name, language_code="zh-hans")
        terminal.current_chat = user.id
        out.write(
            f"已载入示例方案：{summary.title}（{summary.measures} 项措施，{len(people)} 人）\n"
        )
        out.write(HELP.format(name=name))
        await dispatcher.feed_update(bot, updates.message(user, "/my"))
        while True:
            out.write(f"\n[{name}] > ")
            out.flush()
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            line = line.strip()
            if not line:
                continue
            if line in ("/quit", "/exit"):
                break
            if line == "/who":
                for person in people:
                    out.write(f"  {person.name}（{person.department or '—'}，{person.role}）\n")
                continue
            if line.startswith("/as"):
                wanted = line[3:].strip()
                if wanted not in by_name:
                    out.write(f"  没有“{wanted}”。/who 列出所有人员。\n")
                    continue
                name = wanted
                user = User(
                    id=by_name[name], is_bot=False, first_name=name, language_code="zh-hans"
                )
                terminal.current_chat = user.id
                terminal.buttons = []
                out.write(f"  现在你是 {name}。\n")
                continue
            if line.isdigit() and terminal.buttons:
                index = int(line) - 1
                if not 0 <= index < len(terminal.buttons):
                    out.write("  没有这个编号。\n")
                    continue
                _, data, sent = terminal.buttons[index]
                update = updates.callback(user, sent, data)
            elif line.startswith("/file"):
                path = Path(line[5:].strip())
                content = await asyncio.to_thread(_read_file, path)
                if content is None:
                    out.write("  找不到这个文件。\n")
                    continue
                file_id = f"demo-{path.name}"
                session_api.files[file_id] = content
                update = updates.document(user, path.name, file_id, len(content))
            else:
                update = updates.message(user, line)
            await dispatcher.feed_update(bot, update)
            for name, content in session_api.uploads.items():
                saved = await asyncio.to_thread(_save_upload, name, content)
                out.write(f"  （文件已保存：{saved}）\n")
            session_api.uploads.clear()
            for alert in session_api.alerts:
                out.write(f"  （提示：{alert}）\n")
            session_api.alerts.clear()
        await engine.dispose()
        out.write("\n再见。演示数据已删除。\n")
        return 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
