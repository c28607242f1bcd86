"""What every handler needs, kept in ``application.bot_data`` under one key."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from telegram.ext import Application, CallbackContext

from bot.chat.flood import FloodGuard
from bot.chat.ports import EngineLike
from bot.config import Settings

if TYPE_CHECKING:
    from bot.storage import Storage

KEY = "natobot"


@dataclass
class Deps:
    engine: EngineLike
    settings: Settings
    flood: FloodGuard = field(default_factory=FloodGuard)
    storage: Storage | None = None  # opened in post_init; None when unavailable


def deps(context: CallbackContext[Any, Any, Any, Any]) -> Deps:
    return cast(Deps, context.application.bot_data[KEY])


def app_deps(application: Application[Any, Any, Any, Any, Any, Any]) -> Deps:
    return cast(Deps, application.bot_data[KEY])
