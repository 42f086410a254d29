"""住基連携: full and delta registry files, rejects, idempotence, crash and resume."""

from __future__ import annotations

import csv
import hashlib
from datetime import date

import pytest
from sqlalchemy import func, select

from handlers.csv_source import SourceError, open_source
from handlers.import_runs import STALE_AFTER, ImportBusy
from handlers.registry_import import importer
from handlers.registry_import.importer import import_registry, summarise
from handlers.registry_import.search_indexes import (
    missing_search_indexes,
    restore_search_indexes,
    search_indexes,
)
from handlers.residence_history import residence_history
from models import (
    ImportReject,
    ImportRun,
    MovementKind,
    Resident,
    ResidentMovement,
    ResidentStatus,
)
from models.base import utcnow
from models.demo.people import generate_people
from tests.conftest import empty_all_tables
from tests.registry_files import person, write_registry
from web import create_app

TODAY = date(2026, 4, 1)


def run(db, path, mode="full", **options):
    return import_registry(db, open_source(path), mode=mode, today=TODAY, **options)


def reject_rows(path):
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))[1:]


def state(db) -> str:
    """A fingerprint of the residents and their movements, independent of ids and times."""
    digest = hashlib.sha256()
    with db.transaction() as session:
        for row in session.execute(
            select(Resident.atena_no, Resident.my_number, Resident.family_name,
                   Resident.given_name, Resident.name_kana, Resident.birth_date,
                   Resident.address, Resident.status, Resident.moved_in_on,
                   Resident.moved_out_on, Resident.died_on).order_by(Resident.atena_no)
        ):
            digest.update(repr(tuple(row)).encode())
        for row in session.execute(
            select(Resident.atena_no, ResidentMovement.kind, ResidentMovement.occurred_on,
                   ResidentMovement.previous_value, ResidentMovement.new_value)
            .join(Resident).order_by(Resident.atena_no, ResidentMovement.kind,
                                     ResidentMovement.occurred_on)
        ):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def resident(db, atena: str) -> Resident:
    with db.transaction() as session:
        return session.scalars(select(Resident).where(Resident.atena_no == atena)).one()


def movements(db, atena: str) -> list[ResidentMovement]:
    with db.transaction() as session:
        return list(session.scalars(
            select(ResidentMovement).join(Resident).where(Resident.atena_no == atena)
            .order_by(ResidentMovement.id)
        ))


def test_generated_cp932_file_is_imported_with_history_and_counts(cli, db, tmp_path):
    path = tmp_path / "juki_sjis.csv"
    made = cli.invoke(args=["demo", "residents", "--count", "400", "--out", str(path),
                            "--encoding", "cp932"])
    assert made.exit_code == 0, made.output
    assert open_source(path).encoding == "cp932"

    result = cli.invoke(args=["residents", "import", str(path), "--full"])
    assert result.exit_code == 0, result.output
    people = {p.atena_no: p for p in generate_people(400, seed=1)}
    with db.transaction() as session:
        stored = {r.atena_no: r for r in session.scalars(select(Resident))}
        run_row = session.scalars(select(ImportRun)).one()
    assert run_row.encoding == "cp932"
    assert run_row.inserted == len(stored) and run_row.inserted + run_row.rejected == 400
    assert f"新規 {len(stored)} 件" in result.output
    for atena, r in stored.items():
        p = people[atena]
        assert r.family_name == p.family_name.replace("𠮷", "吉")  # CP932's 代用漢字
        assert r.name_kana == p.name_kana and r.birth_date == p.birth_date
        assert r.status == p.status
    moved_in = [p for p in people.values() if p.moved_in_on and p.atena_no in stored
                and p.status == ResidentStatus.RESIDENT]
    assert moved_in
    history = movements(db, moved_in[0].atena_no)
    assert [(m.kind, m.occurred_on, m.previous_value, m.previous_municipality_code)
            for m in history] == [(MovementKind.MOVED_IN, moved_in[0].moved_in_on,
                                   moved_in[0].previous_address,
                                   moved_in[0].previous_municipality_code)]
    deceased = [r for r in stored.values() if r.status == ResidentStatus.DECEASED]
    assert deceased and all(r.died_on for r in deceased)  # the dead are kept, flagged


