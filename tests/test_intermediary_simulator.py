"""The 中間サーバ adapter against the simulator as a real HTTP server on 127.0.0.1.

A tiny callback receiver plays Sesshu's web endpoint: it hands each request to
`receive`, exactly as the web endpoint does.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from flask import Flask, Response, request
from sqlalchemy import func, select
from werkzeug.serving import make_server

from handlers.intermediary import (
    AutoResponseBlocked,
    IntermediaryConfig,
    Receipt,
    deliver,
    prepare_answer,
    prepare_flag,
    prepare_query,
    purge_expired_results,
    receive,
    records_to_provide,
    requests_to_resend,
    resident_for_subject,
    send,
    sender_for,
    subject_token,
)
from handlers.intermediary import protocol as p
from handlers.intermediary.signing import signed_headers
from handlers.intermediary.transport import RetryPolicy
from models import (
    IncomingQuery,
    IntermediaryRequest,
    QueryResult,
    RequestStatus,
    Resident,
    VaccinationRecord,
)
from models.db import Database
from models.demo.people import municipality_code, synthetic_my_number
from models.demo.seed import seed_demo
from simulator.server import RunningSimulator
from simulator.settings import SimulatorSettings

SECRET = b"test-shared-key-0123456789abcdef0123456789"
TOKEN_KEY = b"test-token-key-0123456789abcdef0123456789ab"
KEY_ID = "sesshu-test"
CITY = "172014"


@dataclass
class Receiver:
    """Sesshu's callback endpoint in miniature: what the web endpoint will do."""

    db: Database
    config: IntermediaryConfig | None = None
    receipts: list[Receipt] = field(default_factory=list)

    def app(self) -> Flask:
        app = Flask("receiver")

        @app.post("/intermediary/callback")
        def callback() -> Response:
            assert self.config is not None
            with self.db.transaction() as session:
                receipt = receive(session, request.headers, request.get_data(), self.config, datetime.now(UTC))
            self.receipts.append(receipt)
            return Response(receipt.body, status=receipt.http_status, mimetype="application/json")

        return app


