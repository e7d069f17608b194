"""Conversation states (FSM). A cancelled or abandoned flow saves nothing."""

from aiogram.fsm.state import State, StatesGroup


class ReportFlow(StatesGroup):
    # collecting a note, status and evidence for one measure until the user confirms
    drafting = State()
    # a free-text report waits for the user to pick the measure
    picking = State()


class ExtendFlow(StatesGroup):
    date = State()
    reason = State()
    confirm = State()


class DecideFlow(StatesGroup):
    # a leader refusing (send-back or extension) writes the reason
    reason = State()


class ImportFlow(StatesGroup):
    # waiting for the plan file after /import
    file = State()
    # a preview is shown; nothing is saved before Confirm
    preview = State()


class KbFlow(StatesGroup):
    # waiting for a regulation document after /kb add
    file = State()
