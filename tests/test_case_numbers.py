from datetime import date

from models.case import Procedure, next_case_no


def test_case_numbers_count_up_per_fiscal_year_and_procedure(db):
    with db.transaction() as session:
        assert next_case_no(session, Procedure.CERTIFICATE, date(2026, 11, 26)) == "R8-CERT-000001"
        assert next_case_no(session, Procedure.CERTIFICATE, date(2026, 11, 26)) == "R8-CERT-000002"
        assert next_case_no(session, Procedure.RELIEF, date(2026, 11, 26)) == "R8-RELIEF-000001"
        # 令和7年度 runs to 2026-03-31.
        assert next_case_no(session, Procedure.CERTIFICATE, date(2026, 3, 31)) == "R7-CERT-000001"
    with db.transaction() as session:
        assert next_case_no(session, Procedure.CERTIFICATE, date(2027, 1, 5)) == "R8-CERT-000003"
