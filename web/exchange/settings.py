"""The exchange settings of the running app (see handlers.exchange.settings)."""

from __future__ import annotations

from flask import current_app

from handlers.exchange.settings import ExchangeSettings

EXTENSION = "sesshu_exchange"


def exchange_settings() -> ExchangeSettings:
    return current_app.extensions[EXTENSION]
