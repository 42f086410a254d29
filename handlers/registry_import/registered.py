"""The 宛名番号 and 個人番号 already in `resident`, held in memory during a first load.

While the table is first loaded nearly every row is a new person, and asking the
database about each batch's numbers costs more than inserting the rows. Only
registry imports write these two columns, one import at a time, so a row whose
宛名番号 and 個人番号 are both unknown here is a new person; the others are looked
up as usual. The sets only grow: a number that left the table merely causes a
lookup, and the unique constraints still guard the table itself.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.registry_import.rows import RegistryRow
from models.resident import Resident


class Registered:
    def __init__(self, atena: set[str], my_numbers: set[str]) -> None:
        self.atena = atena
        self.my_numbers = my_numbers

    @classmethod
    def load(cls, session: Session) -> Registered:
        atena: set[str] = set()
        my_numbers: set[str] = set()
        for atena_no, my_number in session.execute(select(Resident.atena_no, Resident.my_number)):
            atena.add(atena_no)
            if my_number:
                my_numbers.add(my_number)
        return cls(atena, my_numbers)

    def may_be_stored(self, row: RegistryRow) -> bool:
        return row.atena_no in self.atena or (
            row.my_number is not None and row.my_number in self.my_numbers
        )

    def add(self, inserted: list[dict], updated: list[dict]) -> None:
        """Remember the numbers a committed batch wrote."""
        self.atena.update(state["atena_no"] for state in inserted)
        for states in (inserted, updated):
            self.my_numbers.update(state["my_number"] for state in states if state["my_number"])
