"""/digest on demand, the digest's detail buttons, and how digests and reminders read.

The scheduler sends the same texts (it renders with the functions here), so what a person
gets on Monday morning and what /digest shows look the same.
"""

from __future__ import annotations

import asyncio
import logging
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services import charts, digest, reminders, schedule
from bot.services.actor import Actor
from bot.services.digest import Digest, DigestItem
from handlers.callbacks import MeasureCb
from handlers.filters import Registered
from handlers.render import short
from handlers.sending import answer_long, send_long
from handlers.texts import Texts

logger = logging.getLogger(__name__)

SHOWN_PER_SECTION = 3
DETAIL_SHOWN = 40
MEASURE_BUTTONS = 10
LINE_TEXT = 24
SECTIONS = ("overdue", "due_soon", "closed", "waiting", "stale", "lookbacks")


class DigestCb(CallbackData, prefix="dg"):
    # overdue / due_soon / closed / waiting / stale / lookbacks
    section: str


class SnoozeCb(CallbackData, prefix="sz"):
    """Snooze the reminders of one message (batch) by `days` working days."""

    days: int
    batch: int


class LookbackCb(CallbackData, prefix="lb"):
    # ask (show the question) / holds / relapsed / ok / cancel / confirm / reopen
    action: str
    id: int = 0


def _date(t: Texts, value: object) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else t("digest_never")


def _local_date(moment: object, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).date().isoformat()  # type: ignore[attr-defined]


def _owners(item: DigestItem) -> str:
    return "、".join(item.owners) or "—"


def _signed(value: int) -> str:
    return f"+{value}" if value > 0 else str(value)


def section_items(result: Digest, section: str) -> list[object]:
    return {
        "overdue": result.overdue,
        "due_soon": result.due_soon,
        "closed": result.closed_this_period,
        "waiting": result.waiting_for_decision,
        "stale": result.stale,
        "lookbacks": result.lookbacks_due,
    }[section]  # type: ignore[return-value]


def item_line(t: Texts, section: str, item: object, tz: ZoneInfo, width: int = LINE_TEXT) -> str:
    if isinstance(item, digest.WaitingItem):
        return t(
            "digest_waiting_line",
            kind=t(f"digest_kind_{item.kind}"),
            code=item.measure.code,
            text=short(item.measure.text, width),
            who=item.requested_by,
        )
    if isinstance(item, digest.LookbackItem):
        return t(
            "digest_lookback_line",
            code=item.measure.code,
            text=short(item.measure.text, width),
            state=t(f"lookback_state_{item.state}"),
            due=item.due_on.isoformat(),
        )
    assert isinstance(item, DigestItem)
    params = {"code": item.code, "text": short(item.text, width), "owners": _owners(item)}
    last = _local_date(item.last_update, tz) if item.last_update else t("digest_never")
    if section == "overdue":
        return t("digest_overdue_line", days=item.days_overdue, last=last, **params)
    if section == "due_soon":
        return t(
            "digest_due_line", deadline=_date(t, item.deadline), days=item.days_left, **params
        )
    if section == "closed":
        closed = _local_date(item.closed_at, tz) if item.closed_at else "—"
        return t("digest_closed_line", closed=closed, **params)
    return t("digest_stale_line", last=last, **params)


def digest_text(t: Texts, result: Digest, tz: ZoneInfo) -> str:
    """Short enough for a phone: totals, the change, then a few lines per section."""
    totals = result.totals
    lines = [
        t(f"digest_title_{result.scope}", date=result.as_of.isoformat()),
        t("digest_totals", percent=result.percent_closed, **totals),
    ]
    changes = result.changes
    if changes is None:
        lines.append(t("digest_first"))
    else:
        lines.append(t("digest_changes", **{k: _signed(v) for k, v in changes.items()}))
    shown_any = False
    for section in SECTIONS:
        items = section_items(result, section)
        if not items:
            continue
        shown_any = True
        lines += ["", t(f"digest_section_{section}", count=len(items))]
        lines += [item_line(t, section, item, tz) for item in items[:SHOWN_PER_SECTION]]
        if len(items) > SHOWN_PER_SECTION:
            lines.append(t("digest_more", count=len(items) - SHOWN_PER_SECTION))
    lines += ["", t("digest_hint") if shown_any else t("digest_all_clear")]
    return "\n".join(lines)


def digest_keyboard(t: Texts, result: Digest) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboardBuilder()
    for section in SECTIONS:
        count = len(section_items(result, section))
        if count:
            builder.button(
                text=t("btn_digest_section", name=t(f"digest_name_{section}"), count=count),
                callback_data=DigestCb(section=section),
            )
    builder.adjust(2)
    return builder.as_markup() if builder.buttons else None


def chart_labels(t: Texts, result: Digest) -> charts.ChartLabels:
    return charts.ChartLabels(
        title=t("chart_title"),
        subtitle=t(
            "chart_subtitle",
            date=result.as_of.isoformat(),
            closed=result.totals["closed"],
            total=result.totals["measures"],
            percent=result.percent_closed,
        ),
        closed=t("chart_closed"),
        awaiting_signoff=t("chart_awaiting_signoff"),
        in_progress=t("chart_in_progress"),
        not_started=t("chart_not_started"),
        overdue=t("chart_overdue", count="{count}"),
        other=t("chart_other"),
    )


async def digest_chart(t: Texts, result: Digest) -> bytes | None:
    """The PNG for a digest, drawn off the event loop; None when there is nothing to draw
    or no Chinese font (the digest then goes without its picture)."""
    if not result.groups:
        return None
    try:
        return await asyncio.to_thread(
            charts.progress_chart, result.groups, chart_labels(t, result)
        )
    except charts.ChartUnavailable:
        logger.warning("no font with Chinese characters: digest sent without its chart")
        return None


