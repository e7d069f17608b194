"""The `zhenggai` command: run, demo, migrate, import, invite, people, ask."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import SystemClock
from bot.config import Settings
from bot.services.actor import Actor
from bot.services.errors import DomainError
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade

CLI_ACTOR = Actor(telegram_user_id=None, chat_id=None, name="命令行", is_admin=True)
T = TypeVar("T")


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in error.errors()
        )
        raise SystemExit(f"配置有误 / invalid settings: {problems}") from None


def with_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run one use case in a fresh session on a migrated database."""
    upgrade(settings.database_url)

    async def main() -> T:
        engine = create_engine(settings.database_url)
        try:
            async with create_session_factory(engine)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(main())


def domain_message(error: DomainError) -> str:
    from handlers.fallback import domain_error_text
    from handlers.texts import texts_for

    return domain_error_text(texts_for("zh"), error)


def cmd_run(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings.bot_token is None:
        print(
            "没有设置 BOT_TOKEN，无法连接 Telegram。请在环境变量或 .env 中设置 BOT_TOKEN；\n"
            "不连接 Telegram 试用：zhenggai demo（或 make demo）。\n"
            "BOT_TOKEN is not set. Set it in the environment or .env, "
            "or try the offline demo: zhenggai demo",
            file=sys.stderr,
        )
        return 2
    from bot.runner import run

    return asyncio.run(run(settings))


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return asyncio.run(run_demo(args.plan, args.as_person, sys.stdin, sys.stdout))


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = load_settings()
    upgrade(settings.database_url)
    print("数据库已是最新结构 / database is up to date")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from bot.services.plan_files import read_plan_file
    from bot.services.plan_store import import_plan

    settings = load_settings()
    path = Path(args.file)
    if not path.is_file():
        print(f"找不到文件 / no such file: {path}", file=sys.stderr)
        return 2
    try:
        plan = read_plan_file(path, year=args.year)
    except DomainError as error:
        print(domain_message(error), file=sys.stderr)
        return 2
    if args.dry_run and args.json:
        print(json.dumps(plan.to_json(), ensure_ascii=False, indent=2))
        return 0

    async def work(session: AsyncSession) -> Any:
        return await import_plan(
            session,
            CLI_ACTOR,
            SystemClock(settings.tz),
            plan.data,
            path.name,
            dry_run=args.dry_run,
        )

    try:
        summary = with_session(settings, work)
    except DomainError as error:
        print(domain_message(error), file=sys.stderr)
        return 2
    if args.json:
        print(
            json.dumps(
                {**plan.to_json(), "summary": summary_dict(summary)}, ensure_ascii=False, indent=2
            )
        )
        return 0
    for warning in plan.warnings:
        print(f"注意：{warning}")
    print(summary_text(summary))
    return 0


def summary_dict(summary: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(summary)


def summary_text(summary: Any) -> str:
    head = (
        "预览（未保存）"
        if not summary.saved
        else ("已更新" if summary.updated_existing else "已导入")
    )
    lines = [
        f"{head}：{summary.title}",
        f"  方面 {summary.aspects}，问题 {summary.problems}，措施 {summary.measures}",
        f"  新增措施 {len(summary.new_measures)}，修改 {len(summary.changed_measures)}，"
        f"移出 {len(summary.removed_measures)}",
        f"  新建人员 {len(summary.new_people)}：{'、'.join(summary.new_people) or '—'}",
        f"  匹配已有人员 {len(summary.matched_people)}："
        f"{'、'.join(summary.matched_people) or '—'}",
    ]
    return "\n".join(lines)


def cmd_invite(args: argparse.Namespace) -> int:
    from bot.services.people import create_invite

    settings = load_settings()

    async def work(session: AsyncSession) -> Any:
        return await create_invite(
            session, CLI_ACTOR, SystemClock(settings.tz), args.name, settings.invite_ttl_days
        )

    try:
        invite = with_session(settings, work)
    except DomainError as error:
        print(domain_message(error), file=sys.stderr)
        return 2
    username = args.bot_username or bot_username(settings)
    expires = invite.expires_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
    if username:
        print(f"https://t.me/{username}?start={invite.code}")
    else:
        print(f"/start {invite.code}")
        print(
            "（未设置 BOT_TOKEN，无法得知机器人用户名：请让对方在与机器人的私聊中发送上面这行；"
            "或用 --bot-username 生成链接）",
            file=sys.stderr,
        )
    print(f"{invite.person.name}，一次性，{expires} 前有效", file=sys.stderr)
    return 0


def bot_username(settings: Settings) -> str | None:
    """The bot's @username from getMe, when a token is set and the Bot API answers."""
    token = settings.token_value()
    if not token:
        return None
    from bot.telegram import build_bot

    async def ask() -> str | None:
        bot = build_bot(token, settings.telegram_api_url)
        try:
            me = await asyncio.wait_for(bot.get_me(), 15)
            return me.username
        except Exception:  # unreachable or refused: fall back to the bare code
            logging.getLogger(__name__).warning("could not ask the Bot API for the bot's name")
            return None
        finally:
            await bot.session.close()

    return asyncio.run(ask())


def cmd_person_add(args: argparse.Namespace) -> int:
    from bot.services.people import add_person

    settings = load_settings()

    async def work(session: AsyncSession) -> Any:
        return await add_person(
            session, CLI_ACTOR, SystemClock(settings.tz), args.name, args.department, args.role
        )

    try:
        person = with_session(settings, work)
    except DomainError as error:
        print(domain_message(error), file=sys.stderr)
        return 2
    print(f"已添加：{person.name}（{person.department or '—'}，{person.role}）")
    return 0


def cmd_people(args: argparse.Namespace) -> int:
    from bot.services.people import list_people

    settings = load_settings()
    everyone = with_session(settings, lambda session: list_people(session, CLI_ACTOR))
    for p in everyone:
        joined = "已绑定" if p.joined else "未绑定"
        print(f"{p.name}\t{p.department or '—'}\t{p.role}\t{joined}")
    return 0


def cmd_digest(args: argparse.Namespace) -> int:
    from bot.scheduler import digest_cli

    return digest_cli(args)


def cmd_tick(args: argparse.Namespace) -> int:
    from bot.scheduler import tick_cli

    return tick_cli(args)


def cmd_export(args: argparse.Namespace) -> int:
    from bot.services.exports.cli import export_ledger_file

    return _write_file(args, export_ledger_file)


def cmd_report(args: argparse.Namespace) -> int:
    from bot.services.exports.cli import export_report_file

    return _write_file(args, export_report_file)


def _write_file(args: argparse.Namespace, export: Callable[..., Awaitable[Any]]) -> int:
    settings = load_settings()
    try:
        summary = with_session(
            settings,
            lambda session: export(
                session, CLI_ACTOR, SystemClock(settings.tz), args.file, plan_id=args.plan_id
            ),
        )
    except DomainError as error:
        print(domain_message(error), file=sys.stderr)
        return 2
    print(summary.text())
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from bot.services.exports.cli import export_history_file, parse_day

    settings = load_settings()
    try:
        first, last = parse_day(args.date_from), parse_day(args.date_to)
        summary = with_session(
            settings,
            lambda session: export_history_file(
                session, CLI_ACTOR, SystemClock(settings.tz), args.out, args.person, first, last
            ),
        )
    except DomainError as error:
        print(domain_message(error), file=sys.stderr)
        return 2
    print(summary.text(), file=sys.stderr)  # standard output stays pure CSV
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from knowledge.cli import ask_main

    settings = load_settings()
    questions = [args.question] if args.question is not None else None
    return ask_main(
        questions, args.top, args.json, settings.knowledge_dir, None, sys.stdout, sys.stdin
    )


def cmd_kb_add(args: argparse.Namespace) -> int:
    from knowledge import KnowledgeBase

    settings = load_settings()
    path = Path(args.file)
    if not path.is_file():
        print(f"找不到文件 / no such file: {path}", file=sys.stderr)
        return 2
    if path.suffix.lower() not in (".md", ".txt", ".docx"):
        print("只能加入 .md、.txt 或 .docx 文件 / only .md, .txt or .docx", file=sys.stderr)
        return 2
    base = KnowledgeBase.load(settings.knowledge_dir)
    report = base.add_document(path.name, path.read_bytes())
    for name, reason in report.failed:
        print(f"未能载入 {name}：{reason}", file=sys.stderr)
    if report.failed:
        return 2
    print(f"已加入制度库：{path.name}（新增 {len(report.added)}，更新 {len(report.changed)}）")
    print("运行中的机器人会在一分钟内自动载入。")
    return 0


def cmd_kb_list(args: argparse.Namespace) -> int:
    from knowledge import KnowledgeBase

    settings = load_settings()
    base = KnowledgeBase.load(settings.knowledge_dir)
    for document in base.documents:
        flags = (
            ""
            if document.complete and not document.warning
            else "\t⚠️ " + (document.warning or "不完整")
        )
        print(f"{document.file}\t{document.title}\t{document.version or ''}{flags}")
    for name, reason in base.load_errors:
        print(f"未能载入 {name}：{reason}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zhenggai", description="整改助手: the rectification ledger in Telegram"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("run", help="run the bot (long polling)").set_defaults(func=cmd_run)

    demo = commands.add_parser("demo", help="chat with the bot offline, as any person")
    demo.add_argument("--plan", type=Path, default=None, help="plan file (default: the example)")
    demo.add_argument("--as", dest="as_person", default=None, help="start as this person")
    demo.set_defaults(func=cmd_demo)

    commands.add_parser("migrate", help="create or upgrade the database").set_defaults(
        func=cmd_migrate
    )

    imp = commands.add_parser("import", help="import a rectification plan")
    imp.add_argument("file")
    imp.add_argument("--dry-run", action="store_true", help="show what would change; save nothing")
    imp.add_argument("--json", action="store_true", help="print the plan as JSON")
    imp.add_argument("--year", type=int, default=None, help="plan year when the file has none")
    imp.set_defaults(func=cmd_import)

    invite = commands.add_parser("invite", help="one-time invite link for a person")
    invite.add_argument("name")
    invite.add_argument("--bot-username", default=None)
    invite.set_defaults(func=cmd_invite)

    person = commands.add_parser("person", help="manage people")
    person_commands = person.add_subparsers(dest="person_command", required=True)
    add = person_commands.add_parser("add", help="add a person")
    add.add_argument("name")
    add.add_argument("--department", default=None)
    add.add_argument("--role", choices=["staff", "leader", "office"], default="staff")
    add.set_defaults(func=cmd_person_add)

    commands.add_parser("people", help="list people").set_defaults(func=cmd_people)

    digest = commands.add_parser("digest", help="the digest for the office or one leader")
    # the arguments are declared here so that `zhenggai --help` need not import aiogram
    digest.add_argument("--json", action="store_true", help="print the digest as JSON")
    digest.add_argument(
        "--as-of", dest="as_of", type=date.fromisoformat, default=None, help="YYYY-MM-DD"
    )
    digest.add_argument(
        "--for", dest="for_name", default=None, help="a leader or office person (default: all)"
    )
    digest.set_defaults(func=cmd_digest)
    commands.add_parser(
        "tick", help="one scheduler run now: due digests, reminders, look-backs"
    ).set_defaults(func=cmd_tick)

    export = commands.add_parser("export", help="the ledger as an Excel file (整改台账)")
    export.add_argument("file", nargs="?", default=".", help=".xlsx path or a folder")
    export.add_argument("--plan-id", type=int, default=None)
    export.set_defaults(func=cmd_export)
    report = commands.add_parser("report", help="a draft 整改情况报告 as a Word file")
    report.add_argument("file", nargs="?", default=".", help=".docx path or a folder")
    report.add_argument("--plan-id", type=int, default=None)
    report.set_defaults(func=cmd_report)
    history = commands.add_parser("history", help="one person's actions as CSV")
    history.add_argument("--person", required=True)
    history.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD")
    history.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD")
    history.add_argument("--out", default=None, help="CSV file (default: standard output)")
    history.set_defaults(func=cmd_history)

    ask = commands.add_parser("ask", help="answer a question from the regulations folder")
    ask.add_argument(
        "question",
        nargs="?",
        default=None,
        help="the question; without it, one question per line from stdin",
    )
    ask.add_argument("--json", action="store_true", help="JSON (JSON Lines for stdin)")
    ask.add_argument("--top", type=int, default=3, help="how many passages (default 3)")
    ask.set_defaults(func=cmd_ask)

    kb = commands.add_parser("kb", help="the regulations folder")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True)
    kb_add = kb_commands.add_parser("add", help="add or replace a document (md, txt, docx)")
    kb_add.add_argument("file")
    kb_add.set_defaults(func=cmd_kb_add)
    kb_commands.add_parser("list", help="list the documents").set_defaults(func=cmd_kb_list)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # One thread for the embedding model: with more, its threads stall whenever another process
    # (or the bot's own exports) holds a core, and a 20 ms question takes a second.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG
        if args.verbose
        else (logging.WARNING if args.command == "demo" else logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    if not args.verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
