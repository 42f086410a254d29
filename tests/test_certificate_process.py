"""The 予防接種証明書の交付 process end to end through the engine (bpmn/certificate_issuance.bpmn)."""

from __future__ import annotations

import json
import re
import zlib
from datetime import UTC, date, datetime
from io import BytesIO

import pytest
from flask import render_template
from jinja2 import ChoiceLoader, DictLoader
from pypdf import PdfReader
from sqlalchemy import select

from models import (
    AccessLog,
    Case,
    CaseStatus,
    Certificate,
    CertificateApplication,
    HumanTask,
    HumanTaskState,
    Procedure,
    Role,
)
from tests.certificate_factories import (
    COVID_DOSES,
    FORMER_CITY,
    add_covid_doses,
    add_dose,
    make_resident,
)
from tests.test_certificate_shc import b64url_decode, jws_from_shc, verify_es256
from web.forms.certificate import ApplicationForm, CandidateForm, DeliveryForm, DosesForm
from workflows.errors import FormInvalid
from workflows.service import Actor, claim, clean_form, complete_task, start_case

NOW = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # 10:00 in Japan: the application date is 2026-11-26


def clock() -> datetime:
    return NOW


@pytest.fixture
def clerk(make_staff):
    account = make_staff("madoguchi1", Role.COUNTER)
    return Actor(account.id, frozenset({Role.COUNTER}), terminal="127.0.0.1 pytest")


@pytest.fixture
def run(app, db):
    """Drive one case: `run.start()`, then `run.step(data)` completes the ready task."""

    class Runner:
        def __init__(self) -> None:
            self.state = None

        def start(self, actor: Actor):
            with app.app_context(), db.transaction() as session:
                self.state = start_case(session, Procedure.CERTIFICATE, "certificate_issuance", actor,
                                        clock=clock)
            return self

        @property
        def task(self) -> HumanTask:
            with db.transaction() as session:
                (guid,) = self.state.ready_tasks
                task = session.scalars(select(HumanTask).where(HumanTask.task_guid == guid)).one()
                session.expunge(task)
                return task

        def step(self, actor: Actor, data: dict, expect: str | None = None):
            task = self.task
            if expect is not None:
                assert task.bpmn_id == expect, task.bpmn_id
            with app.app_context(), db.transaction() as session:
                claim(session, task.task_guid, actor, clock=clock)
            with app.app_context(), db.transaction() as session:
                self.state = complete_task(session, task.task_guid, actor, data, clock=clock)
            assert self.state.error is None, self.state.error
            return self

        def refused(self, actor: Actor, data: dict) -> dict[str, str]:
            task = self.task
            with app.app_context(), pytest.raises(FormInvalid) as error, db.transaction() as session:
                complete_task(session, task.task_guid, actor, data, clock=clock)
            return error.value.errors

        def application(self) -> CertificateApplication:
            with db.transaction() as session:
                application = session.scalars(select(CertificateApplication).where(
                    CertificateApplication.case_id == self.state.case_id)).one()
                session.expunge(application)
                return application

    return Runner()


SELF_DOMESTIC = {"application_type": "new", "channel": "counter", "applicant_type": "self", "use": "domestic",
                 "contact_phone": "076-000-0000"}
PASSPORT = {"passport_no": "TK1234567", "roman_family_name": "kanazawa", "roman_given_name": "taro",
            "nationality": "JPN", "passport_expires_on": "2030-01-01"}
IDENTITY = {"identity_document": "my_number_card"}


def resident_with_doses(db, serial: int, doses: int = 3, **kwargs):
    with db.transaction() as session:
        resident = make_resident(session, serial, **kwargs)
        resident.voucher_no = f"{serial:010d}"
        records = add_covid_doses(session, resident, doses)
        return resident.id, resident.voucher_no, [r.id for r in records], resident.my_number, resident.atena_no


def voucher(no: str) -> dict:
    return {"search_by": "voucher", "voucher_no": no}


def access_rows(db, atena_no: str) -> list[tuple[str, str]]:
    with db.transaction() as session:
        return [(row.action, row.detail) for row in session.scalars(
            select(AccessLog).where(AccessLog.atena_no == atena_no).order_by(AccessLog.id))]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def issue_domestic(run, clerk, voucher_no: str, dose_numbers: str = "1,2,3"):
    run.start(clerk).step(clerk, SELF_DOMESTIC, "receive_application")
    run.step(clerk, IDENTITY, "confirm_identity")
    run.step(clerk, voucher(voucher_no), "look_up_records")
    run.step(clerk, {"outcome": "issue", "dose_numbers": dose_numbers}, "choose_doses")
    return run


