"""End to end: the real bot process, a fake Bot API over HTTP, users clicking through."""

from __future__ import annotations

import asyncio
import io
import re
import signal
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from tests.e2e.conftest import ADMIN_ID, BotProcess, Talk, press, run_cli
from tests.fakes import FakeBotApi

pytestmark = pytest.mark.e2e


async def join(admin: Talk, name: str, user: Talk) -> None:
    link = await admin.send(f"/invite {name}", expect="start=")
    code = re.search(r"start=([\w-]+)", link.text or "")
    assert code is not None
    welcome = await user.send(f"/start {code.group(1)}", expect=name)
    assert "欢迎" in (welcome.text or "")


async def test_admin_invites_staff_reports_leader_signs_off(
    bot_api: FakeBotApi, running_bot: BotProcess, tmp_path: Path
) -> None:
    admin = Talk(bot_api.user(ADMIN_ID, "整改办"))
    staff = Talk(bot_api.user(2001, "孙某某"))
    leader = Talk(bot_api.user(2002, "吴某某"))
    await admin.send("/addperson 张三 财务室 staff", expect="已添加")
    await join(admin, "孙某某", staff)
    await join(admin, "吴某某", leader)

    listing = await staff.send("/my", expect="10.2")
    detail = await staff.press(listing, "10.2", expect="措施 10.2")
    await staff.press(detail, "报告进展", expect="报告进展")
    await staff.send("已修订财务制度，完成60%", expect="60%")
    panel = await staff.document(
        "财务制度.pdf", b"%PDF-1.4 evidence", "新制度全文", expect="佐证材料：1 份"
    )
    await staff.press(panel, "确认提交", expect="已保存措施")

    close_panel = await staff.send("10.2 已完成，制度已印发", expect="申请销号")
    seen = leader._mark()
    await press(staff.user, close_panel, "确认提交")
    notice = await leader.expect(seen, "申请销号")
    shown = await leader.press(notice, "查看措施", expect="待销号")
    evidence = await leader.press(shown, "佐证材料", expect="财务制度.pdf")
    assert evidence.document is not None and evidence.document.content == b"%PDF-1.4 evidence"
    seen = staff._mark()
    await leader.press(notice, "同意销号", expect="已销号")
    await staff.expect(seen, "审核销号")

    overview = await leader.send("/overview", expect="整改总览")
    people = await leader.press(overview, "按责任人", expect="按责任人")
    listing = await leader.press(people, "孙某某", expect="10.2")
    history = await leader.press(listing, "10.2", expect="措施 10.2")
    for entry in ("已销号", "报告进展", "上传佐证：财务制度.pdf", "申请销号", "同意销号"):
        assert entry in (history.text or "")

    ledger = await leader.send("/export", expect="整改台账")
    assert ledger.document is not None and ledger.document.file_name.endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(ledger.document.content))
    assert any("10.2" in str(cell.value) for row in workbook.active.iter_rows() for cell in row)
    answer = await staff.send("红十字会法第十一条", expect="第十一条")
    assert "《中华人民共和国红十字会法》" in (answer.text or "")

    assert bot_api.webhook_deleted
    assert "my" in bot_api.command_list()
    assert "my" in bot_api.command_list(language_code="en")
    assert bot_api.token not in running_bot.log


async def test_redelivered_update_is_answered_once(
    bot_api: FakeBotApi, running_bot: BotProcess
) -> None:
    admin = bot_api.user(ADMIN_ID, "整改办")
    sent = await admin.send("/people")
    await admin.wait_for(lambda m: "人员名单（" in (m.text or ""))
    bot_api.redeliver(sent.update_id)
    await admin.send("/help")
    await admin.wait_for(lambda m: "整改助手" in (m.text or ""))
    assert sum("人员名单（" in (m.text or "") for m in admin.messages) == 1, running_bot.log


async def test_flood_control_is_waited_out(bot_api: FakeBotApi, running_bot: BotProcess) -> None:
    admin = bot_api.user(ADMIN_ID, "整改办")
    bot_api.fail_next("sendMessage", error_code=429, retry_after=1)
    await admin.send("/people")
    await admin.wait_for(lambda m: "人员名单（" in (m.text or ""), timeout=15)
    await asyncio.sleep(1.5)
    assert sum("人员名单（" in (m.text or "") for m in admin.messages) == 1


async def test_crash_loses_nothing_confirmed_and_leaves_nothing_half_written(
    bot_api: FakeBotApi, running_bot: BotProcess, bot_env: dict[str, str], tmp_path: Path
) -> None:
    admin = Talk(bot_api.user(ADMIN_ID, "整改办"))
    staff = Talk(bot_api.user(2001, "孙某某"))
    await join(admin, "孙某某", staff)
    panel = await staff.send("10.1 推进中 已组织学习", expect="待提交")
    await press(staff.user, panel, "确认提交")
    await bot_api.wait_for_call("answerCallbackQuery")
    await running_bot.kill()
    database = bot_env["DATABASE_URL"].split("///", 1)[1]
    with sqlite3.connect(database) as db:
        reports = db.execute("select count(*) from progress_reports").fetchone()[0]
        audits = db.execute(
            "select count(*) from audit_events where action='reported'"
        ).fetchone()[0]
    assert reports == audits
    told_saved = any("已保存" in str(c.params) for c in bot_api.calls_of("answerCallbackQuery"))
    assert reports == 1 or not told_saved
    restarted = BotProcess(bot_env, tmp_path)
    polls = bot_api.poll_count
    await restarted.start()
    await bot_api.wait_until_polling(timeout=60, after=polls)
    mine = await staff.send("/my", expect="10.1")
    assert "推进中" in (mine.text or "")
    assert await restarted.stop() == 0


async def test_start_up_waits_for_the_bot_api_and_stops_cleanly(
    bot_api: FakeBotApi, bot_env: dict[str, str], tmp_path: Path
) -> None:
    await bot_api.stop()
    bot = BotProcess(bot_env, tmp_path)
    await bot.start()
    await bot.wait_for_log("not reachable", timeout=30)
    assert bot.process is not None and bot.process.returncode is None
    port = int(bot_api.base_url.rsplit(":", 1)[1])
    await bot_api.start(port=port)
    await bot_api.wait_until_polling(timeout=60)
    assert await bot.stop(signal.SIGINT) == 0
    assert bot_api.token not in bot.log
    assert bot_api.token.split(":")[1] not in bot.log


async def test_without_a_token_it_says_what_to_do(bot_env: dict[str, str], tmp_path: Path) -> None:
    env = {k: v for k, v in bot_env.items() if k != "BOT_TOKEN"}
    code, out = await run_cli(env, tmp_path, "run")
    assert code == 2
    assert "BOT_TOKEN" in out and "zhenggai demo" in out
