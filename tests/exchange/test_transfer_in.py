"""転入者の接種履歴照会 end to end against the simulator over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from models import (
    AccessLog,
    IntermediaryRequest,
    NoticeLetter,
    QueryResult,
    RequestStatus,
    TaskEvent,
    VaccinationRecord,
)
from models.case import Case
from simulator.permissions import Permission
from tests.exchange.conftest import HAKUSAN, running, wait_for
from web.exchange import jobs

VERIFIED = {"identity_method": "juki_net", "my_number_confirmed": True, "proceed": "proceed"}


def start(exchange, person, actor) -> int:
    with exchange.db.transaction() as session:
        state = jobs.start_transfer_in(session, person.id, person.previous_municipality_code, actor,
                                       lambda: datetime.now(UTC))
    return state.case_id


def count(exchange, model, *where) -> int:
    with exchange.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_transfer_in_query_brings_the_history_into_the_register_with_a_notice(exchange, people, actors):
    person = people(7)
    case_id = start(exchange, person, actors["madoguchi"])
    exchange.complete(case_id, "verify_identity", actors["madoguchi"], VERIFIED)
    assert exchange.state()["queries"] == []  # prepared in the step, sent only after commit

    report = exchange.work()
    assert report.jobs["exchange"] == 1
    [query] = exchange.state()["queries"]
    assert query["provider_code"] == HAKUSAN and query["status"] == "accepted"
    wait_for(lambda: exchange.ready(case_id, "review_history"))

    expected = exchange.simulator.simulator.population.records(_token(exchange, person), HAKUSAN)
    assert expected
    exchange.complete(case_id, "review_history", actors["madoguchi"], {"accept": "all"})

    with exchange.db.transaction() as session:
        doses = session.scalars(select(VaccinationRecord).where(VaccinationRecord.resident_id == person.id)).all()
        assert sorted((d.dose_number, d.vaccinated_on) for d in doses) == sorted(
            (e.dose_number, e.vaccinated_on) for e in expected)
        assert {d.municipality_code for d in doses} == {HAKUSAN}
        notice = session.scalars(select(NoticeLetter).where(NoticeLetter.case_id == case_id)).one()
        assert notice.pdf.startswith(b"%PDF") and "定期接種" in notice.summary
        assert session.get(Case, case_id).status == "closed"
        reasons = session.scalars(select(AccessLog.detail).where(AccessLog.atena_no == person.atena_no)).all()
        assert any("情報照会" in r for r in reasons) and any("接種記録" in r for r in reasons)


def _token(exchange, person) -> str:
    from handlers.intermediary import subject_token

    return subject_token(person.my_number, exchange.config.token_key)


def test_a_younger_transfer_in_gets_no_notice_and_only_the_chosen_doses(exchange, people, actors, staff_client):
    from datetime import date

    from models.staff import Role

    person = people(8, born=date(1990, 1, 1))
    case_id = start(exchange, person, actors["madoguchi"])
    exchange.complete(case_id, "verify_identity", actors["madoguchi"], VERIFIED)
    exchange.work()
    wait_for(lambda: exchange.ready(case_id, "review_history"))
    clerk, _ = staff_client(Role.COUNTER)
    page = clerk.get(f"/exchange/cases/{case_id}").get_data(as_text=True)
    returned = exchange.simulator.simulator.population.records(_token(exchange, person), HAKUSAN)
    assert all(dose.lot_no in page for dose in returned) and "自動削除" in page
    task_screen = clerk.get(f"/tasks/{exchange.ready(case_id, 'review_history')}").get_data(as_text=True)
    assert all(dose.lot_no in task_screen for dose in returned) and "照会結果の自動削除" in task_screen
    exchange.complete(case_id, "review_history", actors["madoguchi"], {"accept": "some", "dose_numbers": "1,9"})
    assert exchange.ready(case_id, "review_history")  # dose 9 never came back: choose again
    assert count(exchange, VaccinationRecord) == 0
    with exchange.db.transaction() as session:
        note = session.scalars(select(TaskEvent.note).where(TaskEvent.action == "note")).one()
        assert "9" in note
    exchange.complete(case_id, "review_history", actors["madoguchi"], {"accept": "some", "dose_numbers": "1"})
    with exchange.db.transaction() as session:
        doses = session.scalars(select(VaccinationRecord).where(VaccinationRecord.resident_id == person.id)).all()
        assert [d.dose_number for d in doses] == [1]
        assert session.scalars(select(NoticeLetter)).all() == []


def test_a_query_the_matching_list_refuses_goes_to_staff_with_the_reason(app, people, actors):
    only_26 = (Permission("26", "vaccination_records", "第26項のみ（試験）"),)
    with running(app, permissions=only_26) as exchange:
        person = people(9)
        case_id = start(exchange, person, actors["madoguchi"])
        exchange.complete(case_id, "verify_identity", actors["madoguchi"], VERIFIED)
        exchange.work()
        assert exchange.ready(case_id, "query_problem")
        with exchange.db.transaction() as session:
            [request] = session.scalars(select(IntermediaryRequest)).all()
            assert request.status == RequestStatus.REFUSED and request.error_code == "E_NOT_PERMITTED"
            event = session.scalars(select(TaskEvent).where(TaskEvent.case_id == case_id,
                                                            TaskEvent.action == "message")).one()
            assert event.data["error_code"] == "E_NOT_PERMITTED"
        assert exchange.state()["callbacks"] == []
        exchange.complete(case_id, "query_problem", actors["madoguchi"],
                          {"next_step": "close", "note": "本人に接種済証の提出を依頼"})
        with exchange.db.transaction() as session:
            assert session.get(Case, case_id).status == "closed"


def test_a_timed_out_transmission_is_retried_once_and_a_missing_reply_goes_to_staff_then_retried(
    exchange, people, actors
):
    person = people(10)
    case_id = start(exchange, person, actors["madoguchi"])
    exchange.complete(case_id, "verify_identity", actors["madoguchi"], VERIFIED)
    # The 中間サーバ processes the query but its reply comes too late: the same message is
    # sent again and recognised as a repeat. The result itself is held back for now.
    exchange.control("/control/faults", {"timeout_next": 1, "timeout_seconds": 3.0, "answer_delay": 600.0})
    exchange.work()
    state = exchange.state()
    assert len(state["queries"]) == 1 and len(state["requests"]) == 2
    with exchange.db.transaction() as session:
        [request] = session.scalars(select(IntermediaryRequest)).all()
        assert request.status == RequestStatus.ACCEPTED and request.attempts == 2

    # No 照会結果 within the configured 3 days: the timer hands the case to staff.
    assert exchange.ready(case_id, "query_timeout") is None
    exchange.work(datetime.now(UTC) + timedelta(days=2))
    assert exchange.ready(case_id, "query_timeout") is None
    exchange.work(datetime.now(UTC) + timedelta(days=3, minutes=1))
    assert exchange.ready(case_id, "query_timeout")

    exchange.control("/control/faults", {"answer_delay": 0.05})
    exchange.complete(case_id, "query_timeout", actors["madoguchi"], {"next_step": "retry", "note": "再照会"})
    exchange.work()
    wait_for(lambda: exchange.ready(case_id, "review_history"))
    assert len(exchange.state()["queries"]) == 2


def test_a_reply_delivered_twice_reaches_the_case_once(exchange, people, actors):
    person = people(11)
    exchange.control("/control/faults", {"answer_twice": True})
    case_id = start(exchange, person, actors["madoguchi"])
    exchange.complete(case_id, "verify_identity", actors["madoguchi"], VERIFIED)
    exchange.work()
    wait_for(lambda: len(exchange.state()["callbacks"]) == 2)
    callbacks = exchange.state()["callbacks"]
    assert [c["reply"]["status"] for c in callbacks] == ["received", "received"]
    assert callbacks[0]["message_id"] == callbacks[1]["message_id"]
    assert count(exchange, QueryResult) == 1
    assert count(exchange, TaskEvent, TaskEvent.case_id == case_id, TaskEvent.action == "message") == 1
    assert exchange.ready(case_id, "review_history")


def test_raw_results_are_deleted_after_the_retention_period_and_each_deletion_is_logged(
    exchange, people, actors
):
    person = people(12)
    case_id = start(exchange, person, actors["madoguchi"])
    exchange.complete(case_id, "verify_identity", actors["madoguchi"], VERIFIED)
    exchange.work()
    wait_for(lambda: exchange.ready(case_id, "review_history"))
    assert count(exchange, QueryResult) == 1

    exchange.work(datetime.now(UTC) + timedelta(days=29))
    assert count(exchange, QueryResult) == 1
    report = exchange.work(datetime.now(UTC) + timedelta(days=30, minutes=1))
    assert count(exchange, QueryResult) == 0
    assert report.jobs["exchange"] == 1
    with exchange.db.transaction() as session:
        [row] = session.scalars(
            select(AccessLog).where(AccessLog.reason == "照会結果の保存期間経過による自動削除")
        ).all()
        assert row.atena_no == person.atena_no and "削除" in row.detail
        assert session.scalars(select(IntermediaryRequest)).one().status == RequestStatus.ANSWERED


def test_a_missing_former_municipality_goes_back_to_staff_who_can_name_it(exchange, people, actors):
    person = people(13, moved_in=None)
    case_id = start(exchange, person, actors["madoguchi"])
    exchange.complete(case_id, "verify_identity", actors["madoguchi"], VERIFIED)
    assert exchange.ready(case_id, "query_problem")
    assert count(exchange, IntermediaryRequest) == 0
    exchange.complete(case_id, "query_problem", actors["madoguchi"],
                      {"next_step": "retry", "provider_override": HAKUSAN, "note": "本人から転入前の住所を聴取"})
    exchange.work()
    wait_for(lambda: exchange.ready(case_id, "review_history"))