def test_self_domestic_application_is_issued_handed_over_and_logged(db, run, clerk):
    _, voucher_no, dose_ids, my_number, atena_no = resident_with_doses(db, 1)
    issue_domestic(run, clerk, voucher_no, "1,3")  # staff may leave a dose out
    assert run.task.bpmn_id == "hand_over"
    run.step(clerk, {"method": "counter", "delivered_on": "2026-11-26", "delivered_to": "金沢 太郎"})
    assert run.state.status == "completed" and run.state.ready_tasks == ()

    application = run.application()
    assert (application.applicant_type, application.kind, application.channel) == ("self", "domestic", "counter")
    assert application.identity_document == "my_number_card"
    assert application.identity_checked_by_id == clerk.staff_id
    assert (application.delivery_method, application.delivered_to) == ("counter", "金沢 太郎")
    with db.transaction() as session:
        case = session.get(Case, run.state.case_id)
        certificate = session.get(Certificate, application.certificate_id)
        assert case.status == CaseStatus.CLOSED and case.resident_id == application.resident_id
        assert certificate.case_id == case.id and certificate.dose_ids == [dose_ids[0], dose_ids[2]]
        assert certificate.passport_no is None
    actions = [action for action, _ in access_rows(db, atena_no)]
    assert actions == ["search", "view", "print"]
    assert my_number not in json.dumps(access_rows(db, atena_no), ensure_ascii=False)


def test_the_workflow_carries_only_ids_and_small_decisions(db, run, clerk):
    _, voucher_no, _dose_ids, _, _ = resident_with_doses(db, 2)
    issue_domestic(run, clerk, voucher_no)
    from models import ProcessInstance

    with db.transaction() as session:
        state = session.scalars(select(ProcessInstance.state_json).where(
            ProcessInstance.case_id == run.state.case_id)).one()
    for personal in ("076-000-0000", voucher_no, "金沢", "my_number_card"):
        assert personal not in state


def test_agent_needs_the_letter_of_authority_and_gets_an_overseas_certificate(db, run, clerk):
    _, voucher_no, _dose_ids, _, _ = resident_with_doses(db, 3)
    run.start(clerk)
    agent = {**SELF_DOMESTIC, "applicant_type": "agent", "applicant_name": "金沢 花子", "use": "overseas", **PASSPORT}
    errors = run.refused(clerk, agent)
    assert "委任状" in errors["本人が自署した委任状を受け取った（代理人）"]
    run.step(clerk, {**agent, "proxy_letter_received": True}, "receive_application")
    assert "代理人の本人確認書類" in run.refused(clerk, IDENTITY)["代理人の本人確認書類（代理人・法定代理人の申請）"]
    run.step(clerk, {**IDENTITY, "agent_identity_document": "driver_license"})
    run.step(clerk, voucher(voucher_no))
    run.step(clerk, {"outcome": "issue", "dose_numbers": "1,2,3"})
    run.step(clerk, {"method": "post", "delivered_on": "2026-11-27"})

    application = run.application()
    assert (application.applicant_type, application.applicant_name, application.proxy_letter_received) == (
        "agent", "金沢 花子", True)
    assert application.mailed_to_address == "石川県金沢市広坂二丁目9番99号 テストハイツ101"
    with db.transaction() as session:
        certificate = session.get(Certificate, application.certificate_id)
        assert certificate.kind == "overseas"
        assert (certificate.passport_no, certificate.passport_family_name, certificate.nationality) == (
            "TK1234567", "KANAZAWA", "JPN")
        assert certificate.vds_nc is not None


def test_legal_representative_must_name_the_document_proving_authority(db, run, clerk):
    run.start(clerk)
    legal = {**SELF_DOMESTIC, "applicant_type": "legal", "applicant_name": "金沢 一郎"}
    errors = run.refused(clerk, legal)
    assert "代理権を証明する書面" in next(iter(errors.values()))
    run.step(clerk, {**legal, "authority_document": "戸籍謄本"})
    assert run.application().authority_document == "戸籍謄本"


