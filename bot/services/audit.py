"""The audit trail: every change is recorded with who, when and from which chat."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.services.actor import Actor
from storage.models import AuditEvent


def record(
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    action: str,
    measure_id: int | None = None,
    **detail: Any,
) -> AuditEvent:
    event = AuditEvent(
        measure_id=measure_id,
        person_id=actor.person_id,
        actor_telegram_id=actor.telegram_user_id,
        chat_id=actor.chat_id,
        action=action,
        detail={k: v for k, v in detail.items() if v is not None},
        created_at=clock.now(),
    )
    session.add(event)
    return event