def test_utf8_with_bom_and_half_width_kana_is_normalised_not_rejected(db, tmp_path):
    path = write_registry(tmp_path / "bom.csv", [
        person(1, **{"氏名_姓": "髙橋", "カナ氏名_姓": "ﾀｶﾊｼ", "カナ氏名_名": "たろう"}),
    ], encoding="utf-8-sig")
    report = run(db, path)
    assert (report.inserted, report.rejected) == (1, 0)
    stored = resident(db, "0000000001")
    assert stored.family_name == "髙橋"  # the registered form is kept as is
    assert stored.name_kana == "タカハシ\u3000タロウ"
    assert stored.name_kanji_key == "高橋太郎"


def test_each_bad_row_is_rejected_with_its_line_and_reason_and_the_rest_imported(db, tmp_path):
    good = person(1)
    bad_digit = person(2, **{"個人番号": "990000000022"})
    impossible = person(3, **{"生年月日": "2023-02-30"})
    unknown_reason = person(4, **{"異動事由": "帰化", "異動日": "2024-01-05"})
    duplicate = person(1, **{"氏名_名": "次郎"})
    future = person(5, **{"生年月日": "2027-01-01"})
    non_kana = person(6, **{"カナ氏名_姓": "金沢"})
    path = write_registry(tmp_path / "bad.csv",
                          [good, bad_digit, impossible, unknown_reason, duplicate, future,
                           non_kana, person(7)], encoding="cp932")
    with path.open("ab") as handle:  # a row cut short, and one with a byte CP932 cannot read
        handle.write("0000000008,,加賀,花子\r\n".encode("cp932"))
        handle.write(b"0000000009,,\x82\xff,x\r\n")

    report = run(db, path)
    assert (report.inserted, report.rejected) == (2, 8)
    reasons = {int(line): reason for line, reason, _ in reject_rows(report.reject_file)}
    assert set(reasons) == {3, 4, 5, 6, 7, 8, 10, 11}
    assert "検査用数字" in reasons[3]
    assert "存在しない日付" in reasons[4]
    assert "異動事由「帰化」は定義されていません" in reasons[5]
    assert "2行目と重複" in reasons[6]
    assert "未来の日付" in reasons[7]
    assert "片仮名以外" in reasons[8]
    assert "項目数" in reasons[10]
    assert "文字コード" in reasons[11]
    assert resident(db, "0000000001").given_name == "太郎"  # the first of the duplicates


def test_importing_the_same_file_twice_changes_nothing(db, tmp_path):
    rows = [person(n) for n in range(1, 30)]
    rows[3].update({"異動事由": "転入", "異動日": "2023-04-01", "転入前住所": "東京都新宿区架空町1番地",
                    "転入前市町村コード": "131041"})
    rows[5].update({"異動事由": "死亡", "異動日": "2024-02-01"})
    path = write_registry(tmp_path / "full.csv", rows)
    first = run(db, path)
    before = state(db)
    second = run(db, path)
    assert state(db) == before
    assert first.inserted == 29
    assert second.imported_before
    assert (second.inserted, second.updated, second.moved_out, second.deceased,
            second.unchanged) == (0, 0, 0, 0, 29)


