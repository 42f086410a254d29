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
