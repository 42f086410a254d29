"""Every registered route against every role, an anonymous visitor and a half-logged-in one.

EXPECTED classifies each endpoint. A route added anywhere in Sesshu fails
`test_every_route_is_classified` until it is classified here, so nobody can add
a screen without deciding who may reach it.
"""

from __future__ import annotations

import pytest
from flask import Blueprint

from models.staff import Role
from tests.auth_helpers import log_in, submit_password
from web import create_app
from web.security import LOGIN, LOGIN_STEP, PUBLIC, Access, Level, access_for, login_only

ADMIN = Access(Level.LOGIN, frozenset({Role.ADMIN}))
AUDITOR = Access(Level.LOGIN, frozenset({Role.AUDITOR}))
RELIEF_STAFF = Access(Level.LOGIN, frozenset({Role.COUNTER, Role.EXAMINER, Role.SUPERVISOR}))
RELIEF_REVIEWERS = Access(Level.LOGIN, frozenset({Role.EXAMINER, Role.SUPERVISOR}))
COUNTER = Access(Level.LOGIN, frozenset({Role.COUNTER}))
CERTIFICATE_STAFF = Access(Level.LOGIN, frozenset({Role.COUNTER, Role.SUPERVISOR}))
CASE_WORKERS = Access(Level.LOGIN, frozenset({Role.COUNTER, Role.SUPERVISOR, Role.EXAMINER}))
SUPERVISOR = Access(Level.LOGIN, frozenset({Role.SUPERVISOR}))
OVERSEERS = Access(Level.LOGIN, frozenset({Role.SUPERVISOR, Role.PROCESS_OWNER}))
EXCHANGE = Access(Level.LOGIN, frozenset({Role.COUNTER, Role.SUPERVISOR, Role.FLAG_OFFICER}))
FLAGS = Access(Level.LOGIN, frozenset({Role.FLAG_OFFICER, Role.SUPERVISOR}))
TRANSFER = Access(Level.LOGIN, frozenset({Role.COUNTER, Role.SUPERVISOR}))
PROCESS_OWNER = Access(Level.LOGIN, frozenset({Role.PROCESS_OWNER}))
RESIDENT_STAFF = Access(Level.LOGIN, frozenset({Role.COUNTER, Role.SUPERVISOR, Role.EXAMINER}))
COUNTER_OR_SUPERVISOR = Access(Level.LOGIN, frozenset({Role.COUNTER, Role.SUPERVISOR}))
COUNTER = Access(Level.LOGIN, frozenset({Role.COUNTER}))
SUPERVISOR = Access(Level.LOGIN, frozenset({Role.SUPERVISOR}))
ANY_ROLE = Access(Level.LOGIN, frozenset(Role))

