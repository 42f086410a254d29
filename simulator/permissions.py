"""照会許可用照合リスト (permitted-request matching list) of the simulated network.

Each entry allows a municipality (市町村長) to ask another for one data item
under one 事務, named by its item in 主務省令第2条の表. The real list is issued
by the network; these entries mirror the items the assessment document names
for 予防接種法 (照会: 25, 27, 28, 29; 提供: 25, 26) and are illustrative.
"""

from __future__ import annotations

from dataclasses import dataclass

VACCINATION_RECORDS = "vaccination_records"  # 予防接種の実施に関する情報


@dataclass(frozen=True)
class Permission:
    jimu_code: str
    data_item: str
    label: str


DEFAULT_PERMISSIONS: tuple[Permission, ...] = tuple(
    Permission(item, VACCINATION_RECORDS, f"主務省令第2条の表 第{item}項（予防接種法による事務）")
    for item in ("25", "26", "27", "28", "29")
)


def permitted(permissions: tuple[Permission, ...], jimu_code: str, data_item: str) -> bool:
    return any(p.jimu_code == jimu_code and p.data_item == data_item for p in permissions)
