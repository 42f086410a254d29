"""案件検索: each filter, paging, masking and the access-log rows of searches that show people."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from models.access_log import AccessLog
from models.case import Case, Procedure
from models.staff import Role
from tests.cases.fixtures import actor
from tests.cases.helpers import start
from web.cases import views


def found(page: str) -> list[str]:
    """Case numbers listed in the results, in page order."""
    return re.findall(r'<a href="/cases/\d+\?reason=[^"]*">([^<]+)</a>', page)


def access_rows(db) -> list[tuple]:
    with db.transaction() as session:
        return [(r.action, r.atena_no, r.reason, r.detail) for r in
                session.scalars(select(AccessLog).order_by(AccessLog.id))]


@pytest.fixture
def office(db, clock, case_review, make_staff, make_resident):
    """Four cases: 山田 (two, a week apart), 佐藤 (relief, cancelled), and one without a subject."""
    yamada = make_resident("ヤマダ", "タロウ", birth_date=date(1980, 5, 17))
    sato = make_resident("サトウ", "ハナコ", birth_date=date(1975, 1, 2), family="佐藤", given="花子")
    counter = actor(make_staff("madoguchi-s", Role.COUNTER), Role.COUNTER)
    numbers = {}
    numbers["yamada_old"] = start(db, clock, counter, resident_id=yamada.id)
    clock.advance(days=7)
    numbers["sato"] = start(db, clock, counter, resident_id=sato.id, procedure=Procedure.RELIEF)
    numbers["yamada_new"] = start(db, clock, counter, resident_id=yamada.id)
    numbers["nobody"] = start(db, clock, counter, procedure=Procedure.INCOMING_QUERY)
    with db.transaction() as session:
        case_nos = {key: session.get(Case, case_id).case_no for key, case_id in numbers.items()}
        session.get(Case, numbers["sato"]).status = "cancelled"
    return {"yamada_person": yamada, "sato_person": sato, **case_nos}


def search(client, **criteria) -> str:
    response = client.get("/cases", query_string=criteria)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_each_filter_narrows_the_cases(office, staff_client):
    client, _ = staff_client(Role.COUNTER)
    newest_first = [office["nobody"], office["yamada_new"], office["sato"], office["yamada_old"]]

    assert found(search(client, case_no=office["sato"])) == [office["sato"]]
    serial = office["yamada_old"].rsplit("-", 1)[1].lstrip("0")
    assert office["yamada_old"] in found(search(client, case_no=serial))  # a part of the number is enough
    assert found(search(client, procedure="relief")) == [office["sato"]]
    assert found(search(client, status="cancelled")) == [office["sato"]]
    assert found(search(client, status="open")) == [n for n in newest_first if n != office["sato"]]
    assert found(search(client, date_from="2026-04-01", date_to="2026-04-01")) == [office["yamada_old"]]
    assert found(search(client, date_from="2026-04-08")) == newest_first[:3]
    assert found(search(client, kana="やまだ")) == [office["yamada_new"], office["yamada_old"]]  # hiragana too
    assert found(search(client, kana="ﾔﾏﾀﾞ ﾀﾛｳ")) == [office["yamada_new"], office["yamada_old"]]  # half-width
    assert found(search(client, kana="ヤマダ　ハナコ")) == []
    assert found(search(client, birth_date="1975-01-02")) == [office["sato"]]
    assert found(search(client, atena_no=office["sato_person"].atena_no)) == [office["sato"]]
    assert found(search(client, atena_no="0000099999")) == []


def test_subject_filters_combine(office, staff_client):
    client, _ = staff_client(Role.COUNTER)
    assert found(search(client, atena_no=office["yamada_person"].atena_no)) == [office["yamada_new"], office["yamada_old"]]
    assert found(search(client, kana="ヤマダ", birth_date="1975-01-02")) == []
    assert found(search(client, kana="サトウ", birth_date="1975-01-02", procedure="relief")) == [office["sato"]]


def test_bad_input_is_explained_and_nothing_is_searched(office, staff_client, db):
    client, _ = staff_client(Role.COUNTER)
    page = search(client, kana="Yamada")
    assert "カタカナ（またはひらがな）で入力してください" in page and found(page) == []
    page = search(client, date_from="2026-05-01", date_to="2026-04-01")
    assert "期間の終わりが始まりより前になっています" in page
    page = search(client, atena_no="12-AB")
    assert "数字で入力してください" in page
    page = search(client, procedure="")
    assert "条件を1つ以上入力してください" in page and found(page) == []
    assert access_rows(db) == []


def test_results_are_paged(office, staff_client, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client, _ = staff_client(Role.COUNTER)
    first = search(client, status="open")
    second = search(client, status="open", page=2)
    assert found(first) == [office["nobody"], office["yamada_new"]]
    assert found(second) == [office["yamada_old"]]
    assert "1〜2件目 / 3件" in first and "次の2件" in first
    assert "3〜3件目 / 3件" in second and "前の2件" in second


def test_results_mask_the_my_number_without_the_permission(office, staff_client):
    yamada = office["yamada_person"]
    plain, _ = staff_client(Role.COUNTER)
    page = search(plain, kana="ヤマダ")
    assert yamada.my_number not in page and "********" + yamada.my_number[-4:] in page
    permitted, _ = staff_client(Role.SUPERVISOR, may_view_my_number=True)
    assert yamada.my_number in search(permitted, kana="ヤマダ")


def test_searches_showing_people_write_one_search_row_per_person(office, staff_client, db):
    client, _ = staff_client(Role.EXAMINER)
    search(client, kana="ヤマダ", reason="健康被害救済給付の請求・審査")
    rows = access_rows(db)
    assert [(a, atena, reason) for a, atena, reason, _ in rows] == [
        ("search", office["yamada_person"].atena_no, "健康被害救済給付の請求・審査")
    ]
    assert "カナ氏名=ヤマダ" in rows[0][3] and "2件" in rows[0][3]

    search(client, date_from="2026-04-08")  # shows 山田 and 佐藤 (and a case without a subject)
    later = access_rows(db)[1:]
    assert sorted(atena for _, atena, _, _ in later) == sorted([office["yamada_person"].atena_no, office["sato_person"].atena_no])
    assert all(reason == "本人・代理人からの問い合わせ" for _, _, reason, _ in later)  # the default


def test_a_subject_search_that_finds_nobody_is_still_logged(office, staff_client, db):
    client, _ = staff_client(Role.COUNTER)
    search(client, kana="スズキ", birth_date="1990-12-31")
    assert [(a, atena) for a, atena, _, _ in access_rows(db)] == [("search", None)]
    search(client, atena_no="0000099999")
    assert [(a, atena) for a, atena, _, _ in access_rows(db)][1:] == [("search", "0000099999")]
    search(client, procedure="incoming_query")  # no subject asked for, nobody shown: nothing to log
    assert len(access_rows(db)) == 2


def test_result_links_carry_the_reason_to_the_case_page(office, staff_client, db):
    client, _ = staff_client(Role.COUNTER)
    page = search(client, case_no=office["sato"], reason="健康被害救済給付の請求・審査")
    link = re.search(r'<a href="(/cases/\d+\?reason=[^"]+)">', page).group(1).replace("&amp;", "&")
    assert client.get(link).status_code == 200
    action, atena_no, reason, _ = access_rows(db)[-1]
    assert (action, atena_no, reason) == ("view", office["sato_person"].atena_no, "健康被害救済給付の請求・審査")
