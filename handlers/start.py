"""/start with an invite code, /help, /lang, /cancel, and the polite answer to strangers."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services import people
from bot.services.actor import Actor
from handlers import keyboards
from handlers.callbacks import LangCb
from handlers.filters import Registered
from handlers.texts import Texts, texts_for


def help_text(t: Texts, actor: Actor) -> str:
    text = t("help_staff")
    if actor.is_leader:
        text += t("help_leader")
    if actor.sees_everything:
        text += t("help_office")
    if actor.is_leader or actor.sees_everything:
        text += t("help_digest")
    if actor.is_admin:
        text += t("help_admin")
    return text


def router() -> Router:
    r = Router(name=__name__)
    r.message.filter(F.chat.type == ChatType.PRIVATE)

    @r.message(CommandStart(deep_link=True))
    async def start_with_code(
        message: Message,
        command: CommandObject,
        session: AsyncSession,
        clock: Clock,
        texts: Texts,
        state: FSMContext,
    ) -> None:
        assert message.from_user is not None
        person = await people.redeem_invite(
            session,
            message.from_user.id,
            message.chat.id,
            command.args or "",
            message.from_user.language_code,
            clock,
        )
        await state.clear()
        t = texts_for(person.language or message.from_user.language_code)
        await message.answer(t("welcome_joined", name=person.name, role=t(f"role_{person.role}")))

    @r.message(CommandStart(), Registered())
    async def start(message: Message, actor: Actor, texts: Texts) -> None:
        if actor.is_registered:
            await message.answer(
                texts("welcome_back", name=actor.name, role=texts(f"role_{actor.role}"))
            )
        else:
            await message.answer(texts("welcome_admin"))

    @r.message(Command("help"), Registered())
    async def help_(message: Message, actor: Actor, texts: Texts) -> None:
        await message.answer(help_text(texts, actor))

    @r.message(Command("cancel"), Registered())
    async def cancel(message: Message, state: FSMContext, texts: Texts) -> None:
        had_flow = await state.get_state() is not None
        await state.clear()
        await message.answer(texts("cancelled" if had_flow else "nothing_to_cancel"))

    @r.message(Command("lang"), Registered())
    async def lang(message: Message, texts: Texts) -> None:
        await message.answer(texts("lang_choose"), reply_markup=keyboards.languages())

    @r.callback_query(LangCb.filter(), Registered())
    async def set_lang(
        query: CallbackQuery,
        callback_data: LangCb,
        session: AsyncSession,
        actor: Actor,
        clock: Clock,
    ) -> None:
        language = "en" if callback_data.lang == "en" else "zh"
        await people.set_language(session, actor, clock, language)
        await query.answer(texts_for(language)("lang_set"))
        if query.message is not None:
            await query.bot.send_message(query.message.chat.id, texts_for(language)("lang_set"))

    return r


def strangers_router() -> Router:
    """Anyone not invited gets one polite sentence and nothing else."""
    r = Router(name=f"{__name__}.strangers")

    @r.message(F.chat.type == ChatType.PRIVATE, ~Registered())
    async def stranger(message: Message, texts: Texts) -> None:
        await message.answer(texts("stranger"))

    @r.callback_query(~Registered())
    async def stranger_button(query: CallbackQuery, texts: Texts) -> None:
        await query.answer(texts("stranger"), show_alert=True)

    return r