def test_an_expired_passport_cannot_yield_an_overseas_certificate_and_domestic_is_offered(db, run, clerk):
    run.start(clerk)
    errors = run.refused(clerk, {**SELF_DOMESTIC, "use": "overseas", **PASSPORT,
                                 "passport_expires_on": "2026-11-25"})
    assert "海外用の証明書は発行できません" in errors["旅券の有効期間満了日（海外用）"]
    assert "「国内用」を選んで" in errors["証明書の種類"]
    run.step(clerk, {**SELF_DOMESTIC, **PASSPORT, "passport_expires_on": "2026-11-25"})
    application = run.application()
    assert application.kind == "domestic" and application.passport_no is None


def test_a_passport_number_of_the_wrong_format_is_refused_on_its_field(db, run, clerk):
    run.start(clerk)
    errors = run.refused(clerk, {**SELF_DOMESTIC, "use": "overseas", **PASSPORT, "passport_no": "T1234567"})
    assert set(errors) == {"旅券番号（海外用）"}
    assert "英大文字2文字＋数字7桁" in errors["旅券番号（海外用）"]


def test_an_unknown_voucher_number_is_a_message_on_the_form(db, run, clerk):
    resident_with_doses(db, 4)
    run.start(clerk).step(clerk, SELF_DOMESTIC).step(clerk, IDENTITY)
    errors = run.refused(clerk, voucher("9999999999"))
    assert "接種券番号 9999999999 の方は本市の予防接種台帳にいません" in errors["接種券番号（10桁）"]
    assert "桁" in run.refused(clerk, voucher("12345"))["接種券番号（10桁）"]
    assert run.task.bpmn_id == "look_up_records"


def test_my_number_search_needs_the_permission(db, run, clerk, make_staff):
    _, _, _, my_number, _ = resident_with_doses(db, 5)
    run.start(clerk).step(clerk, SELF_DOMESTIC).step(clerk, IDENTITY)
    errors = run.refused(clerk, {"search_by": "my_number", "my_number": my_number})
    assert "閲覧権限がない" in errors["個人番号（閲覧権限のある職員のみ）"]
    permitted = make_staff("madoguchi2", Role.COUNTER, may_view_my_number=True)
    other = Actor(permitted.id, frozenset({Role.COUNTER}), "127.0.0.1 pytest")
    run.step(other, {"search_by": "my_number", "my_number": my_number}, "look_up_records")
    assert run.task.bpmn_id == "choose_doses"


def test_three_identifiers_matching_several_people_let_staff_choose_with_details(app, db, run, clerk):
    with db.transaction() as session:
        first = make_resident(session, 6)
        second = make_resident(session, 7)
        second.address = "石川県金沢市木ノ新保町9番99号"
        add_covid_doses(session, second, 2)
        ids = (first.id, second.id)
        atena = (first.atena_no, second.atena_no)
    run.start(clerk).step(clerk, SELF_DOMESTIC).step(clerk, IDENTITY)
    three = {"search_by": "three_info", "name": "かなざわ たろう", "birth_date": "1950-01-02", "address": "金沢市"}
    assert "該当する方がいません" in run.refused(clerk, {**three, "birth_date": "1950-01-03"})["氏名（カナまたは漢字）"]
    run.step(clerk, three, "look_up_records")
    assert run.task.bpmn_id == "choose_person"
    with app.app_context(), db.transaction() as session:
        form = CandidateForm(meta={"csrf": False}, case_id=run.state.case_id, session=session)
        labels = dict(form.resident_id.choices)
        assert "2名" in form.resident_id.description
    assert atena[0] in labels[ids[0]] and "広坂" in labels[ids[0]]
    assert atena[1] in labels[ids[1]] and "木ノ新保町" in labels[ids[1]]
    assert "昭和25年1月2日生" in labels[ids[0]]
    assert run.refused(clerk, {"resident_id": 424242})  # not among the matches
    run.step(clerk, {"resident_id": ids[1]}, "choose_person")
    assert run.task.bpmn_id == "choose_doses"
    assert run.application().resident_id == ids[1]
    assert [a for a, _ in access_rows(db, atena[0])] == ["search"]
    assert [a for a, _ in access_rows(db, atena[1])] == ["search", "view"]


