"""Load test on loopback: gunicorn (2 workers) + a workflow worker against PostgreSQL.

    .venv/bin/python benchmarks/load.py [--seconds 60] [--sessions 20] [--think 0.5]
        [--url postgresql+psycopg://postgres@127.0.0.1:5432/sesshu_load] [--port 5400]

Recreates the database, seeds the demo city plus one counter account per session holding
open cases, starts the servers on 127.0.0.1, and lets each session log in through the real
login (password + TOTP from the account's demo secret) and work in a loop: 受信トレイ,
open a task, complete it, search cases by 宛名番号, search residents by 接種券番号, with a
random pause (`--think` seconds on average) between clicks. Stops after `--seconds` and
prints requests/s, p50/p95/p99 per action and the errors (any answer other than the
expected one). Exits 1 when there were errors.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from sqlalchemy import create_engine, select

from benchmarks import stack
from models.resident import Resident

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/sesshu_load"


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)

    def record(self, action: str, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.times[action].append(seconds)
            if error:
                self.errors[action].append(error)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def timed(results: Results, action: str, client: httpx.Client, method: str, url: str,
          expected: tuple[int, ...], **kwargs) -> httpx.Response | None:
    started = time.perf_counter()
    try:
        response = client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        results.record(action, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
        return None
    elapsed = time.perf_counter() - started
    error = None if response.status_code in expected else f"HTTP {response.status_code} {url}"
    results.record(action, elapsed, error)
    return response if error is None else None


def session_loop(clerk: stack.Clerk, base: str, deadline: float, think: float, lookups: list[tuple[str, str]],
                 results: Results, rng: random.Random) -> None:
    with httpx.Client(base_url=base, timeout=30, follow_redirects=False) as client:
        started = time.perf_counter()
        try:
            stack.log_in(client, clerk.login_id, clerk.secret)
            results.record("login", time.perf_counter() - started)
        except (RuntimeError, httpx.HTTPError) as exc:
            results.record("login", time.perf_counter() - started, str(exc))
            return

        def pause() -> None:
            time.sleep(rng.uniform(0, 2 * think))

        while time.monotonic() < deadline:
            inbox = timed(results, "inbox", client, "GET", "/inbox/", (200,))
            pause()
            guids = stack.TASK_LINK.findall(inbox.text) if inbox is not None else []
            if guids and time.monotonic() < deadline:
                guid = rng.choice(guids)
                page = timed(results, "open task", client, "GET", f"/tasks/{guid}", (200,))
                pause()
                if page is not None and time.monotonic() < deadline:
                    revision = stack.REVISION.search(page.text)
                    data = {"csrf_token": stack.csrf(page.text), "checked": "y", "remark": "負荷試験"}
                    if revision:
                        data["_revision"] = revision.group(1)
                    timed(results, "complete task", client, "POST", f"/tasks/{guid}", (302,), data=data)
                    pause()
            if time.monotonic() >= deadline:
                break
            atena_no, voucher_no = rng.choice(lookups)
            found = timed(results, "case search", client, "GET", "/cases",
                          (200,), params={"atena_no": atena_no, "reason": "本人・代理人からの問い合わせ"})
            if found is not None and "-CERT-" not in found.text:
                results.errors["case search"].append(f"no case found for 宛名番号 {atena_no}")
            pause()
            if time.monotonic() >= deadline:
                break
            form = timed(results, "resident search", client, "GET", "/residents/", (200,))
            if form is not None:
                timed(results, "resident search", client, "POST", "/residents/", (200,),
                      data={"csrf_token": stack.csrf(form.text), "mode": "voucher", "voucher_no": voucher_no})
            pause()


def report(results: Results, seconds: float) -> int:
    total = sum(len(v) for v in results.times.values())
    errors = sum(len(v) for v in results.errors.values())
    print(f"\n{total} requests in {seconds:.0f} s: {total / seconds:.1f} requests/s, {errors} errors")
    print(f"{'action':<16}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for action in ("login", "inbox", "open task", "complete task", "case search", "resident search"):
        values = results.times.get(action, [])
        print(f"{action:<16}{len(values):>7}{percentile(values, .5) * 1000:>9.0f}"
              f"{percentile(values, .95) * 1000:>9.0f}{percentile(values, .99) * 1000:>9.0f}"
              f"{len(results.errors.get(action, [])):>8}")
    for action, messages in results.errors.items():
        for message in sorted(set(messages))[:5]:
            print(f"  error in {action}: {message}")
    return 1 if errors else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--think", type=float, default=0.5, help="mean pause between clicks (s)")
    parser.add_argument("--cases-each", type=int, default=40, help="open cases per session's account")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--port", type=int, default=5400)
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="sesshu-load-"))
    print(f"preparing {args.url} (demo city, {args.sessions} accounts x {args.cases_each} open cases)…")
    env = stack.prepare(args.url, instance)
    clerks = stack.seed_clerks_and_cases(env, args.sessions, args.cases_each)
    engine = create_engine(args.url)
    with engine.connect() as connection:
        lookups = [(a, v) for a, v in connection.execute(
            select(Resident.atena_no, Resident.voucher_no)
            .where(Resident.voucher_no.is_not(None)).order_by(Resident.id).limit(args.sessions * args.cases_each))]
    engine.dispose()

    results = Results()
    with stack.running(env, args.port, web_workers=args.web_workers, log_dir=instance) as servers:
        print(f"gunicorn ({args.web_workers} workers) and a workflow worker ready on {servers.base}; "
              f"{args.sessions} sessions for {args.seconds:g} s…")
        began = time.monotonic()
        deadline = began + args.seconds
        threads = [
            threading.Thread(target=session_loop, args=(clerk, servers.base, deadline, args.think, lookups,
                                                         results, random.Random(n)))
            for n, clerk in enumerate(clerks)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 120)
        elapsed = time.monotonic() - began
    return report(results, elapsed)


if __name__ == "__main__":
    sys.exit(main())
