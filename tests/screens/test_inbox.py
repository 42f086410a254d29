"""受信トレイ: the three views, filters, saved and shared filters, paging, masking and the access log."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from models import AccessLog, InboxFilter, Role
from tests.auth_helpers import csrf_token
from tests.screens.conftest import add_resident, open_case, ready_guid
from workflows import service


def rows_of(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [r for r in body.split("<tr")[1:] if "該当する作業" not in r and "担当している作業" not in r]


def access_rows(db) -> list[AccessLog]:
    with db.transaction() as session:
        return list(session.scalars(select(AccessLog).order_by(AccessLog.id)))


def test_group_view_lists_unclaimed_tasks_of_my_lanes_only(db, intake, staff_client, clock):
    client, _ = staff_client(Role.COUNTER)
    examiner, _ = staff_client(Role.EXAMINER)
    case_no, _ = open_case(db, clock, add_resident(db, 1))
    page = client.get("/inbox/group").get_data(as_text=True)
    assert case_no in page and "申請受付" in page and "予防接種証明書の交付" in page
    assert case_no not in examiner.get("/inbox/group").get_data(as_text=True)
    assert case_no not in client.get("/inbox/").get_data(as_text=True)  # not claimed yet


def test_claiming_moves_a_task_from_the_group_to_my_inbox_and_done_after_completion(db, intake, staff_client, clock):
    client, account = staff_client(Role.COUNTER)
    case_no, guid = open_case(db, clock, add_resident(db, 2))
    token = csrf_token(client, "/inbox/group")
    response = client.post(f"/tasks/{guid}/claim", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == f"/tasks/{guid}"
    assert case_no in client.get("/inbox/").get_data(as_text=True)
    assert case_no not in client.get("/inbox/group").get_data(as_text=True)
    actor = service.Actor(account.id, frozenset({Role.COUNTER}))
    with db.transaction() as session:
        service.complete_task(session, guid, actor, {"received_on": "2026-04-01"}, clock=clock)
    done = client.get("/inbox/done").get_data(as_text=True)
    assert case_no in done and "申請受付" in done


def test_subject_is_shortened_outside_my_own_tasks_and_no_my_number_is_shown(db, intake, staff_client, clock):
    client, account = staff_client(Role.COUNTER, may_view_my_number=True)
    _, guid = open_case(db, clock, add_resident(db, 3, "白山", "花子", "ハナコ"))
    group = client.get("/inbox/group").get_data(as_text=True)
    assert "白山\u3000花＊" in group and "花子" not in group
    assert "990000000003" not in group and "0003" not in re.sub(r"R8-CERT-\d+", "", group).split("<tbody>")[1]
    with db.transaction() as session:
        service.claim(session, guid, service.Actor(account.id, frozenset({Role.COUNTER})), clock=clock)
    mine = client.get("/inbox/").get_data(as_text=True)
    assert "白山\u3000花子" in mine and "990000000003" not in mine


def test_each_page_showing_people_writes_one_access_log_row_naming_them(db, intake, staff_client, clock):
    client, account = staff_client(Role.COUNTER)
    open_case(db, clock, add_resident(db, 11))
    open_case(db, clock, add_resident(db, 12, "野々市"))
    before = len(access_rows(db))
    client.get("/inbox/group")
    client.get("/inbox/group?q=ノノイチ")
    new = access_rows(db)[before:]
    assert [(r.action, r.staff_id) for r in new] == [("view", account.id), ("search", account.id)]
    assert "0000000011" in new[0].detail and "0000000012" in new[0].detail and new[0].atena_no is None
    assert new[1].atena_no == "0000000012" and "0000000011" not in new[1].detail
    client.get("/inbox/")  # nothing claimed: no person shown, nothing logged
    assert len(access_rows(db)) == before + 2


def test_filters_by_procedure_task_due_date_overdue_and_text(db, intake, staff_client, clock):
    client, _ = staff_client(Role.COUNTER)
    five_days_ago = clock.now - timedelta(days=5)
    old_case, _ = open_case(db, lambda: five_days_ago, add_resident(db, 21, "野々市", "一郎", "イチロウ"))
    new_case, _ = open_case(db, clock, add_resident(db, 22, "白山"))

    def shown(query: str) -> set[str]:
        page = client.get("/inbox/group" + query).get_data(as_text=True)
        return {c for c in (old_case, new_case) if c in page}

    assert shown("") == {old_case, new_case}
    assert shown("?overdue=y") == {old_case}  # due 3 days after opening, 5 days ago
    assert shown("?due_before=2026-03-31") == {old_case}
    assert shown("?procedure=relief") == set()
    assert shown("?procedure=certificate&task=申請受付") == {old_case, new_case}
    assert shown("?task=決裁") == set()
    assert shown("?q=ののいち") == {old_case}  # hiragana finds katakana
    assert "1〜1件目" in client.get("/inbox/group?q=ノノイチ").get_data(as_text=True)  # no total counted
    assert shown("?q=ﾉﾉｲﾁ　ｲﾁ") == {old_case}  # half-width kana and a space
    assert shown(f"?q={new_case.lower()}") == {new_case}
    page = client.get("/inbox/group?q=山田").get_data(as_text=True)
    assert "案件番号（例: R8-CERT-000123）かカナ氏名" in page
    overdue = client.get("/inbox/group").get_data(as_text=True)
    assert overdue.count('class="overdue"') == 1 and "期限超過" in overdue


def test_sorted_by_due_date_and_paged(db, intake, staff_client, clock):
    client, _ = staff_client(Role.COUNTER)
    cases = []
    for hour in range(53):
        opened = clock.now + timedelta(hours=hour)
        cases.append(open_case(db, lambda opened=opened: opened)[0])
    first = client.get("/inbox/group").get_data(as_text=True)
    assert len(rows_of(first)) == 50 and "53件" in first and "次の50件" in first
    assert first.index(cases[0]) < first.index(cases[1]) < first.index(cases[49])
    second = client.get("/inbox/group?page=2").get_data(as_text=True)
    assert [c for c in cases if c in second] == cases[50:]
    latest_first = client.get("/inbox/group?sort=-due").get_data(as_text=True)
    assert latest_first.index(cases[52]) < latest_first.index(cases[51])


def test_a_filter_is_saved_per_person_and_can_be_shared_with_the_department(db, intake, staff_client, clock):
    owner, _ = staff_client(Role.COUNTER)
    colleague, _ = staff_client(Role.COUNTER)
    token = csrf_token(owner, "/inbox/group")
    owner.post("/inbox/filters", data={"csrf_token": token, "view": "group", "name": "自分用",
                                       "overdue": "y", "page": "3"})
    owner.post("/inbox/filters", data={"csrf_token": token, "view": "group", "name": "課の共有",
                                       "procedure": "certificate", "shared": "y"})
    with db.transaction() as session:
        saved = {f.name: f for f in session.scalars(select(InboxFilter))}
    assert saved["自分用"].criteria == {"overdue": "y"} and saved["自分用"].department_id is None
    assert saved["課の共有"].department_id is not None
    own_page = owner.get("/inbox/group").get_data(as_text=True)
    assert "自分用" in own_page and "課の共有" in own_page
    other_page = colleague.get("/inbox/group").get_data(as_text=True)
    assert "課の共有" in other_page and "自分用" not in other_page
    applied = colleague.get(f"/inbox/filters/{saved['課の共有'].id}")
    assert applied.headers["Location"] == "/inbox/group?procedure=certificate"
    assert colleague.get(f"/inbox/filters/{saved['自分用'].id}").status_code == 404
    token = csrf_token(colleague, "/inbox/group")
    assert colleague.post(f"/inbox/filters/{saved['課の共有'].id}/delete",
                          data={"csrf_token": token}).status_code == 404
    token = csrf_token(owner, "/inbox/group")
    deleted = owner.post(f"/inbox/filters/{saved['自分用'].id}/delete", data={"csrf_token": token},
                         follow_redirects=True).get_data(as_text=True)
    assert "検索条件「自分用」を削除しました" in deleted
    assert "自分用" not in owner.get("/inbox/group").get_data(as_text=True)


def test_unclaim_gives_the_task_back_and_only_supervisors_may_take_it_from_someone_else(db, intake, staff_client, clock):
    holder, holder_account = staff_client(Role.COUNTER)
    other, _ = staff_client(Role.COUNTER)
    case_no, guid = open_case(db, clock)
    with db.transaction() as session:
        service.claim(session, guid, service.Actor(holder_account.id, frozenset({Role.COUNTER})), clock=clock)
    token = csrf_token(other, "/inbox/group")
    response = other.post(f"/tasks/{guid}/unclaim", data={"csrf_token": token}, follow_redirects=True)
    assert "他の職員が担当している作業を戻せるのは監督者だけです" in response.get_data(as_text=True)
    token = csrf_token(holder, "/inbox/")
    response = holder.post(f"/tasks/{guid}/unclaim", data={"csrf_token": token}, follow_redirects=True)
    assert "担当を外しました" in response.get_data(as_text=True)
    assert case_no in other.get("/inbox/group").get_data(as_text=True)
    assert ready_guid(db, case_no, "receive") == guid


def test_case_numbers_link_to_the_case_page(app, client, db, intake, make_staff, clock):
    from models import Case
    from tests.auth_helpers import log_in

    log_in(client, make_staff("madoguchi-link", Role.COUNTER), clock.now)
    case_no, guid = open_case(db, clock)
    with db.transaction() as session:
        case_id = session.scalars(select(Case.id).where(Case.case_no == case_no)).one()
    assert f'<a href="/cases/{case_id}">{case_no}</a>' in client.get("/inbox/group").get_data(as_text=True)
    assert f'<a href="/cases/{case_id}">{case_no}</a>' in client.get(f"/tasks/{guid}").get_data(as_text=True)