def test_no_eligible_dose_leads_to_a_rejection_notice(db, run, clerk, staff_client):
    with db.transaction() as session:
        resident = make_resident(session, 8, previous_municipality_code=FORMER_CITY)
        resident.voucher_no = "0000000008"
        on, product, maker, lot = COVID_DOSES[0]
        add_dose(session, resident, 1, on, product, maker, lot, municipality_code=FORMER_CITY)
        later = add_dose(session, resident, 2, date(2024, 10, 15))
        atena_no, my_number = resident.atena_no, resident.my_number
    run.start(clerk).step(clerk, SELF_DOMESTIC).step(clerk, IDENTITY).step(clerk, voucher("0000000008"))
    errors = run.refused(clerk, {"outcome": "issue", "dose_numbers": "1"})
    assert "証明できる接種記録がありません" in errors["処理"]
    run.step(clerk, {"outcome": "reject"}, "choose_doses")
    assert run.task.bpmn_id == "send_rejection"
    run.step(clerk, {"method": "post", "delivered_on": "2026-11-27"})
    assert run.state.status == "completed"
    assert run.application().certificate_id is None
    assert later.id  # the 2024-10 dose exists but is not certifiable

    client, _ = staff_client(Role.COUNTER)
    response = client.get(f"/cases/{run.state.case_id}/rejection.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    for expected in ("予防接種証明書交付申請却下通知書", "金沢", "太郎", "証明できる接種記録がありません",
                     run.state.case_no, "令和8年11月26日"):
        assert expected in text, expected
    assert my_number not in re.sub(r"\D", "", text)
    assert client.get(f"/cases/{run.state.case_id}/certificate.pdf").status_code == 404
    assert [a for a, _ in access_rows(db, atena_no)] == ["search", "view", "print", "print"]


def test_a_transferred_resident_gets_only_this_citys_doses_with_the_reason_shown(app, db, run, clerk):
    with db.transaction() as session:
        resident = make_resident(session, 9, previous_municipality_code=FORMER_CITY)
        resident.voucher_no = "0000000009"
        on, product, maker, lot = COVID_DOSES[0]
        add_dose(session, resident, 1, on, product, maker, lot, municipality_code=FORMER_CITY)
        here = [add_dose(session, resident, n, *COVID_DOSES[n - 1]) for n in (2, 3)]
    run.start(clerk).step(clerk, SELF_DOMESTIC).step(clerk, IDENTITY).step(clerk, voucher("0000000009"))
    with app.app_context(), db.transaction() as session:
        form = DosesForm(meta={"csrf": False}, case_id=run.state.case_id, session=session)
        rows = {row.dose_number: row for row in form.dose_rows}
        assert form.dose_numbers.data == "2,3"  # offered: this city's doses
    assert "転入前の市町村" in rows[1].remark and FORMER_CITY in rows[1].remark
    assert rows[2].remark is None and rows[3].remark is None
    label = DosesForm.dose_numbers.args[0]
    errors = run.refused(clerk, {"outcome": "issue", "dose_numbers": "1,2"})
    assert "1回目" in errors[label] and "転入前" in errors[label]
    assert "数字とカンマ" in run.refused(clerk, {"outcome": "issue", "dose_numbers": "二回目"})[label]
    assert "4回目の接種記録はありません" in run.refused(clerk, {"outcome": "issue", "dose_numbers": "2,4"})[label]
    run.step(clerk, {"outcome": "issue", "dose_numbers": "２、３"})
    with db.transaction() as session:
        certificate = session.get(Certificate, run.application().certificate_id)
        assert certificate.dose_ids == [r.id for r in here]
        assert [d.dose_number for d in certificate.doses] == [2, 3]


def test_a_reissue_supersedes_the_earlier_certificate_and_both_are_kept(db, run, clerk, staff_client):
    _, voucher_no, _dose_ids, _, _ = resident_with_doses(db, 10)
    issue_domestic(run, clerk, voucher_no)
    first_id = run.application().certificate_id
    with db.transaction() as session:
        first_no = session.get(Certificate, first_id).certificate_no

    run.start(clerk)
    reissue = {**SELF_DOMESTIC, "application_type": "reissue", "use": "overseas", **PASSPORT}
    assert "再交付の理由" in " ".join(run.refused(clerk, {**reissue, "reissue_of_no": first_no}).values())
    assert "発行されていません" in " ".join(
        run.refused(clerk, {**reissue, "reissue_of_no": "ZZZZZZZZZZZZ", "reissue_reason": "紛失"}).values())
    run.step(clerk, {**reissue, "reissue_of_no": first_no.lower(), "reissue_reason": "旅券の更新"})
    run.step(clerk, IDENTITY).step(clerk, voucher(voucher_no))
    run.step(clerk, {"outcome": "issue", "dose_numbers": "1,2,3"})
    second_id = run.application().certificate_id
    with db.transaction() as session:
        first, second = session.get(Certificate, first_id), session.get(Certificate, second_id)
        assert second.supersedes_id == first.id and second.reissue_reason == "旅券の更新"
        assert second.certificate_no != first.certificate_no and second.kind == "overseas"
        assert first.superseded_by.id == second.id  # the old record stays
        first_case = first.case_id
    run.start(clerk)
    errors = run.refused(clerk, {**reissue, "reissue_of_no": first_no, "reissue_reason": "紛失"})
    assert "すでに再交付されています" in " ".join(errors.values())

    client, _ = staff_client(Role.COUNTER)
    refused = client.get(f"/cases/{first_case}/certificate.pdf")
    assert refused.status_code == 409 and "再交付により新しい証明書" in refused.get_data(as_text=True)


