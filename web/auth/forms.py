"""Login forms."""

from __future__ import annotations

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from web.forms import JapaneseForm


class LoginForm(JapaneseForm):
    login_id = StringField("職員ID", validators=[DataRequired("職員IDを入力してください。"),
                                                 Length(max=40)])
    password = PasswordField("パスワード", validators=[
        DataRequired("パスワードを入力してください。"), Length(max=200)])


class CodeForm(JapaneseForm):
    code = StringField("確認コード", validators=[
        DataRequired("確認コードを入力してください。"), Length(max=30)])


class ChangePasswordForm(JapaneseForm):
    current_password = PasswordField("現在のパスワード", validators=[
        DataRequired("現在のパスワードを入力してください。"), Length(max=200)])
    new_password = PasswordField("新しいパスワード", validators=[
        DataRequired("新しいパスワードを入力してください。"), Length(max=200)])
    confirm = PasswordField("新しいパスワード（確認）", validators=[
        EqualTo("new_password", "確認用のパスワードが一致しません。")])
