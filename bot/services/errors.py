"""Domain errors. Handlers turn `code` into text in the user's language."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A use case refused; `code` names the reason, `params` fill the user-facing text."""

    code = "domain_error"

    def __init__(self, **params: Any) -> None:
        super().__init__(self.code, params)
        self.params = params


class NotAllowed(DomainError):
    code = "not_allowed"


class NotRegistered(DomainError):
    code = "not_registered"


class MeasureNotFound(DomainError):
    """Also raised for measures the actor may not see, so existence is never revealed."""

    code = "measure_not_found"


class DecisionNotFound(DomainError):
    code = "decision_not_found"


class DecisionAlreadyTaken(DomainError):
    code = "decision_already_taken"


class PersonNotFound(DomainError):
    code = "person_not_found"


class PersonAmbiguous(DomainError):
    code = "person_ambiguous"


class PersonExists(DomainError):
    code = "person_exists"


class InvalidInput(DomainError):
    code = "invalid_input"


class InviteInvalid(DomainError):
    code = "invite_invalid"


class InviteExpired(DomainError):
    code = "invite_expired"


class InviteUsed(DomainError):
    code = "invite_used"


class AccountAlreadyBound(DomainError):
    code = "account_already_bound"


class PersonAlreadyBound(DomainError):
    code = "person_already_bound"


class EvidenceRequired(DomainError):
    code = "evidence_required"


class ReasonRequired(DomainError):
    code = "reason_required"


class WrongState(DomainError):
    code = "wrong_state"


class OngoingCannotClose(DomainError):
    code = "ongoing_cannot_close"


class PlanInvalid(DomainError):
    code = "plan_invalid"
