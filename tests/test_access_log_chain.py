"""The access log and the operation log are hash-chained: tampering is found, purging is not."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, text, update

from models import hash_chain
from models.access_log import ACCESS_LOG_CHAIN, AccessAction, AccessLog, Actor, record_access
from models.security_event import (
    SECURITY_EVENT_CHAIN,
    SecurityEvent,
    SecurityEventKind,
    record_event,
)

ACTOR = Actor(None, "試験 太郎", "テスト課", "127.0.0.1 pytest")


def write_rows(db, count: int, start: datetime | None = None) -> list[int]:
    ids = []
    for i in range(count):
        with db.transaction() as session:
            at = start + timedelta(days=i) if start else None
            row = record_access(session, ACTOR, AccessAction.VIEW, atena_no=f"{i:010d}",
                                reason="窓口での証明書交付申請", detail=f"行{i}", now=at)
            ids.append(row.id)
    return ids


def verify(db, spec=ACCESS_LOG_CHAIN):
    with db.Session() as session:
        return hash_chain.verify(session, spec)


def test_untouched_chain_verifies_and_the_cli_says_so(db, cli):
    write_rows(db, 5)
    assert verify(db) == (5, None)
    result = cli.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "アクセスログ: 5 行を検査しました。改ざんは見つかりませんでした。" in result.output


def test_altered_row_is_named_by_verify(db, cli):
    ids = write_rows(db, 5)
    with db.engine.begin() as connection:
        connection.execute(
            update(AccessLog).where(AccessLog.id == ids[2]).values(atena_no="9999999999")
        )
    checked, failure = verify(db)
    assert checked == 2
    assert failure.row_id == ids[2]
    result = cli.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"ID {ids[2]} の行の内容が改ざんされています" in result.output


def test_altered_row_with_a_recomputed_hash_breaks_the_link_to_the_next_row(db):
    ids = write_rows(db, 4)
    with db.Session() as session:
        row = session.get(AccessLog, ids[1])
        row.detail = "書き換え"
        new_hash = hash_chain.compute_hash(
            [getattr(row, f) for f in ACCESS_LOG_CHAIN.fields], row.prev_hash)
    with db.engine.begin() as connection:
        connection.execute(update(AccessLog).where(AccessLog.id == ids[1])
                           .values(detail="書き換え", row_hash=new_hash))
    assert verify(db)[1].row_id == ids[2]


def test_deleted_rows_are_found_in_the_middle_and_at_the_end(db):
    ids = write_rows(db, 5)
    with db.engine.begin() as connection:
        connection.execute(delete(AccessLog).where(AccessLog.id == ids[4]))
    failure = verify(db)[1]
    assert failure.row_id == ids[4]
    assert "末尾の行が削除" in failure.message
    with db.engine.begin() as connection:
        connection.execute(delete(AccessLog).where(AccessLog.id == ids[1]))
    assert verify(db)[1].row_id == ids[2]


def test_operation_log_is_chained_too(db, cli):
    with db.transaction() as session:
        for _ in range(3):
            record_event(session, SecurityEventKind.LOGIN, actor=ACTOR)
    assert verify(db, SECURITY_EVENT_CHAIN) == (3, None)
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE security_event SET event = 'logout' WHERE id = "
                                "(SELECT MIN(id) FROM security_event)"))
    result = cli.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "ログイン・操作ログ: ID" in result.output


def test_purge_removes_old_rows_and_keeps_the_chain_verifiable(db, cli):
    start = datetime(2015, 1, 1, 3, 0, tzinfo=UTC)
    ids = write_rows(db, 6, start=start)  # 2015-01-01 .. 2015-01-06
    result = cli.invoke(args=["audit", "purge", "--before", "2015-01-04", "--yes"])
    assert result.exit_code == 0, result.output
    assert "アクセスログ: 3 行を削除しました。" in result.output
    with db.Session() as session:
        assert session.scalars(select(AccessLog.id).order_by(AccessLog.id)).all() == ids[3:]
    assert verify(db) == (3, None)
    write_rows(db, 2)
    assert verify(db) == (5, None)
    # Deleting the new first row is still detected.
    with db.engine.begin() as connection:
        connection.execute(delete(AccessLog).where(AccessLog.id == ids[3]))
    assert verify(db)[1].row_id == ids[4]
    # The purge itself is in the operation log.
    with db.Session() as session:
        [purge] = session.scalars(select(SecurityEvent).where(
            SecurityEvent.event == SecurityEventKind.LOG_PURGED.value)).all()
    assert "アクセスログ 3 行" in purge.detail


def test_purging_everything_leaves_a_chain_that_new_rows_continue(db):
    write_rows(db, 3, start=datetime(2014, 5, 1, tzinfo=UTC))
    with db.transaction() as session:
        assert hash_chain.purge_before(session, ACCESS_LOG_CHAIN,
                                       datetime(2015, 1, 1, tzinfo=UTC)) == 3
    assert verify(db) == (0, None)
    write_rows(db, 2)
    assert verify(db) == (2, None)


def test_purge_refuses_dates_inside_the_seven_year_retention(db, cli):
    write_rows(db, 2)
    recent = (datetime.now(UTC) - timedelta(days=365 * 6)).date().isoformat()
    result = cli.invoke(args=["audit", "purge", "--before", recent, "--yes"])
    assert result.exit_code != 0
    assert "保存期間（7年）内の記録は削除できません" in result.output
    assert verify(db) == (2, None)


def test_concurrent_appends_never_fork_the_chain(db):
    workers, per_worker = 6, 15
    errors: list[BaseException] = []
    barrier = threading.Barrier(workers)

    def work(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_worker):
                with db.transaction() as session:
                    record_access(session, ACTOR, AccessAction.SEARCH,
                                  atena_no=f"{n:05d}{i:05d}")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert verify(db) == (workers * per_worker, None)
    with db.Session() as session:
        prev = session.scalars(select(AccessLog.prev_hash)).all()
    assert len(set(prev)) == len(prev)  # no two rows link to the same predecessor



def test_a_row_added_behind_the_applications_back_is_found(db):
    ids = write_rows(db, 3)
    with db.Session() as session:
        last = session.get(AccessLog, ids[-1])
        forged = AccessLog(at=last.at, staff_name="偽装", action="view", atena_no="0000000999",
                           prev_hash=last.row_hash)
        forged.row_hash = hash_chain.compute_hash(
            [getattr(forged, f) for f in ACCESS_LOG_CHAIN.fields], forged.prev_hash)
        session.add(forged)
        session.commit()
        forged_id = forged.id
    assert verify(db)[1].row_id == forged_id


def test_rows_appended_during_verification_are_not_a_break(db, monkeypatch):
    write_rows(db, 3)
    walk = hash_chain._rows

    def walk_while_another_terminal_appends(session, spec, start_id):
        write_rows(db, 2)  # lands after verify read the head, before it reads the rows
        yield from walk(session, spec, start_id)

    monkeypatch.setattr(hash_chain, "_rows", walk_while_another_terminal_appends)
    assert verify(db) == (5, None)
