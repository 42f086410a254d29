"""住民検索 and the resident page: each search key, the 個人番号 permission, the 処理事由,
the access log and masking."""

from __future__ import annotations

from models.staff import Role
from tests.residents.conftest import MY_NUMBER, access_rows, open_person, token
from web.residents.flag import register_flag_state


def search(client, mode: str, **fields):
    return client.post("/residents/", data={"csrf_token": token(client), "mode": mode, **fields})


def test_search_by_voucher_number_lists_the_person_without_their_my_number(town, staff_client, db):
    client, _ = staff_client(Role.COUNTER, may_view_my_number=True)
    page = search(client, "voucher", voucher_no="５０００－０１２３４５")  # 全角 and hyphen typed
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "髙橋\u3000一郎" in text and "タカハシ\u3000イチロウ" in text and "1975-08-15" in text
    assert "山﨑" not in text
    assert MY_NUMBER not in text and MY_NUMBER[-4:] not in text  # results never carry it
    assert "9番99号" not in text  # the address is cut after 丁目
    rows = access_rows(db, "search")
    assert [(r.atena_no, r.detail) for r in rows] == [("0000012345", "住民検索（接種券番号）該当 1件")]


def test_search_by_three_items_in_kana_and_wareki(town, staff_client, db):
    client, _ = staff_client(Role.EXAMINER)
    page = search(client, "three", name="ﾀｶﾊｼ", birth_date="昭和50年8月15日")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "髙橋\u3000一郎" in text and "山﨑" not in text
    both = search(client, "three", birth_date="S50.8.15", address="金沢市")
    assert "髙橋" in both.get_data(as_text=True) and "山﨑" in both.get_data(as_text=True)
    # One row per person shown, so the log names everyone whose data the results showed.
    assert [r.atena_no for r in access_rows(db, "search")] == ["0000012345", "0000012345", "0000067890"]
    nobody = search(client, "three", name="ｻﾄｳ", birth_date="1975-08-15")
    assert "該当する住民はいません" in nobody.get_data(as_text=True)
    assert access_rows(db, "search")[-1].atena_no is None


def test_three_item_search_needs_two_items(town, staff_client, db):
    client, _ = staff_client(Role.COUNTER)
    page = search(client, "three", name="高橋")
    assert page.status_code == 400
    assert "2つ以上" in page.get_data(as_text=True)
    assert access_rows(db, "search") == []  # nothing was searched


def test_search_by_my_number_with_the_permission(town, staff_client, db):
    client, _ = staff_client(Role.SUPERVISOR, may_view_my_number=True)
    assert 'name="my_number"' in client.get("/residents/").get_data(as_text=True)
    page = search(client, "my_number", my_number=MY_NUMBER)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "髙橋\u3000一郎" in text
    assert MY_NUMBER not in text  # not echoed back into the form either
    assert MY_NUMBER not in access_rows(db, "search")[0].detail


def test_my_number_search_is_neither_offered_nor_allowed_without_the_permission(town, staff_client, db):
    client, _ = staff_client(Role.COUNTER)
    assert 'name="my_number"' not in client.get("/residents/").get_data(as_text=True)
    page = search(client, "my_number", my_number=MY_NUMBER)
    assert page.status_code == 403
    assert "髙橋" not in page.get_data(as_text=True)
    assert access_rows(db, "search") == []


def test_opening_a_person_needs_a_reason_and_logs_the_view_with_it(town, staff_client, db):
    client, _ = staff_client(Role.COUNTER)
    takahashi = town["takahashi"]
    direct = client.get(f"/residents/{takahashi}")
    assert direct.status_code == 200 and "処理事由" in direct.get_data(as_text=True)
    assert "髙橋" not in direct.get_data(as_text=True)  # nothing shown before a reason
    refused = open_person(client, takahashi, reason="")
    assert refused.status_code == 400 and "処理事由を選んでください" in refused.get_data(as_text=True)
    other_blank = open_person(client, takahashi, reason="その他")
    assert other_blank.status_code == 400
    assert access_rows(db, "view") == []

    opened = open_person(client, takahashi, reason="その他", other="区画整理に伴う住所確認")
    assert opened.status_code == 302
    page = client.get(opened.headers["Location"])
    assert page.status_code == 200 and "髙橋\u3000一郎" in page.get_data(as_text=True)
    views = access_rows(db, "view")
    assert [(v.atena_no, v.reason) for v in views] == [("0000012345", "その他: 区画整理に伴う住所確認")]
    client.get(f"/residents/{takahashi}")
    assert len(access_rows(db, "view")) == 2  # every view is logged


def test_resident_page_masks_my_number_without_the_permission(town, staff_client):
    plain, _ = staff_client(Role.COUNTER)
    open_person(plain, town["takahashi"])
    text = plain.get(f"/residents/{town['takahashi']}").get_data(as_text=True)
    assert MY_NUMBER not in text and "********" + MY_NUMBER[-4:] in text

    permitted, _ = staff_client(Role.COUNTER, may_view_my_number=True)
    open_person(permitted, town["takahashi"])
    assert MY_NUMBER in permitted.get(f"/residents/{town['takahashi']}").get_data(as_text=True)


def test_resident_page_shows_history_schedule_and_doses_given_elsewhere(town, staff_client):
    client, _ = staff_client(Role.COUNTER)
    open_person(client, town["takahashi"])
    text = client.get(f"/residents/{town['takahashi']}").get_data(as_text=True)
    assert "転入" in text and "富山県富山市架空町1番地" in text and "162019" in text
    assert "他市町村（162019）" in text and "当市" in text
    assert "42日" in text  # 2021-04-20 → 2021-06-01
    assert "次は 3回目: 2021-09-01 以降" in text


def test_flag_state_is_shown_only_to_roles_that_need_it(town, staff_client):
    counter, _ = staff_client(Role.COUNTER)
    open_person(counter, town["takahashi"])
    assert "自動応答不可フラグ" not in counter.get(f"/residents/{town['takahashi']}").get_data(as_text=True)
    supervisor, _ = staff_client(Role.SUPERVISOR)
    open_person(supervisor, town["takahashi"])
    assert "自動応答不可フラグ" in supervisor.get(f"/residents/{town['takahashi']}").get_data(as_text=True)
    register_flag_state(lambda session, resident: f"設定中（{resident.atena_no}）")
    try:
        page = supervisor.get(f"/residents/{town['takahashi']}").get_data(as_text=True)
    finally:
        register_flag_state(None)
    assert "状態: 設定中（0000012345）" in page


def test_resident_screens_are_not_for_auditors(town, staff_client):
    client, _ = staff_client(Role.AUDITOR)
    assert client.get("/residents/").status_code == 403


def test_resident_page_lists_the_cases_about_the_person(town, staff_client, db):
    from models import Case

    with db.transaction() as session:
        session.add(Case(case_no="R8-CERT-000007", procedure="certificate", resident_id=town["takahashi"]))
        session.add(Case(case_no="R8-CERT-000008", procedure="certificate", resident_id=town["yamazaki"]))
    client, _ = staff_client(Role.EXAMINER)
    open_person(client, town["takahashi"])
    text = client.get(f"/residents/{town['takahashi']}").get_data(as_text=True)
    assert "R8-CERT-000007" in text and "予防接種証明書の交付" in text and "処理中" in text
    assert "R8-CERT-000008" not in text