def test_a_crash_in_the_middle_resumes_without_duplicates_or_loss(db, tmp_path):
    rows = [person(n) for n in range(1, 251)]
    for n in range(0, 250, 7):
        rows[n].update({"異動事由": "転入", "異動日": "2022-10-01",
                        "転入前住所": "富山県富山市架空町2番地", "転入前市町村コード": "162019"})
    for n in (10, 120, 200):
        rows[n]["生年月日"] = "1999-13-01"
    path = write_registry(tmp_path / "crash.csv", rows)

    batches = []

    def crash_after_three_batches(count: int) -> None:
        batches.append(count)
        if len(batches) == 3:
            raise KeyboardInterrupt  # the operator's Ctrl+C, or a killed process

    with pytest.raises(KeyboardInterrupt):
        run(db, path, batch_size=40, progress=crash_after_three_batches)
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Resident)) == 119  # 120 - 1 bad
        interrupted = session.scalars(select(ImportRun)).one()
        assert interrupted.status == "running" and interrupted.last_line == 121

    resumed = run(db, path, batch_size=40)
    assert resumed.resumed_after_line == 121
    assert (resumed.inserted, resumed.rejected) == (247, 3)
    assert [int(r[0]) for r in reject_rows(resumed.reject_file)] == [12, 122, 202]
    after_crash = state(db)

    empty_all_tables(db)
    clean = run(db, path, batch_size=1000)
    assert state(db) == after_crash
    assert (clean.inserted, clean.rejected) == (247, 3)


def test_search_indexes_dropped_for_a_first_load_are_rebuilt_even_after_a_crash(db, tmp_path):
    postgres = db.dialect == "postgresql"  # SQLite keeps its indexes throughout
    path = write_registry(tmp_path / "first.csv", [person(n) for n in range(1, 121)])

    batches = []

    def crash_after_two_batches(count: int) -> None:
        batches.append(count)
        if len(batches) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(db, path, batch_size=40, progress=crash_after_two_batches)
    with db.transaction() as session:
        assert len(missing_search_indexes(session)) == (len(search_indexes()) if postgres else 0)
        # The unique constraints stay: 宛名番号 and 個人番号 are guarded throughout.
        interrupted = session.scalars(select(ImportRun)).one()
        interrupted.heartbeat_at = utcnow() - STALE_AFTER  # the crashed run is abandoned

    # Any later registry import builds them before it completes, here a delta file.
    delta = run(db, write_registry(tmp_path / "delta.csv", [
        person(1, **{"異動事由": "転出", "異動日": "2025-04-02"})]), mode="delta")
    assert delta.moved_out == 1
    assert delta.indexes_built == (len(search_indexes()) if postgres else 0)
    assert any("検索用の索引" in line for line in summarise(delta)) == postgres
    with db.transaction() as session:
        assert missing_search_indexes(session) == []

    resumed = run(db, path, batch_size=40)
    assert (resumed.resumed_after_line, resumed.inserted, resumed.indexes_built) == (81, 120, 0)
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Resident)) == 120


def test_a_crash_while_the_search_indexes_are_built_leaves_the_run_for_its_re_run(
    db, tmp_path, monkeypatch
):
    def built_then_crashed(session):
        restore_search_indexes(session)
        raise KeyboardInterrupt

    path = write_registry(tmp_path / "first.csv", [person(n) for n in range(1, 31)])
    monkeypatch.setattr(importer, "restore_search_indexes", built_then_crashed)
    with pytest.raises(KeyboardInterrupt):
        run(db, path)
    monkeypatch.undo()
    postgres = db.dialect == "postgresql"
    with db.transaction() as session:  # the index builds were rolled back with the run's end
        assert len(missing_search_indexes(session)) == (len(search_indexes()) if postgres else 0)
        assert session.scalars(select(ImportRun.status)).one() == "running"

    again = run(db, path)
    assert (again.resumed_after_line, again.inserted) == (31, 30)
    assert again.indexes_built == (len(search_indexes()) if postgres else 0)
    with db.transaction() as session:
        assert missing_search_indexes(session) == []


def test_a_load_into_a_nearly_empty_table_still_compares_with_the_stored_people(db, tmp_path):
    run(db, write_registry(tmp_path / "day1.csv", [person(1), person(2)]))
    taken = person(1)["個人番号"]
    rows = [person(2, **{"住所": "石川県金沢市片町二丁目2番99号"})]
    rows += [person(n) for n in range(3, 41)]
    rows.append(person(50, **{"個人番号": taken}))  # person 1's 個人番号, person 1 not listed
    report = run(db, write_registry(tmp_path / "day2.csv", rows))
    assert (report.inserted, report.updated, report.moved_out, report.rejected) == (38, 1, 1, 1)
    [(line, reason, _)] = reject_rows(report.reject_file)
    assert line == "41" and "別の宛名番号（0000000001）で登録済み" in reason
    assert resident(db, "0000000002").address_key == "石川県金沢市片町2-2-99"
    assert report.indexes_built == (len(search_indexes()) if db.dialect == "postgresql" else 0)


