"""個人番号 is shown in full only to staff holding the permission: on screens and in files."""

from __future__ import annotations

import pytest
from flask import Blueprint, Response, render_template_string

from models.my_number_access import (
    MyNumberPermissionError,
    require_my_number_search,
    visible_my_number,
)
from models.staff import Role, Staff
from tests.auth_helpers import log_in
from web import create_app
from web.clock import set_clock
from web.masking import require_my_number_search as require_in_request
from web.masking import shown_my_number
from web.security import login_only

MY_NUMBER = "993456789016"


@pytest.fixture
def screen_app(environ, clock):
    """The real app plus one screen, one CSV and one search the way residents' screens use them."""
    app = create_app(environ)
    bp = Blueprint("sample", __name__)

    @bp.get("/sample/person")
    @login_only
    def person():
        return render_template_string("<p>個人番号: {{ number | my_number }}</p>", number=MY_NUMBER)

    @bp.get("/sample/person.csv")
    @login_only
    def person_csv():
        return Response(f"宛名番号,個人番号\r\n0000000101,{shown_my_number(MY_NUMBER)}\r\n",
                        mimetype="text/csv")

    @bp.get("/sample/search")
    @login_only
    def search():
        require_in_request()
        return "検索結果"

    app.register_blueprint(bp)
    set_clock(app, clock)
    return app


def test_staff_without_the_permission_see_the_masked_number_everywhere(screen_app, make_staff, clock):
    client = screen_app.test_client()
    log_in(client, make_staff("madoguchi8", Role.COUNTER, may_view_my_number=False), clock.now)
    screen = client.get("/sample/person").get_data(as_text=True)
    assert "********9016" in screen and MY_NUMBER not in screen
    file = client.get("/sample/person.csv").get_data(as_text=True)
    assert "********9016" in file and MY_NUMBER not in file
    refused = client.get("/sample/search")
    assert refused.status_code == 403
    assert "個人番号では検索できません" in refused.get_data(as_text=True)


def test_staff_with_the_permission_see_the_full_number(screen_app, make_staff, clock):
    client = screen_app.test_client()
    log_in(client, make_staff("madoguchi7", Role.COUNTER, may_view_my_number=True), clock.now)
    assert MY_NUMBER in client.get("/sample/person").get_data(as_text=True)
    assert MY_NUMBER in client.get("/sample/person.csv").get_data(as_text=True)
    assert client.get("/sample/search").get_data(as_text=True) == "検索結果"


def test_generated_files_outside_a_request_mask_for_the_named_staff():
    holder = Staff(login_id="a", full_name="a", may_view_my_number=True, active=True)
    other = Staff(login_id="b", full_name="b", may_view_my_number=False, active=True)
    disabled = Staff(login_id="c", full_name="c", may_view_my_number=True, active=False)
    assert visible_my_number(MY_NUMBER, holder) == MY_NUMBER
    assert visible_my_number(MY_NUMBER, other) == "********9016"
    assert visible_my_number(MY_NUMBER, disabled) == "********9016"
    assert visible_my_number(MY_NUMBER, None) == "********9016"
    require_my_number_search(holder)
    with pytest.raises(MyNumberPermissionError):
        require_my_number_search(other)
