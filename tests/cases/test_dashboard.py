"""業務状況: figures on a known office, the weekly chart, and who may see it."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from models.case import Procedure
from models.staff import Role
from tests.cases.fixtures import actor
from tests.cases.helpers import instance_of, ready_task, receive, start
from web.dashboard.chart import HEIGHT, weekly_chart
from web.dashboard.figures import WeekCount
from workflows.service import cancel_case, claim

NOW = datetime(2026, 4, 1, 0, 0, 5, tzinfo=UTC)  # Wednesday 1 April 2026, 09:00 in Japan


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 0, 0, 5, tzinfo=UTC)


@pytest.fixture
def office(db, clock, case_review, make_staff):
    """A: 受付, overdue since 3/20.  B: 決裁, overdue since 3/28.  C: relief, 受付, taken, not due.
    D: in error since 3/31.  E: opened 3/18, cancelled 3/26."""
    counter = actor(make_staff("madoguchi-x", Role.COUNTER), Role.COUNTER)
    colleague = actor(make_staff("madoguchi-y", Role.COUNTER), Role.COUNTER)
    boss = actor(make_staff("kantoku-x", Role.SUPERVISOR), Role.SUPERVISOR)
    cases = {}
    clock.now = at(3, 18)
    cases["A"] = start(db, clock, counter)
    cases["E"] = start(db, clock, counter)
    clock.now = at(3, 25)
    cases["B"] = start(db, clock, counter)
    receive(db, clock, cases["B"], counter)
    clock.now = at(3, 26)
    with db.transaction() as session:
        instance_id = instance_of(session, cases["E"])
        cancel_case(session, instance_id, boss, "取下げ", clock=clock)
    clock.now = at(3, 31)
    cases["D"] = start(db, clock, counter)
    case_review.failures.append(ConnectionError("照会先が応答しません"))
    receive(db, clock, cases["D"], counter)
    clock.now = NOW
    cases["C"] = start(db, clock, counter, procedure=Procedure.RELIEF)
    with db.transaction() as session:
        claim(session, ready_task(db, cases["C"], "receive"), colleague, clock=clock)
    return cases


def table(page: str, table_id: str) -> list[list[str]]:
    body = re.search(rf'<table class="list" id="{table_id}">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    return [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def figure(page: str, figure_id: str) -> int:
    return int(re.search(rf'id="{figure_id}">(\d+)<', page).group(1))


def test_dashboard_figures_on_a_known_office(office, staff_client):
    client, _ = staff_client(Role.SUPERVISOR)
    page = client.get("/dashboard").get_data(as_text=True)

    assert [figure(page, f"total-{name}") for name in ("open", "error", "ready", "unassigned", "overdue")] == [
        3, 1, 3, 2, 2
    ]
    assert table(page, "stages") == [
        ["予防接種証明書の交付", "受付", "1", "1", "1"],
        ["予防接種証明書の交付", "決裁", "1", "0", "1"],
        ["健康被害救済給付請求", "受付", "1", "0", "0"],
    ]
    assert table(page, "lanes") == [
        ["窓口職員", "窓口職員", "2", "1", "1"],
        ["監督者", "監督者", "1", "1", "1"],
    ]
    weeks = table(page, "weeks")
    assert len(weeks) == 12
    assert weeks[-3:] == [["2026-03-16", "2", "0"], ["2026-03-23", "1", "1"], ["2026-03-30", "2", "0"]]
    assert all(row[1:] == ["0", "0"] for row in weeks[:-3])
    oldest = table(page, "oldest")
    case_nos = [row[0] for row in oldest]
    assert [row[5] for row in oldest] == ["14", "7", "1", "0"]
    assert [row[3] for row in oldest] == ["処理中", "処理中", "エラー", "処理中"]
    assert len(set(case_nos)) == 4
    assert f'href="/cases/{office["A"]}"' in page  # a supervisor may open the case
    assert 'href="/cases?status=error"' in page  # and list the cases in error to retry them


def test_chart_bars_are_scaled_to_the_largest_week(office, staff_client):
    client, _ = staff_client(Role.SUPERVISOR)
    page = client.get("/dashboard").get_data(as_text=True)
    heights = {title: float(height) for height, title in re.findall(r'height="([\d.]+)"><title>([^<]+)</title>', page)}
    assert len(re.findall(r'<rect class="bar-(?:opened|closed)" x=[^>]*><title>', page)) == 24
    full = heights["3/16の週 受付 2件"]
    assert full > 0
    assert heights["3/23の週 受付 1件"] == pytest.approx(full / 2, abs=0.1)
    assert heights["3/23の週 完了・取消 1件"] == pytest.approx(full / 2, abs=0.1)
    assert heights["3/30の週 受付 2件"] == full
    assert heights["3/30の週 完了・取消 0件"] == 0


def test_chart_axis_uses_round_steps():
    weeks = [WeekCount(datetime(2026, 3, 2 + 7 * i).date(), opened, 3) for i, opened in enumerate([37, 12, 0])]
    chart = weekly_chart(weeks)
    assert [t.value for t in chart.ticks] == [0, 10, 20, 30, 40]
    assert chart.ticks[0].y == chart.baseline and chart.ticks[-1].y < chart.baseline
    tallest = max(chart.bars, key=lambda b: b.height)
    assert tallest.title == "3/2の週 受付 37件"
    assert tallest.y + tallest.height == chart.baseline < HEIGHT


def test_process_owners_see_the_figures_but_not_the_cases(office, staff_client):
    client, _ = staff_client(Role.PROCESS_OWNER)
    page = client.get("/dashboard").get_data(as_text=True)
    assert figure(page, "total-open") == 3
    assert 'href="/cases' not in page
    assert client.get(f"/cases/{office['A']}").status_code == 403


def test_navigation_offers_each_screen_only_to_its_roles(staff_client):
    for roles, expected in (
        ((Role.COUNTER,), {"案件検索"}),
        ((Role.SUPERVISOR,), {"案件検索", "業務状況"}),
        ((Role.PROCESS_OWNER,), {"業務状況"}),
        ((Role.AUDITOR,), set()),
    ):
        client, _ = staff_client(*roles)
        nav = re.search(r'<nav class="site-nav".*?</nav>', client.get("/").get_data(as_text=True), re.S).group(0)
        shown = {label for label in ("案件検索", "業務状況") if f">{label}</a>" in nav}
        assert shown == expected, roles
