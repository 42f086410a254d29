"""Forms of the inbox: the filter (GET) and saving a filter (POST)."""

from __future__ import annotations

from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from models.case import Procedure
from web.forms import JapaneseForm


class InboxFilterForm(JapaneseForm):
    class Meta:
        csrf = False
        locales = JapaneseForm.Meta.locales

    procedure = SelectField("手続", choices=[("", "すべて"), *((p.value, p.label) for p in Procedure)],
                            validators=[Optional()])
    task = SelectField("作業名", choices=[("", "すべて")], validators=[Optional()], validate_choice=False)
    due_before = DateField("期限（この日まで）", validators=[Optional()])
    overdue = BooleanField("期限超過のみ")
    q = StringField("案件番号・カナ氏名", validators=[Optional(), Length(max=60)])
    role = SelectField("役割（レーン）", choices=[("", "自分の役割すべて")], validators=[Optional()],
                       validate_choice=False)
    assignee = SelectField("担当者", choices=[("", "未割当")], validators=[Optional()], validate_choice=False)
    sort = SelectField("並び順", choices=[("due", "期限の早い順"), ("-due", "期限の遅い順")],
                       validators=[Optional()])
    page = IntegerField("ページ", validators=[Optional(), NumberRange(min=1, max=10000)], default=1)


# Query arguments a saved filter keeps (the view and page are not criteria).
CRITERIA_FIELDS = ("procedure", "task", "due_before", "overdue", "q", "role", "assignee", "sort")


class SaveFilterForm(JapaneseForm):
    name = StringField("名前", validators=[DataRequired(message="名前を入力してください"), Length(max=60)])
    shared = BooleanField("部署で共有する")
