"""Synthetic vaccination records held by other municipalities, keyed by 符号.

The people are those of the demo city (個人番号 99…, see models.demo.people):
whoever is asked about, within the population, has a deterministic history at
the municipality asked, drawn from the seed, the person and that municipality.
Anyone outside the population is 対象者なし.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from handlers.intermediary.protocol import VaccinationEntry
from handlers.intermediary.subject import subject_token
from models.demo.people import municipality_code, synthetic_my_number
from models.demo.pools import DOCTORS, OTHER_MUNICIPALITIES, PRODUCTS

MUNICIPALITIES: dict[str, str] = {
    municipality_code(five): name for name, five in OTHER_MUNICIPALITIES
}
LAST_DAY = date(2024, 3, 31)  # end of 特例臨時接種


class Population:
    def __init__(self, seed: int, size: int, token_key: bytes) -> None:
        self.seed = seed
        self._serials = {
            subject_token(synthetic_my_number(serial), token_key): serial
            for serial in range(1, size + 1)
        }

    def knows(self, token: str) -> bool:
        return token in self._serials

    def records(self, token: str, provider_code: str) -> list[VaccinationEntry] | None:
        """The history held at `provider_code`, or None when nobody has that 符号."""
        serial = self._serials.get(token)
        if serial is None:
            return None
        rng = random.Random(f"{self.seed}:{serial}:{provider_code}")  # noqa: S311 - synthetic
        wanted = rng.choices((0, 1, 2, 3, 4, 5), weights=(8, 6, 30, 28, 18, 10))[0]
        place = MUNICIPALITIES.get(provider_code, "架空市")
        day = date(2021, 5, 10) + timedelta(days=rng.randint(0, 150))
        entries: list[VaccinationEntry] = []
        while len(entries) < wanted and day <= LAST_DAY:
            candidates = [p for p in PRODUCTS if p.first <= day <= p.last and p.min_age <= 12]
            if candidates:
                product = rng.choice(candidates)
                entries.append(
                    VaccinationEntry(
                        dose_number=len(entries) + 1,
                        vaccinated_on=day,
                        product=product.name,
                        manufacturer=product.maker,
                        lot_no=_lot(rng, product.lot_format),
                        clinic=f"{place}集団接種会場（架空）",
                        doctor=rng.choice(DOCTORS),
                        category="special_temporary",
                        municipality_code=provider_code,
                    )
                )
            day += timedelta(days=rng.randint(21, 28) if len(entries) == 1 else rng.randint(150, 220))
        return entries


def _lot(rng: random.Random, template: str) -> str:
    """'A' becomes a letter, '9' a digit, as in the demo city's lot numbers."""
    return "".join(
        rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") if ch == "A" else str(rng.randint(0, 9)) if ch == "9" else ch
        for ch in template
    )