def section_text(t: Texts, result: Digest, section: str, tz: ZoneInfo) -> str:
    items = section_items(result, section)
    name = t(f"digest_name_{section}")
    if not items:
        return t("digest_detail_empty", section=name)
    lines = [t("digest_detail_title", section=name, count=len(items))]
    lines += [item_line(t, section, item, tz, width=40) for item in items[:DETAIL_SHOWN]]
    if len(items) > DETAIL_SHOWN:
        lines.append(t("overview_more", count=len(items) - DETAIL_SHOWN))
    return "\n".join(lines)


def section_keyboard(result: Digest, section: str) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboardBuilder()
    for item in section_items(result, section)[:MEASURE_BUTTONS]:
        measure = item.measure if hasattr(item, "measure") else item
        assert isinstance(measure, DigestItem)
        builder.button(
            text=short(f"{measure.code} {measure.text}", 40),
            callback_data=MeasureCb(action="view", id=measure.id),
        )
    builder.adjust(1)
    return builder.as_markup() if builder.buttons else None


# ----------------------------------------------------------------------------- reminders


def reminder_line(t: Texts, item: reminders.ReminderItem) -> str:
    params = {"code": item.code, "text": short(item.text, LINE_TEXT)}
    deadline = item.deadline.isoformat() if item.deadline else "—"
    if item.kind in (reminders.ESCALATION_LEADER, reminders.ESCALATION_OFFICE):
        owners = "、".join(item.owners) or "—"
        return t("reminder_escalation_line", owners=owners, days=item.days_overdue, **params)
    if item.kind == reminders.OVERDUE:
        return t("reminder_overdue_line", deadline=deadline, days=item.days_overdue, **params)
    if item.kind == reminders.DUE:
        if not item.days_left:
            return t("reminder_due_today", deadline=deadline, **params)
        return t("reminder_due_line", deadline=deadline, days=item.days_left, **params)
    if item.kind == reminders.LOOKBACK:
        days = item.lookback.offset_days if item.lookback else "—"
        return t("reminder_lookback_line", days=days, **params)
    return t("reminder_ongoing_line", **params)


def reminder_text(t: Texts, batch: reminders.PersonReminders) -> str:
    """One message per person per run: their items grouped by kind, most urgent first."""
    lines = [t("reminder_title", name=batch.name)]
    kind = None
    for item in batch.items:
        if item.kind != kind:
            kind = item.kind
            lines += ["", t(f"reminder_section_{kind}")]
        lines.append(reminder_line(t, item))
    if any(i.kind in reminders.OWNER_KINDS for i in batch.items):
        lines += ["", t("reminder_hint")]
    return "\n".join(lines)


def reminder_keyboard(t: Texts, batch: reminders.PersonReminders) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboardBuilder()
    shown = 0
    for item in batch.items:
        if item.kind == reminders.LOOKBACK and item.lookback_id is not None:
            builder.button(
                text=t("btn_lookback_answer", code=item.code),
                callback_data=LookbackCb(action="ask", id=item.lookback_id),
            )
        elif shown < MEASURE_BUTTONS:
            shown += 1
            builder.button(
                text=short(f"{item.code} {item.text}", 40),
                callback_data=MeasureCb(action="view", id=item.measure_id),
            )
    if batch.batch_id is not None and any(i.snoozable for i in batch.items):
        for days in reminders.SNOOZE_CHOICES:
            builder.button(
                text=t(f"btn_snooze_{days}"),
                callback_data=SnoozeCb(days=days, batch=batch.batch_id),
            )
    builder.adjust(1)
    return builder.as_markup() if builder.buttons else None


# ----------------------------------------------------------------------------- the router


async def send_digest(
    message: Message,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    texts: Texts,
    timezone: ZoneInfo,
) -> None:
    preference = (
        await schedule.preference_for(session, actor.person_id)
        if actor.person_id is not None
        else None
    )
    result = await digest.compile_digest(session, clock, actor, preference=preference)
    await session.rollback()  # a read: end it before the slow part
    picture = await digest_chart(texts, result)
    assert message.bot is not None
    if picture is not None:
        await message.bot.send_photo(
            message.chat.id,
            BufferedInputFile(picture, "progress.png"),
            caption=texts("chart_title"),
        )
    await answer_long(
        message, digest_text(texts, result, timezone), digest_keyboard(texts, result)
    )


def router() -> Router:
    r = Router(name=__name__)
    r.message.filter(F.chat.type == ChatType.PRIVATE, Registered())
    r.callback_query.filter(Registered())

    @r.message(Command("digest"))
    async def on_demand(
        message: Message,
        session: AsyncSession,
        actor: Actor,
        clock: Clock,
        texts: Texts,
        timezone: ZoneInfo,
    ) -> None:
        """The current digest; it is not stored, so the next scheduled one still compares
        with the last scheduled one."""
        if not (actor.sees_everything or actor.is_leader):
            await message.answer(texts("digest_not_for_staff"))
            return
        await send_digest(message, session, actor, clock, texts, timezone)

    @r.callback_query(DigestCb.filter(F.section.in_(set(SECTIONS))))
    async def details(
        query: CallbackQuery,
        callback_data: DigestCb,
        session: AsyncSession,
        actor: Actor,
        clock: Clock,
        texts: Texts,
        timezone: ZoneInfo,
    ) -> None:
        """A section in full, counted now (the message may be days old)."""
        result = await digest.compile_digest(session, clock, actor)
        await query.answer()
        assert query.message is not None
        await send_long(
            query.bot,
            query.message.chat.id,
            section_text(texts, result, callback_data.section, timezone),
            section_keyboard(result, callback_data.section),
        )

    return r
