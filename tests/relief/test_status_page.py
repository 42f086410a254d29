"""The claimant status page: the right stage, one generic refusal, the rate limit, and no
personal data in the page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from handlers.relief.claims import issue_access_code
from models import ReliefReceipt, StatusAttempt
from tests.auth_helpers import csrf_token
from tests.relief.conftest import CLAIMANT_NAME
from tests.relief.helpers import claim_of_case, to_national_council
from web.relief.status import NOT_FOUND, TOO_MANY


@pytest.fixture
def claim_with_code(walker, vaccinated, db):
    walker.start(vaccinated, "medical_cost", "medical_allowance")
    with db.transaction() as session:
        claim = claim_of_case(session, walker.case_id)
        code = issue_access_code(session, claim, walker.clock())
        session.add(ReliefReceipt(claim_id=claim.id, paid_on=walker.clock().date(), amount=98_765))
    return walker, code


def ask(client, receipt_no: str, code: str, ip: str = "192.0.2.10"):
    token = csrf_token(client, "/status")
    return client.post("/status", data={"receipt_no": receipt_no, "code": code, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": ip})


def test_claimant_sees_the_current_stage_with_dates(client, claim_with_code, clock):
    walker, code = claim_with_code
    page = ask(client, walker.case_no, code.lower().replace("-", " ")).get_data(as_text=True)
    assert "書類確認中" in page and "受付済" in page
    assert "令和8年5月11日" in page  # the date both stages were reached


def test_the_page_follows_the_process(client, claim_with_code, clock):
    walker, code = claim_with_code
    to_national_council(walker)
    page = ask(client, walker.case_no, code).get_data(as_text=True)
    assert re.search(r"status-current\"><strong>国審査会審議中", page)
    assert "県経由で国へ進達済" in page


def test_no_personal_data_in_the_page(client, claim_with_code, vaccinated, clock):
    walker, code = claim_with_code
    page = ask(client, walker.case_no, code).get_data(as_text=True)
    assert "書類確認中" in page
    for secret in (CLAIMANT_NAME, "試験", "太郎", vaccinated.my_number, vaccinated.atena_no, "98,765", "98765",
                   "発熱", "医療費", "医療手当", "試験ワクチン"):
        assert secret not in page, secret


def test_wrong_code_and_unknown_number_get_the_same_message(client, claim_with_code, clock):
    walker, _ = claim_with_code
    wrong_code = ask(client, walker.case_no, "AAAA-BBBB-CCCC").get_data(as_text=True)
    unknown = ask(client, "R8-RELIEF-999999", "AAAA-BBBB-CCCC", ip="192.0.2.11").get_data(as_text=True)
    assert NOT_FOUND in wrong_code and NOT_FOUND in unknown
    assert "書類確認中" not in wrong_code
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", wrong_code) == strip.sub("", unknown)


def test_reissued_code_replaces_the_old_one(client, claim_with_code, db, clock):
    walker, old = claim_with_code
    with db.transaction() as session:
        new = issue_access_code(session, claim_of_case(session, walker.case_id), walker.clock())
    assert NOT_FOUND in ask(client, walker.case_no, old).get_data(as_text=True)
    assert "書類確認中" in ask(client, walker.case_no, new, ip="192.0.2.12").get_data(as_text=True)


def test_attempts_are_limited_per_ip_and_per_number_and_logged(client, claim_with_code, db, clock):
    walker, code = claim_with_code
    for _ in range(5):
        assert NOT_FOUND in ask(client, walker.case_no, "WRONG-CODE").get_data(as_text=True)
    refused = ask(client, walker.case_no, code)  # even the right code, from this IP
    assert refused.status_code == 429 and TOO_MANY in refused.get_data(as_text=True)
    assert "書類確認中" not in refused.get_data(as_text=True)
    # Another IP is refused too: this 受付番号 has had its 5 attempts.
    assert TOO_MANY in ask(client, walker.case_no, code, ip="198.51.100.7").get_data(as_text=True)
    # The same IP for another number is refused as well.
    assert TOO_MANY in ask(client, "R8-RELIEF-000999", "X", ip="192.0.2.10").get_data(as_text=True)
    clock.advance(minutes=16)
    assert "書類確認中" in ask(client, walker.case_no, code, ip="198.51.100.7").get_data(as_text=True)
    with db.transaction() as session:
        attempts = list(session.scalars(select(StatusAttempt).order_by(StatusAttempt.id)))
    assert len(attempts) == 9 and [a.succeeded for a in attempts].count(True) == 1
    assert attempts[0].ip == "192.0.2.10" and attempts[0].receipt_no == walker.case_no


def test_form_requires_csrf(client, claim_with_code, clock):
    walker, code = claim_with_code
    response = client.post("/status", data={"receipt_no": walker.case_no, "code": code})
    assert "書類確認中" not in response.get_data(as_text=True)
