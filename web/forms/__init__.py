"""WTForms forms of the web screens, and their shared base."""

from __future__ import annotations

from flask_wtf import FlaskForm


class JapaneseForm(FlaskForm):
    """Base form for Sesshu screens: WTForms' own messages (e.g. "Not a valid choice") in Japanese."""

    class Meta:
        locales = ("ja_JP", "ja")
