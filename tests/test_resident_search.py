"""Finding people by 接種券番号, 個人番号 (with permission only) and 3情報 with spelling tolerance."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import pytest
from sqlalchemy import select, update

from handlers.csv_source import open_source
from handlers.registry_import.importer import import_registry
from handlers.resident_search import (
    SearchError,
    SearchNotPermitted,
    search_by_my_number,
    search_by_three_items,
    search_by_voucher_no,
)
from models import Resident
from models.demo.people import synthetic_my_number
from tests.registry_files import person, write_registry

BIRTH = "1975-08-15"


@pytest.fixture
def city(db, tmp_path):
    rows = [
        person(1, **{"氏名_姓": "髙橋", "氏名_名": "一郎", "カナ氏名_姓": "タカハシ",
                     "カナ氏名_名": "イチロウ", "生年月日": BIRTH,
                     "住所": "石川県金沢市広坂二丁目9番99号 テストハイツ101"}),
        person(2, **{"氏名_姓": "山﨑", "氏名_名": "京子", "カナ氏名_姓": "ヤマザキ",
                     "カナ氏名_名": "キョウコ", "生年月日": BIRTH,
                     "住所": "石川県金沢市片町1丁目2番3号"}),
        person(3, **{"氏名_姓": "𠮷田", "氏名_名": "花子", "カナ氏名_姓": "ヨシダ",
                     "カナ氏名_名": "ハナコ", "生年月日": BIRTH}),
        person(4, **{"氏名_姓": "濵田", "氏名_名": "誠", "カナ氏名_姓": "ハマダ",
                     "カナ氏名_名": "マコト", "生年月日": BIRTH, "異動事由": "転出",
                     "異動日": "2024-06-30"}),
        person(5, **{"氏名_姓": "高橋", "氏名_名": "一郎", "カナ氏名_姓": "タカハシ",
                     "カナ氏名_名": "イチロウ", "生年月日": "1980-01-01"}),
    ]
    import_registry(db, open_source(write_registry(tmp_path / "city.csv", rows)), mode="full",
                    today=date(2026, 4, 1))
    with db.transaction() as session:
        session.execute(update(Resident).where(Resident.atena_no == "0000000002")
                        .values(voucher_no="5000000002"))
    return db


def names(result) -> list[str]:
    return [p.name for p in result.people]


@pytest.mark.parametrize(("typed", "expected"), [
    ("高橋 一郎", ["髙橋\u3000一郎"]),  # 新字体 finds 旧字体
    ("髙橋", ["髙橋\u3000一郎"]),  # surname alone
    ("ﾀｶﾊｼ ｲﾁﾛｳ", ["髙橋\u3000一郎"]),  # half-width kana
    ("たかはし", ["髙橋\u3000一郎"]),  # hiragana
    ("山崎京子", ["山﨑\u3000京子"]),
    ("ヤマザキ キヨウコ", ["山﨑\u3000京子"]),  # large ヨ as older registers write it
    ("吉田　花子", ["𠮷田\u3000花子"]),
    ("浜田", ["濵田\u3000誠"]),
])
def test_three_items_tolerate_spelling_variants(city, typed, expected):
    with city.transaction() as session:
        assert names(search_by_three_items(session, name=typed, birth_date=date(1975, 8, 15))) \
            == expected


def test_address_in_kanji_or_arabic_numerals_and_wareki_birth_date(city):
    with city.transaction() as session:
        by_address = search_by_three_items(session, name="タカハシ", address="広坂2-9-99")
        assert names(by_address) == ["髙橋\u3000一郎"]
        spelled = search_by_three_items(session, name="高橋", address="金沢市広坂２丁目９番")
        assert names(spelled) == ["髙橋\u3000一郎"]
        wareki = search_by_three_items(session, name="高橋一郎", birth_date="昭和50年8月15日")
        assert names(wareki) == ["髙橋\u3000一郎"]
        other_street = search_by_three_items(session, name="高橋", address="片町一丁目")
        assert other_street.people == []
        both = search_by_three_items(session, name="高橋", address="金沢市")
        assert len(both.people) == 2


def test_results_tell_people_apart_without_the_my_number(city):
    with city.transaction() as session:
        [found] = search_by_three_items(session, name="ハマダ", birth_date=BIRTH).people
    shown = asdict(found)
    assert shown["status"] == "転出" and shown["sex"] == "男"
    assert shown["address"] == "金沢市広坂二丁目…"
    assert synthetic_my_number(4) not in repr(shown) and "my_number" not in shown


def test_three_items_need_two_of_them_and_a_readable_date(city):
    with city.transaction() as session:
        with pytest.raises(SearchError, match="2つ以上"):
            search_by_three_items(session, name="高橋")
        with pytest.raises(SearchError, match="生年月日"):
            search_by_three_items(session, name="高橋", birth_date="平成31年5月1日")
        limited = search_by_three_items(session, name="タ", address="金沢市", limit=1)
        assert limited.truncated and len(limited.people) == 1


def test_my_number_search_needs_the_permission(city):
    with city.transaction() as session:
        with pytest.raises(SearchNotPermitted):
            search_by_my_number(session, synthetic_my_number(2), may_search_by_my_number=False)
        found = search_by_my_number(session, synthetic_my_number(2), may_search_by_my_number=True)
        assert names(found) == ["山﨑\u3000京子"]
        with pytest.raises(SearchError, match="検査用数字"):
            search_by_my_number(session, "990000000022", may_search_by_my_number=True)


def test_voucher_number_search(city):
    with city.transaction() as session:
        assert names(search_by_voucher_no(session, "５０００００００02")) == ["山﨑\u3000京子"]
        assert search_by_voucher_no(session, "5999999999").people == []
        with pytest.raises(SearchError, match="10桁"):
            search_by_voucher_no(session, "123")


def test_demo_residents_get_search_keys_when_seeded(cli, db):
    assert cli.invoke(args=["demo", "seed", "--residents", "30"]).exit_code == 0
    with db.transaction() as session:
        someone = session.scalars(select(Resident).limit(1)).one()
        found = search_by_three_items(session, name=someone.name_kana,
                                      birth_date=someone.birth_date)
        assert someone.id in [p.resident_id for p in found.people]
