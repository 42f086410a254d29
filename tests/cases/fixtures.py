"""Fixtures for the case screens (loaded for every test): a small deployed process, residents, actors."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from handlers import registry
from models.demo.people import synthetic_my_number
from models.resident import Resident
from workflows.definitions import deploy
from workflows.service import Actor

BPMN = Path(__file__).parent / "case_review.bpmn"


@dataclass
class Lookup:
    """The service task's operator; queue exceptions in `failures` to make it fail."""

    failures: list[Exception] = field(default_factory=list)
    calls: int = 0


@pytest.fixture
def case_review(db):
    """`case_review` deployed: 受付・内容確認 (窓口) → 接種記録の照会 → 決裁 (監督者, 7-day timer)
    → message `reply` → 結果の通知 (窓口)."""
    lookup = Lookup()

    def run(context, case_id):
        lookup.calls += 1
        if lookup.failures:
            raise lookup.failures.pop(0)
        return {"found": True}

    registry.register("test/case_lookup", run, ["case_id"], "試験用の照会")
    with db.transaction() as session:
        deploy(session, BPMN.read_bytes(), note="試験")
    yield lookup
    registry.unregister("test/case_lookup")


@pytest.fixture
def make_resident(db):
    serials = iter(range(1, 10_000))

    def create(family_kana: str = "ヤマダ", given_kana: str = "タロウ", *,
               birth_date: date = date(1980, 5, 17), family: str = "山田", given: str = "太郎") -> Resident:
        serial = next(serials)
        with db.transaction() as session:
            person = Resident(
                atena_no=f"{serial:010d}", my_number=synthetic_my_number(serial),
                family_name=family, given_name=given, family_name_kana=family_kana,
                given_name_kana=given_kana, name_kana=f"{family_kana}\u3000{given_kana}",
                birth_date=birth_date, sex="1", postal_code="9200000",
                address=f"石川県金沢市試験町{serial}番地", status="resident",
            )
            session.add(person)
            session.flush()
            session.expunge(person)
            return person

    return create


def actor(account, *roles) -> Actor:
    return Actor(account.id, frozenset(roles), terminal="127.0.0.1 pytest")
