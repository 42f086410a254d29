"""Signatures, 符号 derivation, settings and the simulator command of the 中間サーバ adapter."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from handlers.intermediary import (
    IntermediaryConfigError,
    deliver,
    load_intermediary_config,
    subject_token,
)
from handlers.intermediary import protocol as p
from handlers.intermediary.outbox import prepare_query
from handlers.intermediary.signing import (
    HEADER_SIGNATURE,
    MemoryReplayGuard,
    SignatureError,
    signed_headers,
    verify,
)
from handlers.intermediary.transport import Delivery
from models import IntermediaryRequest, RequestStatus
from models.demo.people import synthetic_my_number
from models.identifiers import IdentifierError
from web import ConfigError, create_app

ROOT = Path(__file__).resolve().parent.parent
KEY = b"k" * 40
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def _check(headers: dict[str, str], body: bytes, at: datetime = NOW, guard=None) -> str:
    return verify(headers, body, {"city": KEY}, at, guard or MemoryReplayGuard())


@pytest.mark.parametrize("skew", [timedelta(minutes=5, seconds=1), -timedelta(minutes=5, seconds=1)])
def test_a_signature_outside_the_five_minute_window_is_stale_either_way(skew):
    body = b'{"x": 1}'
    assert _check(signed_headers("city", KEY, body, "id", NOW), body, NOW + timedelta(minutes=5)) == "city"
    with pytest.raises(SignatureError) as caught:
        _check(signed_headers("city", KEY, body, "id", NOW), body, NOW + skew)
    assert caught.value.code is p.ErrorCode.STALE_TIMESTAMP


def test_missing_or_malformed_signature_headers_are_rejected_before_any_key_lookup():
    body = b"{}"
    headers = signed_headers("city", KEY, body, "id", NOW)
    for broken in ({k: v for k, v in headers.items() if k != HEADER_SIGNATURE},
                   headers | {HEADER_SIGNATURE: "md5=abc"}):
        with pytest.raises(SignatureError) as caught:
            _check(broken, body)
        assert caught.value.code is p.ErrorCode.BAD_SIGNATURE


def test_the_same_transmission_is_accepted_once_but_a_fresh_signature_of_it_is_not_a_replay():
    body, guard = b"{}", MemoryReplayGuard()
    headers = signed_headers("city", KEY, body, "id", NOW)
    _check(headers, body, guard=guard)
    with pytest.raises(SignatureError) as caught:
        _check(headers, body, guard=guard)
    assert caught.value.code is p.ErrorCode.REPLAY
    _check(signed_headers("city", KEY, body, "id", NOW), body, guard=guard)


def test_subject_token_is_stable_per_key_and_never_contains_the_my_number():
    number = synthetic_my_number(42)
    token = subject_token(number, KEY)
    assert token == subject_token(number, KEY)
    assert token != subject_token(number, b"x" * 40)
    assert number not in token and len(token) == 64
    with pytest.raises(IdentifierError):
        subject_token("123456789019", KEY)  # wrong check digit


def test_development_generates_the_shared_keys_once_so_app_and_simulator_agree(tmp_path):
    first = load_intermediary_config({}, tmp_path, municipality_code="172014", production=False)
    again = load_intermediary_config({}, tmp_path, municipality_code="172014", production=False)
    assert first.secret and first.secret == again.secret
    assert first.token_key and first.token_key == again.token_key != first.secret
    assert (tmp_path / "intermediary_key").stat().st_mode & 0o077 == 0
    assert first.retention_days == 30
    assert first.base_url == "http://127.0.0.1:5100"


def test_production_never_invents_shared_keys_and_says_what_is_missing(tmp_path, db):
    config = load_intermediary_config({}, tmp_path, municipality_code="172014", production=True)
    assert not (tmp_path / "intermediary_key").exists()
    with pytest.raises(IntermediaryConfigError, match="SESSHU_INTERMEDIARY_SECRET"):
        config.require_secret()
    with pytest.raises(IntermediaryConfigError, match="SESSHU_INTERMEDIARY_TOKEN_KEY"), db.transaction() as s:
        prepare_query(s, config, my_number=synthetic_my_number(1), provider_code="172103", jimu_code="25")


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"SESSHU_INTERMEDIARY_URL": "ftp://server"}, "SESSHU_INTERMEDIARY_URL"),
        ({"SESSHU_QUERY_RESULT_RETENTION_DAYS": "0"}, "1 から 3650"),
        ({"SESSHU_QUERY_RESULT_RETENTION_DAYS": "三十"}, "SESSHU_QUERY_RESULT_RETENTION_DAYS"),
        ({"SESSHU_INTERMEDIARY_SECRET": "short"}, "32文字以上"),
    ],
)
def test_bad_intermediary_settings_stop_the_app_with_a_japanese_message(tmp_path, environ, message):
    with pytest.raises(ConfigError, match=message):
        create_app({"SESSHU_INSTANCE_PATH": str(tmp_path)} | environ)


def test_production_insists_on_https_beyond_the_loopback(tmp_path):
    def load(url: str):
        return load_intermediary_config(
            {"SESSHU_INTERMEDIARY_URL": url}, tmp_path, municipality_code="172014", production=True
        )

    with pytest.raises(IntermediaryConfigError, match="https://"):
        load("http://chukan.example.lg.jp")
    assert load("https://chukan.example.lg.jp/").base_url == "https://chukan.example.lg.jp"
    assert load("http://127.0.0.1:5100").base_url == "http://127.0.0.1:5100"


def test_retention_period_is_configurable(tmp_path):
    config = load_intermediary_config(
        {"SESSHU_QUERY_RESULT_RETENTION_DAYS": "90"}, tmp_path, municipality_code="172014", production=False
    )
    assert config.retention_days == 90


def test_the_simulator_refuses_to_start_in_production(tmp_path):
    app = create_app(
        {
            "SESSHU_INSTANCE_PATH": str(tmp_path),
            "SESSHU_ENV": "production",
            "SECRET_KEY": "production-key",
            "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "SESSHU_SHC_ISSUER": "https://sesshu.city.example/shc",
        }
    )
    result = app.test_cli_runner().invoke(args=["intermediary", "simulate"])
    assert result.exit_code != 0
    assert "本番環境ではシミュレータを起動できません" in result.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_simulate_command_serves_the_protocol_from_a_separate_process(tmp_path):
    port = _free_port()
    env = os.environ | {"SESSHU_INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/s.db"}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "intermediary", "simulate", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read().decode()
                assert time.monotonic() < deadline, "the simulator did not start"
                time.sleep(0.2)
        # The app's own settings (same instance folder) hold the keys the simulator uses.
        config = load_intermediary_config({}, tmp_path, municipality_code="172014", production=False)
        message = p.Query(
            message_id="a" * 32, sent_at=datetime.now(UTC), requester_code="172014",
            provider_code="172103", jimu_code="99", data_item="vaccination_records",
            subject_token=subject_token(synthetic_my_number(3), config.require_token_key()),
        )
        body = message.model_dump_json().encode()
        headers = signed_headers(config.key_id, config.require_secret(), body, message.message_id, datetime.now(UTC))
        response = httpx.post(f"http://127.0.0.1:{port}/v1/queries", content=body, headers=headers)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "E_NOT_PERMITTED"
    finally:
        process.terminate()
        process.wait(timeout=10)


class _ResultArrivesThenNetworkFails:
    """Stands in for the sender: the result lands while the transmissions fail."""

    def __init__(self, db, request_id: int) -> None:
        self.db, self.request_id = db, request_id

    def post(self, path, body, key, on_attempt=None):
        on_attempt(1)
        with self.db.transaction() as session:
            session.get(IntermediaryRequest, self.request_id).status = RequestStatus.ANSWERED
        return Delivery(attempts=4, error="timeout after 10s")


def test_a_result_that_arrived_during_retries_is_not_undone_by_their_failure(tmp_path, db):
    config = load_intermediary_config({}, tmp_path, municipality_code="172014", production=False)
    with db.transaction() as session:
        request_id = prepare_query(
            session, config, my_number=synthetic_my_number(1), provider_code="172103", jimu_code="25"
        ).id
    done = deliver(db, request_id, _ResultArrivesThenNetworkFails(db, request_id))
    assert done.status == RequestStatus.ANSWERED
    assert done.error_code is None
