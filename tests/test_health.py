from web import create_app


def test_healthz_reports_version_and_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["version"] == client.application.config["SESSHU_VERSION"]
    assert body["database"]["status"] == "ok"


def test_healthz_reports_an_unreachable_database_as_503(tmp_path):
    app = create_app({
        "SESSHU_INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2",
    })
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["database"]["status"] == "unreachable"
    assert "nobody" not in response.get_data(as_text=True)


def test_unknown_page_is_a_japanese_error_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "お探しのページは見つかりません" in response.get_data(as_text=True)


def test_front_page_leads_to_the_japanese_login_page(client):
    response = client.get("/", follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == "/login"
    body = response.get_data(as_text=True)
    assert 'lang="ja"' in body
    assert "ログイン" in body


def test_a_lost_database_gives_a_japanese_503_page_without_touching_the_database(environ, make_staff):
    """The error page of a failed request must not need the database that just failed."""
    from datetime import UTC, datetime

    from sqlalchemy.exc import OperationalError

    from models.staff import Role
    from tests.auth_helpers import log_in
    from web.security import login_only

    app = create_app(environ)  # an app of its own: the extra route stays out of the shared one

    @app.get("/lost-database")
    @login_only
    def lost_database():
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    client = app.test_client()
    log_in(client, make_staff("madoguchi-lost", Role.COUNTER), datetime.now(UTC))
    response = client.get("/lost-database")
    text = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "データベースに一時的に接続できません" in text and 'lang="ja"' in text
    assert "ログアウト" not in text  # no staff menu: it would read the database
    assert "Traceback" not in text and "server closed" not in text
    app.extensions["sesshu_db"].dispose()
