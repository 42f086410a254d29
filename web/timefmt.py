"""Showing stored UTC timestamps in Japan time (日本時間) on screens and in CSV files."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from flask import Flask

JST = timezone(timedelta(hours=9), "JST")


def jst(value: datetime | None) -> str:
    """2026-04-01 09:30:00 (Japan time); empty for None."""
    if value is None:
        return ""
    return value.astimezone(JST).strftime("%Y-%m-%d %H:%M:%S")


def jst_day_start(day: date) -> datetime:
    """The first instant of a Japanese calendar day, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=JST)


def init_app(app: Flask) -> None:
    app.add_template_filter(jst, "jst")
