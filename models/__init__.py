"""SQLAlchemy models: one module per concept. Importing this package registers them all."""

from models.access_log import AccessAction, AccessLog
from models.base import Base
from models.case import Case, CaseCounter, CaseStatus, Procedure
from models.certificate import Certificate, CertificateDose, CertificateKind
from models.hash_chain import ChainHead
from models.incoming_query import IncomingQuery, IncomingQueryStatus
from models.intermediary_nonce import IntermediaryNonce
from models.intermediary_request import IntermediaryRequest, RequestKind, RequestStatus
from models.message import MessageRoute
from models.process import InstanceStatus, ProcessDefinition, ProcessInstance
from models.process_change import (
    InstanceMigration,
    MigrationStatus,
    ProcessDraft,
    ProcessPublication,
    PublicationStatus,
)
from models.query_result import QueryResult
from models.resident import Resident, ResidentStatus, Sex
from models.security_event import SecurityEvent, SecurityEventKind
from models.staff import Department, Role, Staff, StaffRole
from models.staff_session import StaffSession
from models.subject_token import SubjectToken
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
    "Certificate",
    "CertificateDose",
    "CertificateKind",
    "ChainHead",
    "Department",
    "HumanTask",
    "HumanTaskState",
    "IncomingQuery",
    "IncomingQueryStatus",
    "InstanceMigration",
    "InstanceStatus",
    "IntermediaryNonce",
    "IntermediaryRequest",
    "MessageRoute",
    "MigrationStatus",
    "Procedure",
    "ProcessDefinition",
    "ProcessDraft",
    "ProcessInstance",
    "ProcessPublication",
    "PublicationStatus",
    "QueryResult",
    "RecoveryCode",
    "RequestKind",
    "RequestStatus",
    "Resident",
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
]