EXPECTED: dict[str, Access] = {
    "static": PUBLIC,
    "health.healthz": PUBLIC,
    "health.ready": PUBLIC,
    "certificates_public.jwks": PUBLIC,
    "auth.login": PUBLIC,
    "auth.code": LOGIN_STEP,
    "auth.enrol": LOGIN_STEP,
    "auth.logout": LOGIN,
    "auth.change_password": LOGIN,
    "home.index": LOGIN,
    "admin.staff_list": ADMIN,
    "admin.issue": ADMIN,
    "admin.staff_detail": ADMIN,
    "admin.permissions": ADMIN,
    "admin.disable": ADMIN,
    "admin.enable": ADMIN,
    "admin.reset_password": ADMIN,
    "admin.reset_totp": ADMIN,
    "admin.review": ADMIN,
    "admin.departments": ADMIN,
    "audit.access_log": AUDITOR,
    "audit.access_log_csv": AUDITOR,
    "audit.security_log": AUDITOR,
    "audit.integrity": AUDITOR,
    "relief_status.index": PUBLIC,
    "relief.index": RELIEF_STAFF,
    "relief.new": COUNTER,
    "relief.claim_of_case": RELIEF_STAFF,
    "relief.claim": RELIEF_STAFF,
    "relief.vaccinations": RELIEF_STAFF,
    "relief.receipt_slip": RELIEF_STAFF,
    "relief.letter": RELIEF_STAFF,
    "relief.documents": RELIEF_STAFF,
    "relief.upload": RELIEF_STAFF,
    "relief.attachment": RELIEF_STAFF,
    "relief.add_receipt": RELIEF_STAFF,
    "relief.add_allowance_month": RELIEF_STAFF,
    "relief.withdrawal": RELIEF_STAFF,
    "relief.national_result": RELIEF_REVIEWERS,
    "relief.appeal": RELIEF_REVIEWERS,
    "relief.ruling": RELIEF_REVIEWERS,
    "relief_rates.index": ADMIN,
    "certificates.new": COUNTER,
    "certificates.certificate_file": CERTIFICATE_STAFF,
    "certificates.certificate_shc_text": CERTIFICATE_STAFF,
    "certificates.rejection_file": CERTIFICATE_STAFF,
    "cases.search": CASE_WORKERS,
    "cases.show": CASE_WORKERS,
    "cases.diagram": CASE_WORKERS,
    "cases.retry_case": SUPERVISOR,
    "cases.cancel": SUPERVISOR,
    "dashboard.index": OVERSEERS,
    # Authenticated by the HMAC signature of each message, not by a login.
    "intermediary.callback": PUBLIC,
    "exchange.index": EXCHANGE,
    "exchange.resident": EXCHANGE,
    "exchange.case": EXCHANGE,
    "exchange.transfer_in_start": TRANSFER,
    "exchange.notice_pdf": TRANSFER,
    "exchange.flag": FLAGS,
    "exchange.flag_start": Access(Level.LOGIN, frozenset({Role.FLAG_OFFICER})),
    "exchange.provisions": Access(Level.LOGIN, frozenset({Role.SUPERVISOR, Role.FLAG_OFFICER, Role.AUDITOR})),
    "processes.index": PROCESS_OWNER,
    "processes.import_new": PROCESS_OWNER,
    "processes.edit": PROCESS_OWNER,
    "processes.document": PROCESS_OWNER,
    "processes.catalog": PROCESS_OWNER,
    "processes.save_draft": PROCESS_OWNER,
    "processes.prepare": PROCESS_OWNER,
    "processes.validate": PROCESS_OWNER,
    "processes.publish": PROCESS_OWNER,
    "processes.versions": PROCESS_OWNER,
    "processes.approve": PROCESS_OWNER,
    "processes.reject": PROCESS_OWNER,
    "processes.version_xml": PROCESS_OWNER,
    "processes.restore": PROCESS_OWNER,
    "processes.compare": PROCESS_OWNER,
    "processes.migration_screen": PROCESS_OWNER,
    "processes.migrate": PROCESS_OWNER,
    "processes.revert_migration": PROCESS_OWNER,
    "residents.search": RESIDENT_STAFF,
    "residents.run_search": RESIDENT_STAFF,
    "residents.open_person": RESIDENT_STAFF,
    "residents.show": RESIDENT_STAFF,
    "residents.new_dose": COUNTER_OR_SUPERVISOR,
    "residents.correct": COUNTER_OR_SUPERVISOR,
    "exports.index": COUNTER_OR_SUPERVISOR,
    "exports.new": COUNTER,
    "exports.show": COUNTER_OR_SUPERVISOR,
    "exports.for_case": COUNTER_OR_SUPERVISOR,
    "exports.decide": SUPERVISOR,
    "exports.prepare": COUNTER,
    "exports.download": COUNTER,
    "retention.index": OVERSEERS,
    "imports.index": ADMIN,
    "imports.registry": ADMIN,
    "imports.vaccinations": ADMIN,
    "imports.rejects": ADMIN,
    "retention.new": PROCESS_OWNER,
    "retention.show": OVERSEERS,
    "inbox.index": ANY_ROLE,
    "inbox.save_filter": ANY_ROLE,
    "inbox.apply_filter": ANY_ROLE,
    "inbox.delete_filter": ANY_ROLE,
    "inbox.bulk_action": ANY_ROLE,
    "tasks.show": ANY_ROLE,
    "tasks.complete": ANY_ROLE,
    "tasks.save_draft": ANY_ROLE,
    "tasks.discard_draft": ANY_ROLE,
    "tasks.claim": ANY_ROLE,
    "tasks.unclaim": ANY_ROLE,
    "tasks.reassign": ANY_ROLE,
    "jobs.index": LOGIN,
    "jobs.show": LOGIN,
    "jobs.progress": LOGIN,
}