def test_a_reissue_must_be_for_the_holder_of_the_earlier_certificate(db, run, clerk):
    _, voucher_no, _dose_ids, _, _ = resident_with_doses(db, 11)
    _, other_voucher, _, _, _ = resident_with_doses(db, 12)
    issue_domestic(run, clerk, voucher_no)
    with db.transaction() as session:
        first_no = session.get(Certificate, run.application().certificate_id).certificate_no
    run.start(clerk).step(clerk, {**SELF_DOMESTIC, "application_type": "reissue", "reissue_of_no": first_no,
                                  "reissue_reason": "紛失"})
    run.step(clerk, IDENTITY)
    assert "別の方の証明書" in " ".join(run.refused(clerk, voucher(other_voucher)).values())


def test_a_postal_application_needs_the_return_envelope_and_is_mailed_by_default(app, db, run, clerk):
    _, voucher_no, _, _, _ = resident_with_doses(db, 16)
    run.start(clerk)
    postal = {**SELF_DOMESTIC, "channel": "post"}
    assert "返信用封筒" in run.refused(clerk, postal)["切手を貼った返信用封筒を受け取った（郵送）"]
    run.step(clerk, {**postal, "return_envelope_received": True}).step(clerk, IDENTITY)
    run.step(clerk, voucher(voucher_no)).step(clerk, {"outcome": "issue", "dose_numbers": "1,2,3"})
    with app.app_context(), db.transaction() as session:
        assert DeliveryForm(meta={"csrf": False}, case_id=run.state.case_id, session=session).method.data == "post"
    assert run.application().return_envelope_received is True


def test_mail_to_another_address_needs_a_reason(db, run, clerk):
    _, voucher_no, _dose_ids, _, _ = resident_with_doses(db, 13)
    issue_domestic(run, clerk, voucher_no)
    errors = run.refused(clerk, {"method": "post", "delivered_on": "2026-11-27", "other_address": "東京都千代田区"})
    assert "理由" in errors["住民登録の住所以外へ送る理由"]
    assert "受け取った方" in " ".join(run.refused(clerk, {"method": "counter", "delivered_on": "2026-11-27"}).values())
    run.step(clerk, {"method": "post", "delivered_on": "2026-11-27", "other_address": "東京都千代田区",
                     "other_address_reason": "入院先への送付を本人が指定"})
    application = run.application()
    assert (application.mailed_to_address, application.other_address_reason) == (
        "東京都千代田区", "入院先への送付を本人が指定")


def test_the_certificate_pdf_and_shc_routes_serve_the_case_certificate_and_log_it(db, run, clerk, staff_client):
    _, voucher_no, _dose_ids, my_number, atena_no = resident_with_doses(db, 14)
    issue_domestic(run, clerk, voucher_no)
    case_id = run.state.case_id
    with db.transaction() as session:
        certificate = session.get(Certificate, run.application().certificate_id)
        certificate_no = certificate.certificate_no

    client, _ = staff_client(Role.COUNTER)
    response = client.get(f"/cases/{case_id}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    for expected in ("新型コロナワクチン接種証明書", "国内用", "金沢", "太郎", "昭和25年1月2日",
                     "令和3年6月1日", "コミナティ筋注", "FA4597", "石川県金沢市", certificate_no):
        assert expected in text, expected
    assert my_number not in re.sub(r"\D", "", text)

    shc = client.get(f"/cases/{case_id}/certificate.shc")
    assert shc.status_code == 200 and shc.mimetype == "text/plain"
    (jwk,) = client.get("/.well-known/jwks.json").get_json()["keys"]
    jws = jws_from_shc(shc.get_data(as_text=True))
    verify_es256(jwk, jws)
    payload = json.loads(zlib.decompress(b64url_decode(jws.split(".")[1]), wbits=-15))
    entries = payload["vc"]["credentialSubject"]["fhirBundle"]["entry"]
    lots = [e["resource"]["lotNumber"] for e in entries if e["resource"]["resourceType"] == "Immunization"]
    assert lots == [lot for _, _, _, lot in COVID_DOSES[:3]]

    assert [a for a, _ in access_rows(db, atena_no)][-2:] == ["print", "export"]
    assert client.get(f"/cases/{case_id + 999}/certificate.shc").status_code == 404
    examiner, _ = staff_client(Role.EXAMINER)
    assert examiner.get(f"/cases/{case_id}/certificate.shc").status_code == 403


