"""Callback data for every inline button, in one place. Packed, each stays under 64 bytes."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class MeasureCb(CallbackData, prefix="m"):
    # view / report / close / extend / history
    action: str
    id: int


class DecisionCb(CallbackData, prefix="d"):
    # ok / no
    action: str
    id: int


class PickCb(CallbackData, prefix="pk"):
    """A measure chosen for a free-text report (0: none of these)."""

    id: int


class DraftCb(CallbackData, prefix="dr"):
    # ok / cancel / in_progress / not_started / close
    action: str


class OverviewCb(CallbackData, prefix="ov"):
    # dimension: aspect / department / person; key "" lists the groups
    dim: str
    key: str = ""


class MyCb(CallbackData, prefix="my"):
    page: int = 0


class LangCb(CallbackData, prefix="lg"):
    lang: str


class ImportCb(CallbackData, prefix="im"):
    # ok / cancel / page
    action: str
    page: int = 0


class KbCb(CallbackData, prefix="kb"):
    # full / prev / next / more / doc
    action: str
    # a passage id (≤ 20 chars) or, for "more", a question key
    ref: str
