"""Inline keyboards."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.services.ledger import MeasureDetail, ProblemGroup
from handlers.callbacks import (
    DecisionCb,
    DraftCb,
    KbCb,
    LangCb,
    MeasureCb,
    OverviewCb,
    PickCb,
)
from handlers.texts import Texts

BUTTON_TEXT = 40


def _label(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= BUTTON_TEXT else text[: BUTTON_TEXT - 1] + "…"


def my_measures(groups: list[ProblemGroup]) -> InlineKeyboardMarkup | None:
    builder = InlineKeyboardBuilder()
    for group in groups:
        for m in group.measures:
            builder.button(
                text=_label(f"{m.code} {m.text}"), callback_data=MeasureCb(action="view", id=m.id)
            )
    builder.adjust(1)
    return builder.as_markup() if groups else None


def measure_actions(
    t: Texts,
    detail: MeasureDetail,
    cited: list[tuple[str, str]] = (),  # type: ignore[assignment]
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    measure_id = detail.line.id
    if "report" in detail.actions:
        builder.button(
            text=t("btn_report"), callback_data=MeasureCb(action="report", id=measure_id)
        )
    if "close" in detail.actions:
        builder.button(text=t("btn_close"), callback_data=MeasureCb(action="close", id=measure_id))
    if "extend" in detail.actions:
        builder.button(
            text=t("btn_extend"), callback_data=MeasureCb(action="extend", id=measure_id)
        )
    if "decide" in detail.actions:
        for pending in detail.pending:
            if pending.kind == "close":
                builder.button(
                    text=t("btn_accept"), callback_data=DecisionCb(action="ok", id=pending.id)
                )
                builder.button(
                    text=t("btn_send_back"), callback_data=DecisionCb(action="no", id=pending.id)
                )
            else:
                builder.button(
                    text=t("btn_approve_extension"),
                    callback_data=DecisionCb(action="ok", id=pending.id),
                )
                builder.button(
                    text=t("btn_refuse_extension"),
                    callback_data=DecisionCb(action="no", id=pending.id),
                )
    if detail.evidence_count:
        builder.button(text=t("btn_files"), callback_data=MeasureCb(action="files", id=measure_id))
    builder.button(text=t("btn_history"), callback_data=MeasureCb(action="history", id=measure_id))
    for title, passage_id in cited:
        builder.button(
            text=_label(t("btn_cited", title=title)),
            callback_data=KbCb(action="full", ref=passage_id),
        )
    builder.adjust(2)
    return builder.as_markup()


def decision(
    t: Texts, decision_id: int, kind: str, measure_id: int | None = None
) -> InlineKeyboardMarkup:
    accept, refuse = (
        ("btn_accept", "btn_send_back")
        if kind == "close"
        else ("btn_approve_extension", "btn_refuse_extension")
    )
    builder = InlineKeyboardBuilder()
    builder.button(text=t(accept), callback_data=DecisionCb(action="ok", id=decision_id))
    builder.button(text=t(refuse), callback_data=DecisionCb(action="no", id=decision_id))
    if measure_id is not None:
        builder.button(text=t("btn_view"), callback_data=MeasureCb(action="view", id=measure_id))
    builder.adjust(2)
    return builder.as_markup()


def draft(t: Texts, status_choice: bool, close_choice: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("btn_confirm"), callback_data=DraftCb(action="ok"))
    builder.button(text=t("btn_cancel"), callback_data=DraftCb(action="cancel"))
    if status_choice:
        builder.button(
            text=t("btn_status_in_progress"), callback_data=DraftCb(action="in_progress")
        )
        builder.button(
            text=t("btn_status_not_started"), callback_data=DraftCb(action="not_started")
        )
    if close_choice:
        builder.button(text=t("btn_request_close"), callback_data=DraftCb(action="close"))
    builder.adjust(2)
    return builder.as_markup()


def confirm_cancel(t: Texts) -> InlineKeyboardMarkup:
    return draft(t, status_choice=False, close_choice=False)


def pick(t: Texts, candidates: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for measure_id, label in candidates:
        builder.button(text=_label(label), callback_data=PickCb(id=measure_id))
    builder.button(text=t("btn_none_of_these"), callback_data=PickCb(id=0))
    builder.adjust(1)
    return builder.as_markup()


def overview(t: Texts) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for dim in ("aspect", "department", "person"):
        builder.button(text=t(f"btn_by_{dim}"), callback_data=OverviewCb(dim=dim))
    builder.adjust(3)
    return builder.as_markup()


def groups(dim: str, items: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for key, label in items:
        builder.button(text=_label(label), callback_data=OverviewCb(dim=dim, key=key))
    builder.adjust(1)
    return builder.as_markup()


def measures(items: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for measure_id, label in items:
        builder.button(text=_label(label), callback_data=MeasureCb(action="view", id=measure_id))
    builder.adjust(1)
    return builder.as_markup()


def languages() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text="中文", callback_data=LangCb(lang="zh").pack()),
                InlineKeyboardButton(text="English", callback_data=LangCb(lang="en").pack()),
            ]
        ]
    )
