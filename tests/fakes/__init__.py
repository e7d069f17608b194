"""Test doubles the test suite owns (a fake Telegram Bot API server)."""

from .bot_api import (
    ApiCall,
    ApiError,
    BotMessage,
    CallbackQueryRef,
    FakeBotApi,
    FakeFile,
    FakeGroup,
    FakeUser,
    InlineQueryRef,
    UserMessage,
    free_port,
)

__all__ = [
    "ApiCall",
    "ApiError",
    "BotMessage",
    "CallbackQueryRef",
    "FakeBotApi",
    "FakeFile",
    "FakeGroup",
    "FakeUser",
    "InlineQueryRef",
    "UserMessage",
    "free_port",
]