def test_full_file_marks_absent_residents_moved_out_and_keeps_the_dead(db, tmp_path):
    rows = [person(n) for n in range(1, 41)]
    rows[0].update({"異動事由": "死亡", "異動日": "2024-01-10"})
    run(db, write_registry(tmp_path / "day1.csv", rows))
    del rows[0]  # the deceased person is no longer listed
    del rows[0]  # nor is person 2, still a resident yesterday
    rows[0]["個人番号"] = "990000000032"  # person 3's row is rejected, but person 3 is listed
    report = run(db, write_registry(tmp_path / "day2.csv", rows))
    assert (report.moved_out, report.rejected) == (1, 1)
    assert resident(db, "0000000003").status == ResidentStatus.RESIDENT
    assert resident(db, "0000000001").status == ResidentStatus.DECEASED
    absent = resident(db, "0000000002")
    assert absent.status == ResidentStatus.MOVED_OUT
    [movement] = movements(db, "0000000002")
    assert movement.kind == MovementKind.MOVED_OUT and "記載がない" in movement.note

    truncated = run(db, write_registry(tmp_path / "day3.csv", rows[:5]))
    assert truncated.moved_out == 0 and "転出扱いにしていません" in truncated.note
    assert resident(db, "0000000030").status == ResidentStatus.RESIDENT


def test_delta_file_applies_each_movement_once(db, tmp_path):
    run(db, write_registry(tmp_path / "base.csv", [person(n) for n in range(1, 6)]))
    delta = write_registry(tmp_path / "delta.csv", [
        person(10, **{"異動事由": "転入", "異動日": "2025-04-01", "転入前住所": "大阪府大阪市架空町3番地",
                      "転入前市町村コード": "271004"}),
        person(1, **{"異動事由": "転出", "異動日": "2025-04-02"}),
        person(2, **{"異動事由": "死亡", "異動日": "2025-04-03"}),
        person(3, **{"氏名_姓": "加賀", "カナ氏名_姓": "カガ", "異動事由": "氏名変更",
                     "異動日": "2025-04-04"}),
        person(4, **{"住所": "石川県金沢市片町1丁目1番1号", "異動事由": "住所変更", "異動日": "2025-04-05"}),
        person(99, **{"異動事由": "転出", "異動日": "2025-04-06"}),
        person(5),
    ], encoding="cp932")
    report = run(db, delta, mode="delta")
    assert (report.inserted, report.moved_out, report.deceased, report.updated,
            report.rejected) == (1, 1, 1, 2, 2)
    reasons = [r[1] for r in reject_rows(report.reject_file)]
    assert "登録されていないため転出を反映できません" in reasons[0]
    assert "異動事由が空です" in reasons[1]

    new = movements(db, "0000000010")
    assert [(m.kind, m.occurred_on, m.previous_value) for m in new] == [
        (MovementKind.MOVED_IN, date(2025, 4, 1), "大阪府大阪市架空町3番地")]
    assert resident(db, "0000000001").moved_out_on == date(2025, 4, 2)
    assert resident(db, "0000000002").died_on == date(2025, 4, 3)
    [renamed] = movements(db, "0000000003")
    assert renamed.kind == MovementKind.NAME_CHANGED and renamed.occurred_on == date(2025, 4, 4)
    assert renamed.previous_value.startswith("金沢") and renamed.new_value.startswith("加賀")
    assert resident(db, "0000000003").name_kanji_key == "加賀太郎"
    [moved] = movements(db, "0000000004")
    assert moved.kind == MovementKind.ADDRESS_CHANGED and moved.new_value.endswith("1番1号")
    assert resident(db, "0000000004").address_key == "石川県金沢市片町1-1-1"

    before = state(db)
    again = run(db, delta, mode="delta")
    assert state(db) == before and again.unchanged == 5


