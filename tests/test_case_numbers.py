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


def test_concurrent_case_openings_never_share_a_number(db):
    """Eight clerks open cases at the same moment: eight distinct, gap-free numbers."""
    import threading

    numbers: list[str] = []
    barrier = threading.Barrier(8)

    def open_case():
        barrier.wait()
        with db.transaction() as session:
            numbers.append(next_case_no(session, Procedure.CERTIFICATE, date(2026, 11, 26)))

    threads = [threading.Thread(target=open_case) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers) == [f"R8-CERT-{n:06d}" for n in range(1, 9)]
