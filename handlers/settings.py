"""/settings: when the digest comes (weekly or monthly, day, time, paused); snoozing reminders."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services import reminders, schedule
from bot.services.actor import Actor
from bot.services.schedule import DigestPreference
from handlers.digest import SnoozeCb
from handlers.filters import Registered
from handlers.texts import Texts

TIME_CHOICES = (8 * 60, 8 * 60 + 30, 9 * 60, 10 * 60, 14 * 60, 17 * 60)
MONTH_DAY_CHOICES = (1, 5, 10, 15, 20, 25)
WORKING_WEEKDAYS = range(5)


class SettingsCb(CallbackData, prefix="st"):
    # show / weekly / monthly / mute / unmute / days / day / times / time
    action: str
    value: int = 0


def schedule_text(t: Texts, preference: DigestPreference) -> str:
    at = f"{preference.at:%H:%M}"
    if preference.frequency == schedule.MONTHLY:
        text = t("settings_monthly", day=preference.month_day, time=at)
    else:
        text = t("settings_weekly", weekday=t(f"weekday_{preference.weekday}"), time=at)
    return text + (t("settings_muted") if preference.muted else "")


def settings_text(t: Texts, preference: DigestPreference) -> str:
    return t("settings_title", schedule=schedule_text(t, preference)) + "\n" + t("settings_hint")


def settings_keyboard(t: Texts, preference: DigestPreference) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("btn_settings_weekly"), callback_data=SettingsCb(action="weekly"))
    builder.button(text=t("btn_settings_monthly"), callback_data=SettingsCb(action="monthly"))
    builder.button(text=t("btn_settings_day"), callback_data=SettingsCb(action="days"))
    builder.button(text=t("btn_settings_time"), callback_data=SettingsCb(action="times"))
    if preference.muted:
        builder.button(text=t("btn_settings_unmute"), callback_data=SettingsCb(action="unmute"))
    else:
        builder.button(text=t("btn_settings_mute"), callback_data=SettingsCb(action="mute"))
    builder.adjust(2)
    return builder.as_markup()


def days_keyboard(t: Texts, preference: DigestPreference) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if preference.frequency == schedule.MONTHLY:
        for day in MONTH_DAY_CHOICES:
            builder.button(
                text=t("btn_month_day", day=day), callback_data=SettingsCb(action="day", value=day)
            )
        builder.adjust(3)
    else:
        for weekday in WORKING_WEEKDAYS:
            builder.button(
                text=t("btn_weekday", weekday=t(f"weekday_{weekday}")),
                callback_data=SettingsCb(action="day", value=weekday),
            )
        builder.adjust(5)
    return builder.as_markup()


def times_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for minute in TIME_CHOICES:
        builder.button(
            text=f"{minute // 60:02d}:{minute % 60:02d}",
            callback_data=SettingsCb(action="time", value=minute),
        )
    builder.adjust(3)
    return builder.as_markup()


def router() -> Router:
    r = Router(name=__name__)
    r.message.filter(F.chat.type == ChatType.PRIVATE, Registered())
    r.callback_query.filter(Registered())

    @r.message(Command("settings"))
    async def show(
        message: Message,
        command: CommandObject,
        session: AsyncSession,
        actor: Actor,
        clock: Clock,
        texts: Texts,
    ) -> None:
        if actor.person_id is None or not (actor.is_leader or actor.sees_everything):
            await message.answer(texts("settings_staff"))
            return
        args = (command.args or "").split()
        if args:
            if len(args) != 2 or args[0].lower() not in ("time", "时间"):
                await message.answer(texts("settings_usage"))
                return
            preference = await schedule.set_preference(
                session, actor, clock, minute_of_day=schedule.parse_time(args[1])
            )
            await message.answer(
                texts("settings_saved", schedule=schedule_text(texts, preference))
            )
            return
        preference = await schedule.preference_for(session, actor.person_id)
        await message.answer(
            settings_text(texts, preference), reply_markup=settings_keyboard(texts, preference)
        )

    @r.callback_query(SettingsCb.filter())
    async def change(
        query: CallbackQuery,
        callback_data: SettingsCb,
        session: AsyncSession,
        actor: Actor,
        clock: Clock,
        texts: Texts,
    ) -> None:
        assert query.message is not None
        chat_id = query.message.chat.id
        action, value = callback_data.action, callback_data.value
        if actor.person_id is None:
            await query.answer(texts("settings_staff"), show_alert=True)
            return
        current = await schedule.preference_for(session, actor.person_id)
        if action == "days":
            await query.answer()
            key = (
                "settings_pick_month_day"
                if current.frequency == schedule.MONTHLY
                else "settings_pick_weekday"
            )
            await query.bot.send_message(
                chat_id, texts(key), reply_markup=days_keyboard(texts, current)
            )
            return
        if action == "times":
            await query.answer()
            await query.bot.send_message(
                chat_id, texts("settings_pick_time"), reply_markup=times_keyboard()
            )
            return
        changes: dict[str, object] = {}
        if action in (schedule.WEEKLY, schedule.MONTHLY):
            changes["frequency"] = action
        elif action in ("mute", "unmute"):
            changes["muted"] = action == "mute"
        elif action == "day":
            key = "month_day" if current.frequency == schedule.MONTHLY else "weekday"
            changes[key] = value
        elif action == "time":
            changes["minute_of_day"] = value
        else:
            await query.answer(texts("stale_button"), show_alert=True)
            return
        preference = await schedule.set_preference(session, actor, clock, **changes)  # type: ignore[arg-type]
        saved = texts("settings_saved", schedule=schedule_text(texts, preference))
        await query.answer(texts("saved"))
        await query.bot.send_message(
            chat_id, saved, reply_markup=settings_keyboard(texts, preference)
        )

    @r.callback_query(SnoozeCb.filter())
    async def snooze(
        query: CallbackQuery,
        callback_data: SnoozeCb,
        session: AsyncSession,
        actor: Actor,
        clock: Clock,
        texts: Texts,
    ) -> None:
        outcome = await reminders.snooze(
            session, actor, clock, callback_data.batch, callback_data.days
        )
        text = texts("snoozed", until=outcome.until.isoformat(), codes="、".join(outcome.codes))
        await query.answer(texts("saved"))
        assert query.message is not None
        await query.bot.send_message(query.message.chat.id, text)

    return r
