"""SQLAlchemy models: one module per concept. Importing this package registers them all."""

from models.access_log import AccessAction, AccessLog
from models.base import Base
from models.case import Case, CaseCounter, CaseStatus, Procedure
from models.certificate import Certificate, CertificateDose, CertificateKind
from models.export_request import ExportKind, ExportRequest, ExportStatus
from models.hash_chain import ChainHead
from models.import_run import ImportKind, ImportReject, ImportRun, ImportStatus
from models.incoming_query import IncomingQuery, IncomingQueryStatus
from models.intermediary_nonce import IntermediaryNonce
from models.intermediary_request import IntermediaryRequest, RequestKind, RequestStatus
from models.message import MessageRoute
from models.process import InstanceStatus, ProcessDefinition, ProcessInstance
from models.query_result import QueryResult
from models.resident import Resident, ResidentStatus, Sex
from models.resident_movement import MovementKind, ResidentMovement
from models.security_event import SecurityEvent, SecurityEventKind
from models.staff import Department, Role, Staff, StaffRole
from models.staff_session import StaffSession
from models.subject_token import SubjectToken
from models.task import HumanTask, HumanTaskState, TaskEvent
from models.totp import RecoveryCode
from models.vaccination import VaccinationCategory, VaccinationRecord
from models.vaccination_change import ChangeAction, VaccinationRecordChange

__all__ = [
    "AccessAction",
    "AccessLog",
    "Base",
    "Case",
    "CaseCounter",
    "CaseStatus",
    "Certificate",
    "CertificateDose",
    "CertificateKind",
    "ChainHead",
    "ChangeAction",
    "Department",
    "ExportKind",
    "ExportRequest",
    "ExportStatus",
    "HumanTask",
    "HumanTaskState",
    "ImportKind",
    "ImportReject",
    "ImportRun",
    "ImportStatus",
    "IncomingQuery",
    "IncomingQueryStatus",
    "InstanceStatus",
    "IntermediaryNonce",
    "IntermediaryRequest",
    "MessageRoute",
    "MovementKind",
    "Procedure",
    "ProcessDefinition",
    "ProcessInstance",
    "QueryResult",
    "RecoveryCode",
    "RequestKind",
    "RequestStatus",
    "Resident",
    "ResidentMovement",
    "ResidentStatus",
    "Role",
    "SecurityEvent",
    "SecurityEventKind",
    "Sex",
    "Staff",
    "StaffRole",
    "StaffSession",
    "SubjectToken",
    "TaskEvent",
    "VaccinationCategory",
    "VaccinationRecord",
    "VaccinationRecordChange",
]