def test_opening_an_application_starts_a_case_with_the_first_task_taken(db, staff_client):
    client, account = staff_client(Role.COUNTER)
    page = client.get("/certificates/new")
    assert page.status_code == 200 and "受付を開始する" in page.get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))[1]
    response = client.post("/certificates/new", data={"csrf_token": token})
    assert response.status_code == 302
    guid = response.headers["Location"].removeprefix("/tasks/")
    with db.transaction() as session:
        task = session.scalars(select(HumanTask).where(HumanTask.task_guid == guid)).one()
        assert (task.bpmn_id, task.form_key, task.assignee_id, task.state) == (
            "receive_application", "certificate_application", account.id, HumanTaskState.READY)
        assert session.get(Case, task.case_id).procedure == Procedure.CERTIFICATE


def test_validating_without_completing_stores_nothing(app, db, run, clerk):
    run.start(clerk)
    with app.app_context(), db.transaction() as session:
        values = clean_form(session, run.task.task_guid, SELF_DOMESTIC, clerk, clock=clock)
        assert values == {"use": "domestic", "applicant": "self", "channel": "counter", "reissue": False}
    with db.transaction() as session:
        assert session.scalars(select(CertificateApplication)).first() is None
    with app.app_context(), pytest.raises(FormInvalid), db.transaction() as session:
        clean_form(session, run.task.task_guid, {**SELF_DOMESTIC, "use": "overseas"}, clerk, clock=clock)


@pytest.fixture
def task_templates(app):
    """The task screen's generic field list, stubbed: these templates are included inside it."""
    original = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader([
        DictLoader({"tasks/_fields.html": "{% for field in form %}[{{ field.label.text }}]{% endfor %}"}), original])
    app.jinja_env.cache = {}
    yield
    app.jinja_env.loader = original
    app.jinja_env.cache = {}


def test_the_hand_over_screen_links_the_documents_to_print(app, db, run, clerk, task_templates):
    _, voucher_no, _, _, _ = resident_with_doses(db, 15)
    issue_domestic(run, clerk, voucher_no)
    case_id = run.state.case_id
    with app.test_request_context(), db.transaction() as session:
        form = DeliveryForm(meta={"csrf": False}, case_id=case_id, session=session)
        page = render_template("tasks/forms/certificate_delivery.html", form=form, errors={})
        doses_page = render_template("tasks/forms/certificate_doses.html",
                                     form=DosesForm(meta={"csrf": False}, case_id=case_id, session=session),
                                     errors={})
    assert f"/cases/{case_id}/certificate.pdf" in page and f"/cases/{case_id}/certificate.shc" in page
    assert form.certificate_no in page and "テストハイツ101" in page and "[交付方法]" in page
    assert "令和3年6月1日" in doses_page and "FA4597" in doses_page and "証明できます" in doses_page


def test_the_application_screen_groups_every_field(app, task_templates):
    with app.test_request_context():
        form = ApplicationForm(meta={"csrf": False})
        page = render_template("tasks/forms/certificate_application.html", form=form, errors={})
    shown = re.findall(r"\[([^\]]+)\]", page)
    assert sorted(shown) == sorted(field.label.text for field in form)
    assert page.index("[旅券番号（海外用）]") > page.index("<legend>証明書の種類と旅券")


def test_a_running_app_knows_the_process_forms_and_ships_a_valid_definition(environ, tmp_path):
    """In a fresh interpreter (nothing imported by tests): the app alone registers the forms."""
    import subprocess
    import sys

    script = (
        "from web import create_app\n"
        "from workflows.validation import validate_bpmn\n"
        "create_app(ENV)\n"
        "result = validate_bpmn(open('bpmn/certificate_issuance.bpmn', 'rb').read())\n"
        "print('OK' if result.ok else result.problems)\n"
    )
    env = {**environ, "SESSHU_INSTANCE_PATH": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", f"ENV = {env!r}\n{script}"], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.stdout.strip() == "OK", done.stdout + done.stderr
