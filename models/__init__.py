"""SQLAlchemy models: one module per concept. Importing this package registers them all."""

from models.access_log import AccessLog
from models.base import Base
from models.case import Case, CaseCounter, CaseStatus, Procedure
from models.message import MessageRoute
from models.process import InstanceStatus, ProcessDefinition, ProcessInstance
from models.resident import Resident, ResidentStatus, Sex
from models.staff import Department, Role, Staff, StaffRole
from models.task import HumanTask, HumanTaskState, TaskEvent
from models.vaccination import VaccinationCategory, VaccinationRecord

__all__ = [
    "AccessLog",
    "Base",
    "Case",
    "CaseCounter",
    "CaseStatus",
    "Department",
    "HumanTask",
    "HumanTaskState",
    "InstanceStatus",
    "MessageRoute",
    "Procedure",
    "ProcessDefinition",
    "ProcessInstance",
    "Resident",
    "ResidentStatus",
    "Role",
    "Sex",
    "Staff",
    "StaffRole",
    "TaskEvent",
    "VaccinationCategory",
    "VaccinationRecord",
]