def test_cli_needs_the_mode_and_reports_a_bad_header_in_japanese(cli, tmp_path):
    path = write_registry(tmp_path / "a.csv", [person(1)])
    assert "--full（全件）か --delta" in cli.invoke(args=["residents", "import", str(path)]).output
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("番号,名前\r\n1,x\r\n", encoding="utf-8")
    result = cli.invoke(args=["residents", "import", str(wrong), "--delta"])
    assert result.exit_code == 1
    assert "項目名が定義と一致しません" in result.output and "Traceback" not in result.output
    with pytest.raises(SourceError):
        open_source(tmp_path / "missing.csv")


def test_residence_history_lists_movements_in_date_order(db, tmp_path):
    moved_in = {"異動事由": "転入", "異動日": "2023-04-01", "転入前住所": "福井県福井市架空町5番地",
                "転入前市町村コード": "182010"}
    run(db, write_registry(tmp_path / "full.csv", [person(1, **moved_in)]))
    run(db, write_registry(tmp_path / "d1.csv", [
        person(1, **{"異動事由": "転出", "異動日": "2025-06-01"}),
        person(1, **{"住所": "石川県金沢市長町三丁目3番99号", "異動事由": "住所変更",
                     "異動日": "2025-04-05"}),
    ]), mode="delta")
    with db.transaction() as session:
        history = residence_history(session, resident(db, "0000000001").id)
    assert [(h.kind, h.occurred_on) for h in history] == [
        ("転入", date(2023, 4, 1)), ("住所変更", date(2025, 4, 5)), ("転出", date(2025, 6, 1))]
    assert history[0].previous_value == "福井県福井市架空町5番地"
    assert history[0].previous_municipality_code == "182010"


def test_cli_explains_an_unreachable_database_without_a_traceback(tmp_path):
    app = create_app({"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
                      "SESSHU_ENV": "development", "SECRET_KEY": "x",
                      "SESSHU_INSTANCE_PATH": str(tmp_path)})
    path = write_registry(tmp_path / "a.csv", [person(1)])
    for args in (["residents", "import", str(path), "--full"],
                 ["vaccinations", "import", str(path)]):
        result = app.test_cli_runner().invoke(args=args)
        assert result.exit_code == 1
        assert "データベースに接続できない" in result.output
        assert "Traceback" not in result.output


def test_two_processes_resuming_the_same_run_never_apply_a_batch_twice(db, tmp_path):
    rows = [person(n) for n in range(1, 101)]
    rows[50]["生年月日"] = "1999-13-01"
    path = write_registry(tmp_path / "shared.csv", rows)
    other = []

    def another_process_finishes_the_run(_count):
        if not other:  # after the first batch, a second import of the same file takes over
            other.append(run(db, path, batch_size=20))

    with pytest.raises(ImportBusy, match="別の処理で進んでいる"):
        run(db, path, batch_size=20, progress=another_process_finishes_the_run)
    assert other[0].resumed_after_line == 21
    with db.transaction() as session:
        finished = session.scalars(select(ImportRun)).one()
        assert (finished.status, finished.inserted, finished.rejected) == ("completed", 99, 1)
        assert session.scalar(select(func.count()).select_from(ImportReject)) == 1
        assert session.scalar(select(func.count()).select_from(Resident)) == 99


def test_another_file_waits_while_an_import_is_alive(db, tmp_path):
    full = write_registry(tmp_path / "full.csv", [person(n) for n in range(1, 61)])
    delta = write_registry(tmp_path / "delta.csv",
                           [person(1, **{"異動事由": "転出", "異動日": "2025-04-02"})])
    refused = []

    def delta_meanwhile(_count):
        if not refused:
            with pytest.raises(ImportBusy, match=r"full\.csv"):
                run(db, delta, mode="delta")
            refused.append(True)

    assert run(db, full, batch_size=20, progress=delta_meanwhile).inserted == 60
    assert refused and run(db, delta, mode="delta").moved_out == 1
