"""Search keys fold the spellings staff and files use for the same name or address."""

import pytest

from models.search_keys import abbreviated_address, address_key, kana_name_key, kanji_name_key


@pytest.mark.parametrize(("a", "b"), [
    ("石川県金沢市広坂二丁目9番99号 テストハイツ101", "石川県金沢市広坂2丁目9番99号テストハイツ101"),
    ("金沢市広坂２丁目９－９９", "金沢市広坂2-9-99"),
    ("小立野五丁目27番15号 架空マンション404", "小立野5-27-15架空マンション404"),
    ("寺町二十三丁目1番地の3", "寺町23-1-3"),
    ("片町1丁目1-1", "片町一丁目1番1号"),
])
def test_address_spellings_share_a_key(a, b):
    assert address_key(a) == address_key(b)


def test_building_numbers_and_town_names_with_numerals_are_kept():
    assert address_key("本町1丁目2番3号館") == "本町1-2-3号館"
    assert address_key("一番町1丁目") == "一番町1"


@pytest.mark.parametrize(("a", "b"), [
    (("髙橋", "太郎"), ("高橋", "太郎")),
    (("山﨑",), ("山崎",)),
    (("𠮷田", "花子"), ("吉田 花子",)),
    (("濵田",), ("浜田",)),
    (("ＹＡＭＡＤＡ",), ("YAMADA",)),
])
def test_kanji_name_variants_share_a_key(a, b):
    assert kanji_name_key(*a) == kanji_name_key(*b)


def test_kana_name_key_folds_width_script_and_small_kana():
    assert kana_name_key("ｷｮｳｺ") == kana_name_key("きょうこ") == kana_name_key("キヨウコ")
    assert kana_name_key("カナザワ", "タロウ") == kana_name_key("カナザワ　タロウ")
    assert kana_name_key("ﾀﾞｲｽｹ") == "ダイスケ"


def test_abbreviated_address_hides_house_numbers():
    assert abbreviated_address("石川県金沢市広坂二丁目9番99号 テストハイツ101") == "金沢市広坂二丁目…"
    assert abbreviated_address("東京都新宿区架空町1番地") == "新宿区架空町…"
