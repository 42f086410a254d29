"""SQLAlchemy models: one module per concept. Importing this package registers them all."""

from models.access_log import AccessLog
from models.base import Base
from models.case import Case, CaseCounter, CaseStatus, Procedure
from models.import_run import ImportKind, ImportReject, ImportRun, ImportStatus
from models.process import InstanceStatus, ProcessDefinition, ProcessInstance
from models.resident import Resident, ResidentStatus, Sex
from models.resident_movement import MovementKind, ResidentMovement
from models.staff import Department, Role, Staff, StaffRole
from models.task import HumanTask, HumanTaskState, TaskEvent
from models.vaccination import VaccinationCategory, VaccinationRecord
from models.vaccination_change import ChangeAction, VaccinationRecordChange

__all__ = [
    "AccessLog",
    "Base",
    "Case",
    "CaseCounter",
    "CaseStatus",
    "ChangeAction",
    "Department",
    "HumanTask",
    "HumanTaskState",
    "ImportKind",
    "ImportReject",
    "ImportRun",
    "ImportStatus",
    "InstanceStatus",
    "MovementKind",
    "Procedure",
    "ProcessDefinition",
    "ProcessInstance",
    "Resident",
    "ResidentMovement",
    "ResidentStatus",
    "Role",
    "Sex",
    "Staff",
    "StaffRole",
    "TaskEvent",
    "VaccinationCategory",
    "VaccinationRecord",
    "VaccinationRecordChange",
]