def test_every_route_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    unclassified = endpoints - set(EXPECTED)
    assert not unclassified, f"classify these routes in EXPECTED: {sorted(unclassified)}"
    assert not set(EXPECTED) - endpoints, "EXPECTED names routes that no longer exist"


def test_each_route_declares_exactly_the_expected_access(app):
    for endpoint, expected in EXPECTED.items():
        assert access_for(app, endpoint) == expected, endpoint


def _requests(app):
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        # An id no row has: reaching the view shows as 404, a refusal as 403 or a login redirect.
        url = adapter.build(rule.endpoint, dict.fromkeys(rule.arguments, 999999))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def _to_login(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.fixture
def visitors(app, make_staff, clock):
    """One client per kind of visitor, each logged in through the real screens."""
    clients = {"anonymous": app.test_client()}
    pending = app.test_client()
    submit_password(pending, make_staff("pending1", Role.ADMIN, Role.AUDITOR).login_id)
    clients["pending"] = pending
    kinds: dict[str, tuple[Role, ...]] = {"no_role": ()}
    kinds.update({role.value: (role,) for role in Role})
    for name, roles in kinds.items():
        client = app.test_client()
        response = log_in(client, make_staff(f"user_{name}", *roles), clock.now)
        assert response.headers["Location"] == "/", name
        clients[name] = client
    return clients


def test_matrix_of_routes_and_visitors(app, visitors):
    failures = []
    for endpoint, method, url in _requests(app):
        expected = EXPECTED[endpoint]
        for kind, client in visitors.items():
            response = client.open(url, method=method)
            response.get_data()  # consume streamed bodies, as a server does
            response.close()
            if kind == "anonymous":
                ok = (not _to_login(response) and response.status_code != 403
                      if expected.level is Level.PUBLIC else _to_login(response))
            elif kind == "pending":
                ok = (_to_login(response) if expected.level is Level.LOGIN
                      else response.status_code != 403)
            else:
                staff_roles = frozenset() if kind == "no_role" else frozenset({Role(kind)})
                if expected.level is Level.LOGIN and expected.allows(staff_roles):
                    ok = response.status_code != 403 and not _to_login(response)
                elif expected.level is Level.LOGIN:
                    ok = response.status_code == 403
                else:
                    ok = response.status_code != 403
            if not ok:
                failures.append(f"{method} {url} as {kind}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_a_route_that_declares_nothing_is_refused_to_everyone(environ, make_staff, clock):
    app = create_app(environ)
    bp = Blueprint("undeclared", __name__)

    @bp.get("/undeclared")
    def undeclared():
        return "personal data"

    @bp.get("/declared")
    @login_only
    def declared():
        return "fine"

    app.register_blueprint(bp)
    from web.clock import set_clock

    set_clock(app, clock)
    client = app.test_client()
    assert client.get("/undeclared").status_code == 403
    log_in(client, make_staff("kanri9", *Role), clock.now)
    assert client.get("/declared").status_code == 200
    response = client.get("/undeclared")
    assert response.status_code == 403
    assert "personal data" not in response.get_data(as_text=True)
