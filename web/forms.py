"""Base form for Sesshu screens: WTForms' own messages (e.g. "Not a valid choice") in Japanese."""

from __future__ import annotations

from flask_wtf import FlaskForm


class JapaneseForm(FlaskForm):
    class Meta:
        locales = ("ja_JP", "ja")
