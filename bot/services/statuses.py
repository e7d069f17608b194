"""The life of a measure (see docs/domain.md)."""

from __future__ import annotations

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
AWAITING_SIGNOFF = "awaiting_signoff"
CLOSED = "closed"
STATUSES = (NOT_STARTED, IN_PROGRESS, AWAITING_SIGNOFF, CLOSED)
OPEN_STATUSES = (NOT_STARTED, IN_PROGRESS, AWAITING_SIGNOFF)
# what an owner may set when reporting; closing goes through the leader
REPORTABLE_STATUSES = (NOT_STARTED, IN_PROGRESS)

DEADLINE_DATE = "date"
DEADLINE_IMMEDIATE = "immediate"
DEADLINE_ONGOING = "ongoing"
DEADLINE_UNKNOWN = "unknown"
DEADLINE_NONE = "none"

# how a person is linked to a measure
LINK_OWNER = "owner"
LINK_LEADER = "leader"
