"""Server time of the inbox's group view (グループ) with filters, on PostgreSQL at city scale.

    .venv/bin/python benchmarks/inbox.py [--requests 200] [--reuse]
        [--url postgresql+psycopg://postgres@127.0.0.1:5432/sesshu_bench_inbox]

Creates (or with --reuse keeps) a separate database with 1,000,000 fictitious residents,
200,000 cases each with one open task (and one completed earlier task), written directly
with COPY rather than by running workflows. Then a counter clerk logs in through the real
screens and the Flask app serves the group view with each filter below many times; the
time around each request (routing, session and login checks, queries, access-log row,
template) is recorded and p50/p95/p99 printed per filter and over all requests.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import pyotp  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from benchmarks.stack import recreate  # noqa: E402
from models.credentials import hash_password  # noqa: E402
from models.db import Database  # noqa: E402
from models.demo import pools  # noqa: E402
from models.demo.people import synthetic_my_number  # noqa: E402
from web import create_app  # noqa: E402
from web.cli.db import alembic_config  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/sesshu_bench_inbox"
RESIDENTS = 1_000_000
CASES = 200_000
CLERKS = 60
PASSWORD = "bench-inbox-password-2026"
NOW = datetime.now(UTC)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

# (procedure, case-number code, share, [(task name, role)])
PROCEDURES = (
    ("certificate", "CERT", 50, [("申請受付", "counter"), ("本人確認", "counter"), ("接種記録の照会", "counter"),
                                 ("証明書の印刷", "counter"), ("交付", "counter"), ("決裁", "supervisor")]),
    ("relief", "RELIEF", 15, [("書類確認", "examiner"), ("補正依頼", "counter"), ("調査委員会への付議", "examiner"),
                              ("都道府県への進達", "examiner"), ("支給決定", "supervisor")]),
    ("transfer_in", "XFER", 15, [("照会内容の確認", "counter"), ("照会結果の確認", "counter"),
                                 ("履歴の取込", "counter"), ("個別通知", "counter")]),
    ("auto_response_block", "FLAG", 10, [("設定依頼", "counter"), ("内容確認", "supervisor")]),
    ("incoming_query", "QUERY", 5, [("回答内容の確認", "counter")]),
    ("data_export", "EXPORT", 5, [("書き出しの承認", "supervisor")]),
)

SCENARIOS = (
    ("手続", "procedure=certificate"),
    ("手続＋期限超過", "procedure=certificate&overdue=y"),
    ("作業名", "task=本人確認"),
    ("期限（この日まで）", "due_before={soon}"),
    ("カナ氏名（姓）", "q=ヤマダ"),
    ("カナ氏名（姓名）", "q=ヤマダ　タロウ"),
    ("案件番号（前方一致）", "q=R8-CERT-00012"),
    ("手続・5ページ目", "procedure=transfer_in&page=5"),
    ("期限の遅い順＋手続", "procedure=relief&sort=-due"),
)


def populate(url: str, rng: random.Random) -> None:
    from alembic import command

    database = Database(url)
    with database.engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    database.dispose()
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    started = time.perf_counter()
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO department (id, code, name) VALUES (1, 'BENCH', '予防接種係') ")
        secret = pyotp.random_base32()
        cur.execute(
            "INSERT INTO staff (id, login_id, full_name, department_id, password_hash, totp_secret,"
            " may_view_my_number, active, failed_logins, must_change_password, created_at)"
            " SELECT g, 'bench' || g, '職員 ' || g, 1, %s, %s, false, true, 0, false, now()"
            " FROM generate_series(1, %s) g",
            (hash_password(PASSWORD), secret, CLERKS),
        )
        cur.execute("INSERT INTO staff_role (staff_id, role, granted_at)"
                    " SELECT g, CASE WHEN g %% 10 = 0 THEN 'supervisor' WHEN g %% 5 = 0 THEN 'examiner'"
                    " ELSE 'counter' END, now() FROM generate_series(1, %s) g", (CLERKS,))
        cur.execute("INSERT INTO process_definition (id, process_key, version, bpmn_xml, checksum, published_at)"
                    " VALUES (1, 'bench', 1, '', 'bench', now())")
        with cur.copy("COPY resident (id, atena_no, my_number, family_name, given_name, family_name_kana,"
                      " given_name_kana, name_kana, birth_date, sex, postal_code, address, status, updated_at)"
                      " FROM STDIN") as copy:
            for n in range(1, RESIDENTS + 1):
                family = rng.choice(pools.SURNAMES)
                male = rng.random() < 0.5
                given = rng.choice(pools.MALE_GIVEN if male else pools.FEMALE_GIVEN)
                town, postal = rng.choice(pools.TOWNS)
                copy.write_row((
                    n, f"{n:010d}", synthetic_my_number(n), family[0], given[0], family[1], given[1],
                    f"{family[1]}\u3000{given[1]}", date(1940, 1, 1) + timedelta(days=rng.randint(0, 30000)),
                    "1" if male else "2", postal, f"石川県金沢市{town}{rng.randint(1, 5)}丁目{rng.randint(1, 30)}番",
                    "resident", NOW,
                ))
        print(f"  住民 {RESIDENTS:,} 人: {time.perf_counter() - started:.0f} 秒", flush=True)
        residents = rng.sample(range(1, RESIDENTS + 1), CASES)
        weights = [p[2] for p in PROCEDURES]
        serials: dict[str, int] = {}
        cases, instances, tasks = [], [], []
        task_id = 0
        for n in range(1, CASES + 1):
            procedure, code, _, steps = rng.choices(PROCEDURES, weights)[0]
            serials[code] = serials.get(code, 0) + 1
            opened = NOW - timedelta(days=rng.uniform(0, 120))
            cases.append((n, f"R8-{code}-{serials[code]:06d}", procedure, residents[n - 1], "open", opened))
            instances.append((n, n, 1, "running", "{}", "bench", 3, 0, opened, opened))
            position = rng.randrange(len(steps))
            name, role = steps[position]
            if position:
                done_name, done_role = steps[position - 1]
                clerk = rng.randint(1, CLERKS)
                task_id += 1
                tasks.append((task_id, f"b{task_id:035d}", n, n, f"step{position - 1}", done_name, done_role,
                              "completed", clerk, opened, None, opened, clerk, opened + timedelta(hours=1)))
            created = opened + timedelta(hours=2)
            due = created + timedelta(days=rng.choice((3, 7, 14, 30)))
            claimed = rng.random() < 0.3
            task_id += 1
            tasks.append((task_id, f"b{task_id:035d}", n, n, f"step{position}", name, role, "ready",
                          rng.randint(1, CLERKS) if claimed else None, created if claimed else None, due,
                          created, None, None))
        for table, columns, rows in (
            ("case_file", "id, case_no, procedure, resident_id, status, opened_at", cases),
            ("process_instance", "id, case_id, definition_id, status, state_json, serializer_version, revision,"
                                 " error_count, created_at, updated_at", instances),
            ("human_task", "id, task_guid, instance_id, case_id, bpmn_id, name, role, state, assignee_id,"
                           " claimed_at, due_at, created_at, completed_by_id, completed_at", tasks),
        ):
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        for table in ("resident", "case_file", "process_instance", "human_task", "staff"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
        print(f"  案件 {CASES:,} 件・作業 {len(tasks):,} 件: {time.perf_counter() - started:.0f} 秒", flush=True)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def log_in(app, login_id: str):
    client = app.test_client()
    with app.extensions["sesshu_db"].engine.connect() as connection:
        secret = connection.execute(text("SELECT totp_secret FROM staff WHERE login_id = :l"),
                                    {"l": login_id}).scalar_one()
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"login_id": login_id, "password": PASSWORD, "csrf_token": token})
    token = CSRF.search(client.get("/login/code").get_data(as_text=True)).group(1)
    response = client.post("/login/code", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    return client if response.status_code == 302 and response.headers["Location"] == "/" else None


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("SESSHU_BENCH_INBOX_URL", DEFAULT_URL))
    parser.add_argument("--requests", type=int, default=200, help="requests per filter")
    parser.add_argument("--reuse", action="store_true", help="keep the data of an earlier run")
    args = parser.parse_args()
    if not args.reuse:
        print("データを作成しています…", flush=True)
        recreate(args.url)
        populate(args.url, random.Random(5))
    app = create_app({"DATABASE_URL": args.url, "SECRET_KEY": "bench", "SESSHU_ENV": "development",
                      "SESSHU_INSTANCE_PATH": tempfile.mkdtemp(prefix="sesshu-bench-")})
    # A 窓口職員; all share one TOTP secret, so a code used within the last 30 s is refused.
    client = next(c for n in range(1, CLERKS) if n % 5 and (c := log_in(app, f"bench{n}")))
    soon = (NOW + timedelta(days=3)).astimezone(UTC).date().isoformat()
    everything: list[float] = []
    everything_cpu: list[float] = []
    load_before = os.getloadavg()[0]
    print(f"\nグループ表示（窓口職員）、条件ごとに {args.requests} 回、ミリ秒")
    print("経過時間 = リクエストの処理時間（SQL の待ちを含む）、CPU = アプリのプロセスが使った CPU 時間")
    print(f"{'条件':<22}{'経過p50':>8}{'p95':>8}{'p99':>8}{'CPU p50':>10}{'p95':>8}{'件数':>10}")
    for label, query in SCENARIOS:
        url = "/inbox/group?" + query.format(soon=soon)
        first = client.get(url)
        assert first.status_code == 200, first.status_code
        count = first.get_data(as_text=True).split('<div class="pager">', 1)[1].split("<span>", 1)[1].split("件", 1)[0]
        for _ in range(5):
            client.get(url)
        times, cpu = [], []
        for _ in range(args.requests):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            response.get_data()
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        everything.extend(times)
        everything_cpu.extend(cpu)
        print(f"{label:<20}{percentile(times, .5):8.1f}{percentile(times, .95):8.1f}"
              f"{percentile(times, .99):8.1f}{percentile(cpu, .5):10.1f}{percentile(cpu, .95):8.1f}{count:>12}")
    print(f"{'全体':<22}{percentile(everything, .5):8.1f}{percentile(everything, .95):8.1f}"
          f"{percentile(everything, .99):8.1f}{percentile(everything_cpu, .5):10.1f}"
          f"{percentile(everything_cpu, .95):8.1f}")
    print(f"\n{len(everything)} リクエスト（1 リクエストごとにアクセスログ 1 行を記録）。"
          f"負荷平均 開始時 {load_before:.1f} / 終了時 {os.getloadavg()[0]:.1f}（{os.cpu_count()} コア）")


if __name__ == "__main__":
    main()
