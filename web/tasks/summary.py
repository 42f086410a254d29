"""Extra lines of a case summary beside the task form, contributed per procedure.

A procedure whose cases receive documents (e.g. 健康被害救済の請求書類) registers what to show:

    from web.tasks.summary import register_case_details
    register_case_details(Procedure.RELIEF, lambda session, case: [("受領書類", "診断書、請求書")])

The function returns (label, text) pairs; text is escaped when shown.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from models.case import Case, Procedure

Details = Callable[[Session, Case], list[tuple[str, str]]]
_DETAILS: dict[str, list[Details]] = {}


def register_case_details(procedure: Procedure | str, details: Details) -> None:
    _DETAILS.setdefault(str(procedure), []).append(details)


def case_details(session: Session, case: Case) -> list[tuple[str, str]]:
    return [line for details in _DETAILS.get(case.procedure, []) for line in details(session, case)]
