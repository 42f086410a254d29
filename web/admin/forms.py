"""Account administration forms."""

from __future__ import annotations

from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from models.staff import Role
from web.forms import JapaneseForm

ROLE_CHOICES = [(role.value, role.label) for role in Role]


class RoleChecks(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _reason() -> StringField:
    return StringField("理由", validators=[
        DataRequired("変更の理由を入力してください（例: 4月1日付 人事異動）。"), Length(max=200)])


class IssueForm(JapaneseForm):
    login_id = StringField("職員ID", validators=[DataRequired("職員IDを入力してください。"),
                                                 Length(max=40)])
    full_name = StringField("氏名", validators=[DataRequired("氏名を入力してください。"),
                                                Length(max=100)])
    department_id = SelectField("部署", coerce=int)
    roles = RoleChecks("役割", choices=ROLE_CHOICES)
    may_view_my_number = BooleanField("個人番号の閲覧権限")
    initial_password = PasswordField("仮パスワード", validators=[
        DataRequired("仮パスワードを入力してください。"), Length(max=200)])
    reason = _reason()


class PermissionsForm(JapaneseForm):
    roles = RoleChecks("役割", choices=ROLE_CHOICES)
    may_view_my_number = BooleanField("個人番号の閲覧権限")
    reason = _reason()


class ReasonForm(JapaneseForm):
    reason = _reason()


class ResetPasswordForm(JapaneseForm):
    new_password = PasswordField("仮パスワード", validators=[
        DataRequired("仮パスワードを入力してください。"), Length(max=200)])
    reason = _reason()


class DepartmentForm(JapaneseForm):
    code = StringField("部署コード", validators=[DataRequired("部署コードを入力してください。"),
                                               Length(max=20)])
    name = StringField("部署名", validators=[DataRequired("部署名を入力してください。"),
                                            Length(max=100)])
    reason = _reason()
