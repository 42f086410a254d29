"""Upload forms of the import screen."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectField

from web.forms import JapaneseForm

ENCODING_CHOICES = [("auto", "自動判定"), ("utf-8", "UTF-8"), ("cp932", "Shift_JIS（CP932）")]


class RegistryUploadForm(JapaneseForm):
    """住基連携ファイル: full or delta."""

    mode = RadioField("種類", choices=[("delta", "異動分"), ("full", "全件（記載のない住民は転出扱い）")],
                      default="delta")
    encoding = SelectField("文字コード", choices=ENCODING_CHOICES, default="auto")
    file = FileField("ファイル（CSV）", [FileRequired(message="ファイルを選んでください")])


class VaccinationUploadForm(JapaneseForm):
    """医療機関からの接種記録ファイル."""

    encoding = SelectField("文字コード", choices=ENCODING_CHOICES, default="auto")
    file = FileField("ファイル（CSV）", [FileRequired(message="ファイルを選んでください")])
