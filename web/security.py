"""Who may reach which route: every endpoint declares it, and anything undeclared is refused.

Declare access on each view function, below the route decorator:

    @bp.get("/audit/access-log")
    @roles(Role.AUDITOR)
    def access_log(): ...

`@public` (no login), `@login_step` (password accepted, second factor pending),
`@login_only` (any staff member fully logged in) or `@roles(Role.X, ...)` (fully
logged in and holding at least one of the roles). A route with no declaration
answers 403 to everyone. The check runs before CSRF and before the view.

Also here: CSRF protection on every state-changing request, security headers, and
the session cookie flags.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect

from models.staff import Role
from web.auth.current import current_staff, has_pending_login, note_access_denied

F = TypeVar("F", bound=Callable)

ACCESS_ATTRIBUTE = "sesshu_access"
csrf = CSRFProtect()


class Level(enum.Enum):
    PUBLIC = "public"
    LOGIN_STEP = "login_step"
    LOGIN = "login"


@dataclass(frozen=True)
class Access:
    level: Level
    roles: frozenset[Role] = frozenset()

    def allows(self, staff_roles: frozenset[Role]) -> bool:
        """Whether a fully logged-in person with `staff_roles` may use the route."""
        if self.level is not Level.LOGIN:
            return self.level is Level.PUBLIC
        return not self.roles or not self.roles.isdisjoint(staff_roles)


PUBLIC = Access(Level.PUBLIC)
LOGIN_STEP = Access(Level.LOGIN_STEP)
LOGIN = Access(Level.LOGIN)


def _declare(access: Access) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        setattr(view, ACCESS_ATTRIBUTE, access)
        return view

    return decorator


def public(view: F) -> F:
    """Reachable without login (login page, health check)."""
    return _declare(PUBLIC)(view)


def login_step(view: F) -> F:
    """Part of logging in: needs the password step done, not yet the second factor."""
    return _declare(LOGIN_STEP)(view)


def login_only(view: F) -> F:
    """Any staff member who is fully logged in (ID + password + TOTP)."""
    return _declare(LOGIN)(view)


def roles(*required: Role) -> Callable[[F], F]:
    """Fully logged in and holding at least one of `required`."""
    if not required:
        raise ValueError("roles() needs at least one role; use login_only for any staff")
    return _declare(Access(Level.LOGIN, frozenset(required)))


# Endpoints Flask itself registers, which cannot carry a decorator.
BUILTIN_ACCESS: dict[str, Access] = {"static": PUBLIC}


def access_for(app: Flask, endpoint: str) -> Access | None:
    """The declared access of an endpoint, or None when it declares nothing."""
    if endpoint in BUILTIN_ACCESS:
        return BUILTIN_ACCESS[endpoint]
    view = app.view_functions.get(endpoint)
    return getattr(view, ACCESS_ATTRIBUTE, None) if view is not None else None


def may_reach(app: Flask, endpoint: str, staff_roles: frozenset[Role]) -> bool:
    access = access_for(app, endpoint)
    return access is not None and access.allows(staff_roles)


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None (no open redirect after login)."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in target)  # browsers drop tabs etc.
    ):
        return None
    return target


def enforce_access():
    """before_request: apply the endpoint's declaration (default deny)."""
    endpoint = request.endpoint
    if endpoint is None:  # no route matched: Flask answers 404/405 itself
        return None
    access = access_for(current_app, endpoint)
    if access is None:
        abort(403)
    if access.level is Level.PUBLIC:
        return None
    if access.level is Level.LOGIN_STEP:
        return None if has_pending_login() else redirect(url_for("auth.login"))
    staff = current_staff()
    if staff is None:
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.login", next=safe_next(target)))
    if staff.must_change_password and endpoint not in ("auth.change_password", "auth.logout"):
        return redirect(url_for("auth.change_password"))
    if not access.allows(staff.roles):
        note_access_denied(endpoint)
        abort(403)
    return None


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if request.endpoint != "static" and "Cache-Control" not in response.headers:
        # Pages may show personal data: never keep them in a browser or proxy cache
        # (a public endpoint such as the JWKS opts out by setting its own header).
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


def init_app(app: Flask) -> None:
    production = app.config["SESSHU"].is_production
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production,
        SESSION_COOKIE_NAME="sesshu_session",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the login session
        WTF_CSRF_SSL_STRICT=production,
        # Without Flask-Babel, this lets forms use WTForms' bundled Japanese messages.
        WTF_I18N_ENABLED=False,
    )
    # Order matters: access is decided before CSRF is checked.
    app.before_request(enforce_access)
    csrf.init_app(app)
    app.after_request(security_headers)

    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError):
        message = "画面の有効期限が切れたか、不正な送信です。画面を開き直してもう一度操作してください。"
        return render_template("error.html", code=400, message=message), 400
