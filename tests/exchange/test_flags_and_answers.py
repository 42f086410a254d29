"""自動応答不可フラグ (two people, acknowledged, reminded) and answering other
municipalities' queries (automatic, or only after a person decides)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from handlers.exchange.flags import is_blocked
from handlers.intermediary import protocol as p
from handlers.intermediary import subject_token
from handlers.intermediary.signing import signed_headers
from models import (
    AutoResponseFlag,
    AutoResponseFlagEvent,
    IncomingQuery,
    ProcessInstance,
    ProvisionRecord,
    TaskEvent,
    VaccinationRecord,
)
from models.case import Case, Procedure
from models.staff import Role
from tests.exchange.conftest import CITY, HAKUSAN, KEY_ID, SECRET, wait_for
from web.exchange import jobs
from workflows.errors import SeparationOfDutiesViolation

REQUEST = {"reason_category": "dv", "support_reference": "支援第2026-0031号", "valid_from": "2026-11-01",
           "evidence_checked": True}
CONFIRM = {"verdict": "confirm", "evidence_checked": True, "confirm_note": "決定通知と照合"}


def now() -> datetime:
    return datetime.now(UTC)


def start_flag(exchange, person, actor, action: str = "set") -> int:
    with exchange.db.transaction() as session:
        return jobs.start_flag_case(session, person.id, action, actor, now).case_id


def blocked(exchange, person) -> bool:
    with exchange.db.transaction() as session:
        return is_blocked(session, person.id)


def readable(state_json: str) -> str:
    """The serialized workflow state with its Japanese text unescaped."""
    return json.dumps(json.loads(state_json), ensure_ascii=False)


def token(exchange, person) -> str:
    return subject_token(person.my_number, exchange.config.token_key)


def set_flag(exchange, person, requester, confirmer) -> int:
    case_id = start_flag(exchange, person, requester)
    exchange.complete(case_id, "request_flag", requester, REQUEST)
    exchange.complete(case_id, "confirm_flag", confirmer, CONFIRM)
    exchange.work()
    return case_id


def test_a_flag_is_sent_only_after_a_second_person_confirmed_and_its_acknowledgement_is_kept(
    exchange, people, actors
):
    person = people(20)
    case_id = start_flag(exchange, person, actors["flag1"])
    exchange.complete(case_id, "request_flag", actors["flag1"], REQUEST)
    exchange.work()
    assert exchange.state()["flags"] == {} and not blocked(exchange, person)

    exchange.complete(case_id, "confirm_flag", actors["flag2"], CONFIRM)
    assert blocked(exchange, person)  # no automatic answer from this moment on
    assert exchange.state()["flags"] == {}  # sent after commit, by the worker
    exchange.work()
    assert exchange.state()["flags"][token(exchange, person)]["state"] == "set"
    with exchange.db.transaction() as session:
        flag = session.scalars(select(AutoResponseFlag)).one()
        assert (flag.server_state, flag.valid_to, flag.reason_category) == ("set", date(2027, 10, 31), "dv")
        assert flag.ack_id
        events = session.scalars(select(AutoResponseFlagEvent).order_by(AutoResponseFlagEvent.id)).all()
        assert [e.action for e in events] == ["request_set", "confirmed", "acknowledged"]
        assert [e.actor_id for e in events[:2]] == [actors["flag1"].staff_id, actors["flag2"].staff_id]
        instance = session.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case_id)).one()
        # 1 month before the 支援措置 ends, 09:00 in Japan.
        assert instance.next_timer_at == datetime(2027, 10, 1, 0, 0, tzinfo=UTC)


def test_the_flag_is_refused_when_requester_and_confirmer_are_the_same_person(exchange, people, actors):
    person = people(21)
    case_id = start_flag(exchange, person, actors["flag1"])
    exchange.complete(case_id, "request_flag", actors["flag1"], REQUEST)
    with pytest.raises(SeparationOfDutiesViolation):
        exchange.complete(case_id, "confirm_flag", actors["flag1"], CONFIRM)
    exchange.work()
    assert exchange.state()["flags"] == {}
    assert not blocked(exchange, person)
    with exchange.db.transaction() as session:
        refusals = session.scalars(select(TaskEvent).where(TaskEvent.action == "refused")).all()
        assert refusals and all(r.actor_id == actors["flag1"].staff_id for r in refusals)
    assert exchange.ready(case_id, "confirm_flag")



def test_the_reason_reference_and_notes_of_a_flag_stay_out_of_the_workflow_state(exchange, people, actors):
    person = people(24)
    case_id = start_flag(exchange, person, actors["flag1"])
    exchange.complete(case_id, "request_flag", actors["flag1"], {**REQUEST, "note": "配偶者からの暴力の申出"})
    exchange.complete(case_id, "confirm_flag", actors["flag2"], CONFIRM)
    exchange.work()
    exchange.work(datetime(2027, 10, 1, 0, 1, tzinfo=UTC))
    exchange.complete(case_id, "review_expiry", actors["flag2"],
                      {"action": "extend", "new_valid_to": "2028-10-31", "new_reference": "支援第2027-0107号",
                       "review_note": "市民課に延長を確認"})
    exchange.complete(case_id, "confirm_review", actors["flag1"], CONFIRM)
    secrets = ['"dv"', "支援第2026-0031号", "支援第2027-0107号", "配偶者からの暴力の申出", "市民課に延長を確認",
               "決定通知と照合"]
    with exchange.db.transaction() as session:
        state = readable(session.scalars(select(ProcessInstance.state_json)
                                         .where(ProcessInstance.case_id == case_id)).one())
        assert [s for s in secrets if s in state] == []
        task_data = str(session.scalars(select(TaskEvent.data).where(TaskEvent.case_id == case_id)).all())
        assert [s for s in secrets if s.strip('"') in task_data] == []
        # ... while the flag's history keeps all of it.
        events = session.scalars(select(AutoResponseFlagEvent).order_by(AutoResponseFlagEvent.id)).all()
        kept = " ".join(f"{e.reason_category} {e.support_reference} {e.note}" for e in events)
        assert all(s.strip('"') in kept for s in secrets)


def test_a_month_before_expiry_staff_must_decide_and_an_extension_is_confirmed_by_another(
    exchange, people, actors
):
    person = people(22)
    case_id = set_flag(exchange, person, actors["flag1"], actors["flag2"])
    exchange.work(datetime(2027, 9, 30, 23, 59, tzinfo=UTC))
    assert exchange.ready(case_id, "review_expiry") is None
    exchange.work(datetime(2027, 10, 1, 0, 1, tzinfo=UTC))
    assert exchange.ready(case_id, "review_expiry")

    # An end date that extends nothing goes back to the person deciding, with the reason kept.
    exchange.complete(case_id, "review_expiry", actors["flag2"],
                      {"action": "extend", "new_valid_to": "2027-10-31", "review_note": "市民課に延長を確認"})
    assert exchange.ready(case_id, "confirm_review") is None
    with exchange.db.transaction() as session:
        last = session.scalars(select(AutoResponseFlagEvent).order_by(AutoResponseFlagEvent.id.desc())).first()
        assert last.action == "rejected" and "2027-10-31" in last.note
    exchange.complete(case_id, "review_expiry", actors["flag2"],
                      {"action": "extend", "new_valid_to": "2028-10-31", "review_note": "市民課に延長を確認"})
    with pytest.raises(SeparationOfDutiesViolation):
        exchange.complete(case_id, "confirm_review", actors["flag2"], CONFIRM)
    exchange.complete(case_id, "confirm_review", actors["flag1"], CONFIRM)
    with exchange.db.transaction() as session:
        flag = session.scalars(select(AutoResponseFlag)).one()
        assert flag.valid_to == date(2028, 10, 31) and flag.blocking
        instance = session.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case_id)).one()
        assert instance.next_timer_at == datetime(2028, 10, 1, 0, 0, tzinfo=UTC)


def test_removal_needs_two_people_and_blocks_until_the_server_acknowledges_it(exchange, people, actors):
    person = people(23)
    set_flag(exchange, person, actors["flag1"], actors["flag2"])
    case_id = start_flag(exchange, person, actors["flag2"], "remove")
    exchange.complete(case_id, "request_removal", actors["flag2"],
                      {"removal_reason": "支援措置の終了（本人の申出）", "evidence_checked": True})
    with pytest.raises(SeparationOfDutiesViolation):
        exchange.complete(case_id, "confirm_flag", actors["flag2"], CONFIRM)
    exchange.complete(case_id, "confirm_flag", actors["flag1"], CONFIRM)
    assert blocked(exchange, person)
    exchange.work()
    assert not blocked(exchange, person)
    assert exchange.state()["flags"][token(exchange, person)]["state"] == "removed"
    with exchange.db.transaction() as session:
        assert session.get(Case, case_id).status == "closed"


def incoming(exchange, person) -> dict:
    return exchange.control("/control/incoming", {"my_number": person.my_number, "requester_code": HAKUSAN})


def test_a_flagged_persons_query_waits_for_a_person_while_an_unflagged_one_is_answered_at_once(
    exchange, people, actors, staff_client
):
    flagged, plain = people(24), people(25)
    with exchange.db.transaction() as session:
        for person, lot_no in ((plain, "AB1234"), (flagged, "CD5678")):
            session.add(VaccinationRecord(
                resident_id=person.id, dose_number=1, vaccinated_on=date(2025, 10, 20),
                product="コミナティ筋注シリンジ12歳以上用", manufacturer="ファイザー", lot_no=lot_no,
                clinic="金沢市架空クリニック", category="routine_b", municipality_code=CITY,
            ))
    set_flag(exchange, flagged, actors["flag1"], actors["flag2"])

    sent = incoming(exchange, flagged)
    assert sent["status_code"] == 202
    with exchange.db.transaction() as session:
        query = session.scalars(select(IncomingQuery)).one()
        assert query.auto_response_blocked
        flagged_case = query.case_id
    assert exchange.ready(flagged_case, "manual_review")
    exchange.work()
    assert exchange.state()["answers"] == []  # nothing leaves before a person decides

    assert incoming(exchange, plain)["status_code"] == 202
    [answer] = wait_for(lambda: exchange.state()["answers"])
    assert (answer["outcome"], answer["decision"]) == ("provided", "automatic")
    assert [r["dose_number"] for r in answer["records"]] == [1]
    assert exchange.state()["answers"] == [answer]

    # The person deciding sees, beside the form, who asks and what an answer would send.
    officer, _ = staff_client(Role.FLAG_OFFICER)
    summary = officer.get(f"/tasks/{exchange.ready(flagged_case, 'manual_review')}").get_data(as_text=True)
    assert HAKUSAN in summary and "1回目 2025-10-20" in summary and "CD5678" in summary
    exchange.complete(flagged_case, "manual_review", actors["flag1"],
                      {"content_checked": True, "choice": "withhold", "withhold_reason": "支援措置中のため提供しない"})
    assert len(exchange.state()["answers"]) == 1
    exchange.work()
    manual = exchange.state()["answers"][1]
    assert (manual["outcome"], manual["decision"]) == ("withheld", "manual")
    assert manual["records"] == []

    with exchange.db.transaction() as session:
        records = session.scalars(select(ProvisionRecord).order_by(ProvisionRecord.id)).all()
        assert [(r.resident_id, r.decision, r.outcome, r.decided_by_id) for r in records] == [
            (plain.id, "automatic", "provided", None),
            (flagged.id, "manual", "withheld", actors["flag1"].staff_id),
        ]
        assert all(r.acknowledged_at and r.requester_code == HAKUSAN for r in records)
        assert records[0].provided == [{"dose_number": 1, "vaccinated_on": "2025-10-20",
                                        "product": "コミナティ筋注シリンジ12歳以上用"}]
        statuses = dict(session.execute(select(IncomingQuery.case_id, IncomingQuery.status)).all())
        assert statuses[flagged_case] == "withheld"
        assert records[1].reason == "支援措置中のため提供しない"
        state = readable(session.scalars(select(ProcessInstance.state_json)
                                         .where(ProcessInstance.case_id == flagged_case)).one())
        assert "支援措置中のため提供しない" not in state


def _incoming_message(person_token: str) -> bytes:
    return p.IncomingQuery(
        message_id=uuid.uuid4().hex, sent_at=now(), query_ref=f"IQ{uuid.uuid4().hex[:10]}",
        requester_code=HAKUSAN, provider_code=CITY, jimu_code="25", data_item="vaccination_records",
        subject_token=person_token, auto_response_blocked=False,
    ).model_dump_json().encode()


def test_the_callback_refuses_tampered_stale_replayed_and_oversized_messages(exchange, people):
    person = people(26)
    body = _incoming_message(token(exchange, person))
    message_id = p.IncomingQuery.model_validate_json(body).message_id
    good = signed_headers(KEY_ID, SECRET, body, message_id, now())
    url = exchange.callback_url

    tampered = body.replace(b'"25"', b'"26"')
    assert httpx.post(url, content=tampered, headers=good).json()["error"]["code"] == "E_BAD_SIGNATURE"
    stale = signed_headers(KEY_ID, SECRET, body, message_id, now() - timedelta(minutes=6))
    response = httpx.post(url, content=body, headers=stale)
    assert (response.status_code, response.json()["error"]["code"]) == (401, "E_STALE_TIMESTAMP")
    wrong = signed_headers(KEY_ID, b"another-key-0123456789abcdef0123456789", body, message_id, now())
    assert httpx.post(url, content=body, headers=wrong).status_code == 401
    assert httpx.post(url, content=b"x" * (1024 * 1024 + 1), headers=good).status_code == 413

    def cases() -> int:
        with exchange.db.transaction() as session:
            return session.scalar(select(func.count()).select_from(Case).where(
                Case.procedure == Procedure.INCOMING_QUERY))

    assert cases() == 0
    assert httpx.post(url, content=body, headers=good).status_code == 202
    replayed = httpx.post(url, content=body, headers=good)
    assert (replayed.status_code, replayed.json()["error"]["code"]) == (409, "E_REPLAY")
    again = httpx.post(url, content=body, headers=signed_headers(KEY_ID, SECRET, body, message_id, now()))
    assert (again.status_code, again.json()["status"]) == (200, "received")  # a retry: nothing new
    assert cases() == 1
