"""SQLAlchemy models: one module per concept. Importing this package registers them all."""

from models.access_log import AccessAction, AccessLog
from models.base import Base
from models.case import Case, CaseCounter, CaseStatus, Procedure
from models.hash_chain import ChainHead
from models.process import InstanceStatus, ProcessDefinition, ProcessInstance
from models.resident import Resident, ResidentStatus, Sex
from models.security_event import SecurityEvent, SecurityEventKind
from models.staff import Department, Role, Staff, StaffRole
from models.staff_session import StaffSession
from models.task import HumanTask, HumanTaskState, TaskEvent
from models.totp import RecoveryCode
from models.vaccination import VaccinationCategory, VaccinationRecord

__all__ = [
    "AccessAction",
    "AccessLog",
    "Base",
    "Case",
    "CaseCounter",
    "CaseStatus",
    "ChainHead",
    "Department",
    "HumanTask",
    "HumanTaskState",
    "InstanceStatus",
    "Procedure",
    "ProcessDefinition",
    "ProcessInstance",
    "RecoveryCode",
    "Resident",
    "ResidentStatus",
    "Role",
    "SecurityEvent",
    "SecurityEventKind",
    "Sex",
    "Staff",
    "StaffRole",
    "StaffSession",
    "TaskEvent",
    "VaccinationCategory",
    "VaccinationRecord",
]
