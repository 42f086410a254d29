"""SQLAlchemy models: one module per concept. Importing this package registers them all."""

from models.access_log import AccessAction, AccessLog
from models.base import Base
from models.case import Case, CaseCounter, CaseStatus, Procedure
from models.certificate import Certificate, CertificateDose, CertificateKind
from models.hash_chain import ChainHead
from models.inbox_filter import InboxFilter
from models.incoming_query import IncomingQuery, IncomingQueryStatus
from models.intermediary_nonce import IntermediaryNonce
from models.intermediary_request import IntermediaryRequest, RequestKind, RequestStatus
from models.job import Job, JobProgress, JobStatus
from models.message import MessageRoute
from models.process import InstanceStatus, ProcessDefinition, ProcessInstance
from models.query_result import QueryResult
from models.resident import Resident, ResidentStatus, Sex
from models.security_event import SecurityEvent, SecurityEventKind
from models.staff import Department, Role, Staff, StaffRole
from models.staff_session import StaffSession
from models.subject_token import SubjectToken
from models.task import HumanTask, HumanTaskState, TaskEvent
from models.task_draft import TaskDraft
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
    "InboxFilter",
    "IncomingQuery",
    "IncomingQueryStatus",
    "InstanceStatus",
    "IntermediaryNonce",
    "IntermediaryRequest",
    "Job",
    "JobProgress",
    "JobStatus",
    "MessageRoute",
    "Procedure",
    "ProcessDefinition",
    "ProcessInstance",
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
    "TaskDraft",
    "TaskEvent",
    "VaccinationCategory",
    "VaccinationRecord",
]
