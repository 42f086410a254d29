"""Staff accounts (職員), their departments (部署), roles and personal permissions.

One person, one account: an account is bound to a named person and a department,
and is disabled (never deleted) when the person leaves or transfers.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.types import UTCDateTime


class Role(enum.StrEnum):
    """Roles a person may hold; BPMN lanes map to these."""

    COUNTER = "counter"  # 窓口職員
    SUPERVISOR = "supervisor"  # 監督者
    EXAMINER = "examiner"  # 審査担当
    PROCESS_OWNER = "process_owner"  # 業務管理者
    AUDITOR = "auditor"  # 監査担当
    ADMIN = "admin"  # システム管理者
    FLAG_OFFICER = "flag_officer"  # 自動応答不可フラグ担当 (DV等支援措置の対象者を扱う)

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.COUNTER: "窓口職員",
    Role.SUPERVISOR: "監督者",
    Role.EXAMINER: "審査担当",
    Role.PROCESS_OWNER: "業務管理者",
    Role.AUDITOR: "監査担当",
    Role.ADMIN: "システム管理者",
    Role.FLAG_OFFICER: "自動応答不可フラグ担当",
}


class Department(Base):
    """部署."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))


class Staff(Base):
    """A staff account (職員) bound to one named person."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    login_id: Mapped[str] = mapped_column(String(40), unique=True)
    full_name: Mapped[str] = mapped_column(String(100))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    password_hash: Mapped[str] = mapped_column(String(200))
    # TOTP secret; NULL until the person has enrolled an authenticator.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    # Last accepted TOTP time step, so a code cannot be replayed.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # 個人番号の閲覧権限: a per-person permission, not a role.
    may_view_my_number: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when an admin issues or resets the password: the person must choose their own.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department] = relationship(lazy="joined")
    role_grants: Mapped[list[StaffRole]] = relationship(
        back_populates="staff", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(grant.role) for grant in self.role_grants)

    def has_role(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)


class StaffRole(Base):
    """A role held by a staff member."""

    __tablename__ = "staff_role"
    __table_args__ = (UniqueConstraint("staff_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    staff: Mapped[Staff] = relationship(back_populates="role_grants")
