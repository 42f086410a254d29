"""Error pages in Japanese: no traceback ever reaches a user."""

from __future__ import annotations

from flask import Flask, render_template
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from web.db import close_session

MESSAGES = {
    400: "リクエストの内容が正しくありません。",
    403: "この操作を行う権限がありません。",
    404: "お探しのページは見つかりません。",
    405: "この操作はこの画面では行えません。",
    413: "送信されたデータが大きすぎます。",
    429: "短時間に操作が集中しました。しばらく待ってからもう一度お試しください。",
    500: "システムエラーが発生しました。入力内容は保存されていません。時間をおいて再度お試しください。",
    503: "データベースに一時的に接続できません。入力内容は保存されていません。しばらく待ってから、もう一度お試しください。",
}


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        message = MESSAGES.get(code, "エラーが発生しました。")
        if error.description and error.description != type(error).description:
            message = error.description  # a specific message given with abort(code, description=…)
        return render_template("error.html", code=code, message=message), code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unhandled error", exc_info=error)
        # The request's transaction may be broken, or the database gone: the error page
        # must not touch either (error_server.html shows no staff menu, which reads it).
        close_session()
        code = 503 if isinstance(error, OperationalError) else 500
        # Rendered without context processors: Flask-Login's loads the user from the database.
        page = app.jinja_env.get_template("error_server.html")
        return page.render(code=code, message=MESSAGES[code]), code