@dataclass
class Harness:
    db: Database
    config: IntermediaryConfig
    simulator: RunningSimulator
    receiver: Receiver

    @property
    def sim(self):
        return self.simulator.simulator

    def control(self, path: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        url = self.simulator.url + path
        response = httpx.post(url, json=payload or {}) if payload is not None else httpx.get(url)
        response.raise_for_status()
        return response.json()


def wait_for(condition: Callable[[], Any], seconds: float = 10.0) -> Any:
    """Poll until the asynchronous side has acted; fail loudly if it never does."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    pytest.fail("the simulator did not act in time")


@pytest.fixture
def harness(db: Database) -> Iterator[Harness]:
    receiver = Receiver(db)
    server = make_server("127.0.0.1", 0, receiver.app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    callback_url = f"http://127.0.0.1:{server.server_port}/intermediary/callback"
    settings = SimulatorSettings(
        municipality_code=CITY,
        callback_url=callback_url,
        key_id=KEY_ID,
        secret=SECRET,
        token_key=TOKEN_KEY,
        population=200,
        answer_delay=0.05,
        callback_retry=RetryPolicy(max_attempts=3, timeout=3.0, base_delay=0.01),
    )
    try:
        with RunningSimulator(settings) as simulator:
            receiver.config = IntermediaryConfig(
                municipality_code=CITY,
                base_url=simulator.url,
                key_id=KEY_ID,
                secret=SECRET,
                token_key=TOKEN_KEY,
                callback_url=callback_url,
                retention_days=30,
                retry=RetryPolicy(max_attempts=3, timeout=2.0, base_delay=0.01, max_delay=0.05),
            )
            yield Harness(db, receiver.config, simulator, receiver)
    finally:
        server.shutdown()
        thread.join(timeout=5)


# -- helpers ------------------------------------------------------------------

HAKUSAN = municipality_code("17210")  # 白山市, one of the simulated municipalities
MY_NUMBER = synthetic_my_number(7)
STRANGER = synthetic_my_number(9_999)  # outside the simulated population


def query(h: Harness, my_number: str = MY_NUMBER, **overrides: Any) -> IntermediaryRequest:
    args = {"my_number": my_number, "provider_code": HAKUSAN, "jimu_code": "25"} | overrides
    with sender_for(h.config) as sender:
        return send(h.db, h.config, lambda s: prepare_query(s, h.config, **args), sender=sender)


def reload(h: Harness, request_id: int) -> IntermediaryRequest:
    with h.db.transaction() as session:
        return session.get(IntermediaryRequest, request_id)


def settled(h: Harness, request_id: int) -> IntermediaryRequest | None:
    row = reload(h, request_id)
    return row if row.status not in (RequestStatus.PENDING, RequestStatus.ACCEPTED) else None


def results_of(h: Harness, request_id: int) -> list[QueryResult]:
    with h.db.transaction() as session:
        return list(session.scalars(select(QueryResult).where(QueryResult.request_id == request_id)))


# -- 情報照会 ------------------------------------------------------------------


def test_query_round_trip_brings_the_history_back_without_the_my_number_on_the_wire(harness):
    sent = query(harness)
    assert sent.status == RequestStatus.ACCEPTED
    assert sent.query_ref and sent.attempts == 1
    assert MY_NUMBER not in sent.payload
    assert subject_token(MY_NUMBER, harness.config.token_key) == sent.subject_token

    done = wait_for(lambda: settled(harness, sent.id))
    assert done.status == RequestStatus.ANSWERED
    [stored] = results_of(harness, sent.id)
    result = p.QueryResult.model_validate_json(stored.raw)
    expected = harness.sim.population.records(sent.subject_token, HAKUSAN)
    assert expected, "the synthetic person should have doses on file"
    assert result.records == expected
    assert all(r.municipality_code == HAKUSAN for r in result.records)
    assert stored.delete_after - stored.received_at == timedelta(days=30)
    assert len(harness.control("/control/state")["queries"]) == 1


def test_a_person_the_provider_does_not_know_comes_back_as_not_found(harness):
    sent = query(harness, my_number=STRANGER)
    done = wait_for(lambda: settled(harness, sent.id))
    assert done.status == RequestStatus.NOT_FOUND
    [stored] = results_of(harness, sent.id)
    assert p.QueryResult.model_validate_json(stored.raw).reason.code is p.ErrorCode.SUBJECT_NOT_FOUND


def test_a_query_outside_the_matching_list_is_refused_with_its_reason_and_never_answered(harness):
    sent = query(harness, data_item="local_tax")
    assert sent.status == RequestStatus.REFUSED
    assert sent.error_code == p.ErrorCode.NOT_PERMITTED
    assert sent.error_message == "照会許可用照合リストにない照会です。"
    time.sleep(0.3)  # several answer delays: a result, if any were scheduled, would have come
    assert harness.control("/control/state")["callbacks"] == []
    assert results_of(harness, sent.id) == []


def test_a_manual_response_at_the_provider_is_reported_then_the_answer_follows(harness):
    harness.control("/control/faults", {"manual_next": 1})
    sent = query(harness)
    wait_for(lambda: reload(harness, sent.id).status == RequestStatus.MANUAL_PENDING)
    done = wait_for(lambda: settled(harness, sent.id) if reload(harness, sent.id).status != RequestStatus.MANUAL_PENDING else None)
    assert done.status == RequestStatus.ANSWERED
    assert [r.status for r in results_of(harness, sent.id)] == ["manual_pending", "answered"]


# -- retries and idempotency ----------------------------------------------------


def test_a_timed_out_query_is_retried_with_the_same_key_and_processed_once(harness):
    harness.control("/control/faults", {"timeout_next": 1, "timeout_seconds": 3.0})
    sent = query(harness)
    assert sent.status in (RequestStatus.ACCEPTED, RequestStatus.ANSWERED)
    assert sent.attempts == 2
    wait_for(lambda: settled(harness, sent.id))
    state = harness.control("/control/state")
    assert len(state["requests"]) == 2  # the simulator saw both transmissions
    assert len(state["queries"]) == 1  # and processed one
    assert len(state["callbacks"]) == 1
    assert len(results_of(harness, sent.id)) == 1


def test_failures_are_retried_with_backoff_and_a_failed_request_can_be_sent_again(harness):
    harness.control("/control/faults", {"fail_next": 3})
    sent = query(harness)
    assert sent.status == RequestStatus.FAILED
    assert sent.attempts == 3
    assert sent.error_code == p.ErrorCode.UNAVAILABLE

    with harness.db.transaction() as session:
        assert requests_to_resend(session, datetime.now(UTC)) == [sent.id]
        assert requests_to_resend(session, sent.last_attempt_at) == []  # just tried: not yet
    with sender_for(harness.config) as sender:
        again = deliver(harness.db, sent.id, sender)
    assert again.status == RequestStatus.ACCEPTED
    assert again.attempts == 4
    assert wait_for(lambda: settled(harness, sent.id)).status == RequestStatus.ANSWERED
    assert len(harness.control("/control/state")["queries"]) == 1


def test_a_reply_delivered_twice_is_stored_once(harness):
    harness.control("/control/faults", {"answer_twice": True})
    sent = query(harness)
    wait_for(lambda: len(harness.control("/control/state")["callbacks"]) == 2)
    callbacks = harness.control("/control/state")["callbacks"]
    assert callbacks[0]["message_id"] == callbacks[1]["message_id"]
    assert [c["status_code"] for c in callbacks] == [200, 200]
    assert [r.duplicate for r in harness.receiver.receipts] == [False, True]
    assert len(results_of(harness, sent.id)) == 1
    assert reload(harness, sent.id).status == RequestStatus.ANSWERED


# -- signatures -----------------------------------------------------------------


def _result_for(h: Harness, sent: IntermediaryRequest) -> bytes:
    return p.QueryResult(
        message_id=p_id(),
        sent_at=datetime.now(UTC),
        query_message_id=sent.idempotency_key,
        query_ref="Q99999999",
        provider_code=HAKUSAN,
        status=p.ResultStatus.ANSWERED,
    ).model_dump_json().encode()


def p_id() -> str:
    return uuid.uuid4().hex


def test_tampered_forged_stale_and_replayed_callbacks_are_rejected_and_store_nothing(harness):
    with harness.db.transaction() as session:
        sent = prepare_query(session, harness.config, my_number=MY_NUMBER, provider_code=HAKUSAN, jimu_code="25")
    url = harness.config.callback_url
    body = _result_for(harness, sent)
    message_id = p.QueryResult.model_validate_json(body).message_id
    now = datetime.now(UTC)

    def post(content: bytes, headers: dict[str, str]) -> httpx.Response:
        return httpx.post(url, content=content, headers=headers)

    tampered = body.replace(b'"answered"', b'"withheld"')
    good = signed_headers(KEY_ID, SECRET, body, message_id, now)
    cases = {
        "E_BAD_SIGNATURE": (tampered, good),
        "E_UNKNOWN_KEY": (body, signed_headers("someone-else", SECRET, body, message_id, now)),
        "E_STALE_TIMESTAMP": (body, signed_headers(KEY_ID, SECRET, body, message_id, now - timedelta(minutes=6))),
    }
    wrong_key = signed_headers(KEY_ID, b"not-the-shared-key-0123456789abcdef", body, message_id, now)
    for code, (content, headers) in [*cases.items(), ("E_BAD_SIGNATURE", (body, wrong_key))]:
        response = post(content, headers)
        assert response.status_code == 401, code
        assert response.json()["error"]["code"] == code
    assert results_of(harness, sent.id) == []

    assert post(body, good).status_code == 200
    replayed = post(body, good)
    assert replayed.status_code == 409
    assert replayed.json()["error"]["code"] == "E_REPLAY"
    resent = post(body, signed_headers(KEY_ID, SECRET, body, message_id, now))
    assert (resent.status_code, resent.json()["status"]) == (200, "received")  # a retry, not a replay
    altered = signed_headers(KEY_ID, SECRET, tampered, message_id, now)
    assert post(tampered, altered).json()["error"]["code"] == "E_IDEMPOTENCY_MISMATCH"
    assert len(results_of(harness, sent.id)) == 1


def test_the_simulator_rejects_a_replayed_or_tampered_query(harness):
    with harness.db.transaction() as session:
        sent = prepare_query(session, harness.config, my_number=MY_NUMBER, provider_code=HAKUSAN, jimu_code="25")
    body = sent.payload.encode()
    headers = signed_headers(KEY_ID, SECRET, body, sent.idempotency_key, datetime.now(UTC))
    url = harness.simulator.url + "/v1/queries"
    assert httpx.post(url, content=body, headers=headers).status_code == 202
    replay = httpx.post(url, content=body, headers=headers)
    assert (replay.status_code, replay.json()["error"]["code"]) == (409, "E_REPLAY")
    other = body.replace(b'"25"', b'"27"')
    forged = httpx.post(url, content=other, headers=signed_headers(KEY_ID, SECRET, body, sent.idempotency_key, datetime.now(UTC)))
    assert (forged.status_code, forged.json()["error"]["code"]) == (401, "E_BAD_SIGNATURE")
    reused = httpx.post(url, content=other, headers=signed_headers(KEY_ID, SECRET, other, sent.idempotency_key, datetime.now(UTC)))
    assert (reused.status_code, reused.json()["error"]["code"]) == (422, "E_IDEMPOTENCY_MISMATCH")
    assert len(harness.control("/control/state")["queries"]) == 1


# -- 自動応答不可フラグ and incoming queries ------------------------------------------


def flag(h: Harness, action: p.FlagAction) -> IntermediaryRequest:
    with sender_for(h.config) as sender:
        return send(
            h.db, h.config, lambda s: prepare_flag(s, h.config, my_number=MY_NUMBER, action=action), sender=sender
        )


def incoming(h: Harness) -> IncomingQuery:
    outcome = h.control("/control/incoming", {"my_number": MY_NUMBER, "requester_code": HAKUSAN})
    assert outcome["status_code"] == 202
    with h.db.transaction() as session:
        return session.scalars(select(IncomingQuery).where(IncomingQuery.query_ref == outcome["query_ref"])).one()


def answer(h: Harness, asked: IncomingQuery, decision: p.Decision) -> IntermediaryRequest:
    with sender_for(h.config) as sender:
        return send(
            h.db,
            h.config,
            lambda s: prepare_answer(s, h.config, asked, outcome=p.AnswerOutcome.PROVIDED, decision=decision),
            sender=sender,
        )


def test_flag_set_is_acknowledged_and_blocks_automatic_answers_until_removed(harness):
    token = subject_token(MY_NUMBER, harness.config.token_key)
    setting = flag(harness, p.FlagAction.SET)
    assert setting.status == RequestStatus.ACKNOWLEDGED
    assert setting.ack_id
    assert harness.control("/control/state")["flags"][token]["state"] == "set"

    asked = incoming(harness)
    assert asked.auto_response_blocked
    with pytest.raises(AutoResponseBlocked), harness.db.transaction() as session:
        prepare_answer(session, harness.config, asked, outcome=p.AnswerOutcome.PROVIDED, decision=p.Decision.AUTOMATIC)
    assert harness.control("/control/state")["answers"] == []
    manual = answer(harness, asked, p.Decision.MANUAL)
    assert manual.status == RequestStatus.ACKNOWLEDGED
    assert [a["decision"] for a in harness.control("/control/state")["answers"]] == ["manual"]

    removal = flag(harness, p.FlagAction.REMOVE)
    assert removal.status == RequestStatus.ACKNOWLEDGED
    assert harness.control("/control/state")["flags"][token]["state"] == "removed"
    later = incoming(harness)
    assert not later.auto_response_blocked
    assert answer(harness, later, p.Decision.AUTOMATIC).status == RequestStatus.ACKNOWLEDGED
    with harness.db.transaction() as session:
        assert session.get(IncomingQuery, later.id).status == "answered"


def test_an_incoming_query_delivered_twice_is_stored_once(harness):
    asked = incoming(harness)
    message = harness.sim.incoming[asked.query_ref]
    harness.sim.post_to_sesshu(p.IncomingQuery.model_validate(message))
    assert [r.is_new_incoming_query for r in harness.receiver.receipts] == [True, False]
    with harness.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(IncomingQuery)) == 1


def test_an_unflagged_persons_query_is_answered_from_their_own_record(harness):
    with harness.db.transaction() as session:
        seed_demo(session, residents=12, seed=3)
        resident = session.scalars(
            select(Resident)
            .join(VaccinationRecord, VaccinationRecord.resident_id == Resident.id)
            .where(VaccinationRecord.municipality_code == CITY)
            .order_by(Resident.id)
            .limit(1)
        ).one()
    outcome = harness.control("/control/incoming", {"my_number": resident.my_number, "requester_code": HAKUSAN})
    with harness.db.transaction() as session:
        asked = session.scalars(select(IncomingQuery).where(IncomingQuery.query_ref == outcome["query_ref"])).one()
        found = resident_for_subject(session, asked.subject_token, TOKEN_KEY, datetime.now(UTC))
        assert found is not None and found.id == resident.id
        records = records_to_provide(session, found.id, CITY)
        request_id = prepare_answer(
            session, harness.config, asked, outcome=p.AnswerOutcome.PROVIDED,
            decision=p.Decision.AUTOMATIC, records=records,
        ).id
    assert records
    with sender_for(harness.config) as sender:
        assert deliver(harness.db, request_id, sender).status == RequestStatus.ACKNOWLEDGED
    [received] = harness.control("/control/state")["answers"]
    assert received["decision"] == "automatic"
    assert [r["lot_no"] for r in received["records"]] == [r.lot_no for r in records]


def test_a_new_my_number_gets_a_new_token_and_the_old_one_finds_nobody(harness):
    with harness.db.transaction() as session:
        seed_demo(session, residents=3, seed=3)
        resident = session.scalars(select(Resident).order_by(Resident.id).limit(1)).one()
        old = subject_token(resident.my_number, TOKEN_KEY)
        assert resident_for_subject(session, old, TOKEN_KEY, datetime.now(UTC)).id == resident.id
    with harness.db.transaction() as session:
        session.get(Resident, resident.id).my_number = synthetic_my_number(150)
    with harness.db.transaction() as session:
        now = datetime.now(UTC) + timedelta(seconds=1)
        assert resident_for_subject(session, old, TOKEN_KEY, now) is None
        new = subject_token(synthetic_my_number(150), TOKEN_KEY)
        assert resident_for_subject(session, new, TOKEN_KEY, now).id == resident.id


def test_the_simulator_refuses_control_values_of_the_wrong_kind(harness):
    for bad in ({"fail_next": -1}, {"answer_twice": "yes"}, {"explode": True}, {"answer_delay": "soon"}):
        response = httpx.post(harness.simulator.url + "/control/faults", json=bad)
        assert response.status_code == 400, bad
    assert harness.control("/control/faults", {"fail_next": 2, "answer_delay": 1})["answer_delay"] == 1.0
    assert harness.control("/control/state")["faults"]["fail_next"] == 2


# -- retention ------------------------------------------------------------------


def test_raw_results_are_deleted_once_the_retention_period_is_over(harness):
    sent = query(harness)
    wait_for(lambda: settled(harness, sent.id))
    [stored] = results_of(harness, sent.id)
    received = stored.received_at

    with harness.db.transaction() as session:
        assert purge_expired_results(session, received + timedelta(days=29, hours=23)) == []
    assert len(results_of(harness, sent.id)) == 1

    with harness.db.transaction() as session:
        purged = purge_expired_results(session, received + timedelta(days=30))
    assert [(x.query_result_id, x.request_id, x.provider_code) for x in purged] == [(stored.id, sent.id, HAKUSAN)]
    assert results_of(harness, sent.id) == []
    assert reload(harness, sent.id).status == RequestStatus.ANSWERED  # the request itself stays
