"""/healthz/ready tells a load balancer whether this web process should get traffic."""

from datetime import timedelta

from alembic import command

from models.base import utcnow
from models.worker_heartbeat import beat
from tests.conftest import fresh_database_url, upgrade_to_head
from web import create_app
from web.cli.db import alembic_config
from web.cli.workflows import _heartbeat_job
from workflows import timers


def test_ready_when_migrated_and_a_worker_beat_recently(client, db):
    with db.transaction() as session:
        beat(session, "host-a:100", utcnow() - timedelta(seconds=10))
    response = client.get("/healthz/ready")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ready"


def test_not_ready_without_any_worker(client):
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not_ready"
    assert [p["check"] for p in body["problems"]] == ["worker"]


def test_not_ready_when_the_last_heartbeat_is_stale(client, db):
    with db.transaction() as session:
        beat(session, "host-a:100", utcnow() - timedelta(minutes=10))
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert [p["check"] for p in response.get_json()["problems"]] == ["worker"]


def test_the_worker_job_stamps_a_heartbeat_that_makes_the_app_ready(client, db):
    _heartbeat_job("host-b:7")(db, utcnow)
    assert client.get("/healthz/ready").status_code == 200
    # The up check does not depend on the worker at all.
    assert client.get("/healthz").status_code == 200


def test_a_cron_tick_stamps_the_heartbeat_too(client, cli, monkeypatch):
    monkeypatch.setattr(timers, "JOBS", dict(timers.JOBS))  # the command registers its job here
    assert client.get("/healthz/ready").status_code == 503
    assert cli.invoke(args=["workflows", "tick"]).exit_code == 0
    assert client.get("/healthz/ready").status_code == 200


def test_not_ready_when_the_schema_is_behind(tmp_path):
    url = fresh_database_url(tmp_path, "ready_behind")
    app = create_app({"SESSHU_INSTANCE_PATH": str(tmp_path), "DATABASE_URL": url, "SECRET_KEY": "x"})
    database = app.extensions["sesshu_db"]
    try:
        with database.engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0012")
        response = app.test_client().get("/healthz/ready")
        assert response.status_code == 503
        assert [p["check"] for p in response.get_json()["problems"]] == ["migrations"]
        assert app.test_client().get("/healthz").status_code == 200
        upgrade_to_head(database)
        with database.transaction() as session:
            beat(session, "host-c:1", utcnow())
        assert app.test_client().get("/healthz/ready").status_code == 200
    finally:
        database.dispose()


def test_not_ready_when_the_database_is_unreachable(tmp_path):
    app = create_app({
        "SESSHU_INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2",
    })
    response = app.test_client().get("/healthz/ready")
    assert response.status_code == 503
    assert [p["check"] for p in response.get_json()["problems"]] == ["database"]
    assert "nobody" not in response.get_data(as_text=True)
