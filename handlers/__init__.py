"""Telegram presentation: one router per feature; each call builds fresh routers."""

from __future__ import annotations

from aiogram import Router

from handlers import (
    admin,
    ask,
    decisions,
    digest,
    exports,
    extension,
    fallback,
    lookbacks,
    measures,
    overview,
    plan_import,
    reporting,
    settings,
    start,
)


def get_routers() -> list[Router]:
    """Routers in the order they are asked; the fallback comes last."""
    return [
        fallback.errors_router(),
        start.router(),
        start.strangers_router(),
        admin.router(),
        plan_import.router(),
        ask.router(),
        measures.router(),
        decisions.router(),
        extension.router(),
        overview.router(),
        exports.router(),
        digest.router(),
        settings.router(),
        lookbacks.router(),
        reporting.router(),
        fallback.router(),
    ]
