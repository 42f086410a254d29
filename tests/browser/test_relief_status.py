"""A claimant checks a relief claim on the public status page in a browser.

The claim is received through the engine here; receiving it through the staff task
screen (/tasks/<guid>) belongs to the screen's own browser test once that screen exists.
"""

import pytest

from handlers.relief.claims import issue_access_code
from tests.relief.conftest import (  # noqa: F401  (fixtures)
    actors,
    moving_clock,
    relief_process,
    vaccinated,
    walker,
)
from tests.relief.helpers import claim_of_case

pytestmark = pytest.mark.browser


def test_claimant_sees_documents_being_checked(page, live_server, walker, vaccinated, db):  # noqa: F811
    walker.start(vaccinated, "medical_cost")
    with db.transaction() as session:
        code = issue_access_code(session, claim_of_case(session, walker.case_id), walker.clock())
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(live_server + "/status")
    page.get_by_label("受付番号").fill(walker.case_no)
    page.get_by_label("アクセスコード").fill(code)
    page.get_by_role("button", name="確認する").click()

    assert page.locator(".status-current").inner_text() == "書類確認中"
    assert "試験" not in page.content()
    assert errors == []
