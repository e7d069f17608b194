"""Who is acting, and from where: resolved once per update, passed to every use case."""

from __future__ import annotations

from dataclasses import dataclass

ROLE_STAFF = "staff"
ROLE_LEADER = "leader"
ROLE_OFFICE = "office"
ROLES = (ROLE_STAFF, ROLE_LEADER, ROLE_OFFICE)


@dataclass(frozen=True)
class Actor:
    telegram_user_id: int | None
    chat_id: int | None
    person_id: int | None = None
    name: str | None = None
    role: str | None = None
    # named in ADMIN_IDS (or the command line): may manage people and plans
    is_admin: bool = False

    @property
    def is_registered(self) -> bool:
        return self.person_id is not None

    @property
    def sees_everything(self) -> bool:
        return self.is_admin or self.role == ROLE_OFFICE

    @property
    def is_leader(self) -> bool:
        return self.role == ROLE_LEADER


SYSTEM_ACTOR = Actor(telegram_user_id=None, chat_id=None, name="system", is_admin=True)
