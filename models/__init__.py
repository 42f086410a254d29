"""SQLAlchemy models: one module per concept. Importing this package registers them all."""

from models.access_log import AccessLog
from models.base import Base
from models.case import Case, CaseCounter, CaseStatus, Procedure
from models.certificate import Certificate, CertificateDose, CertificateKind
from models.incoming_query import IncomingQuery, IncomingQueryStatus
from models.intermediary_nonce import IntermediaryNonce
from models.intermediary_request import IntermediaryRequest, RequestKind, RequestStatus
from models.process import InstanceStatus, ProcessDefinition, ProcessInstance
from models.query_result import QueryResult
from models.resident import Resident, ResidentStatus, Sex
from models.staff import Department, Role, Staff, StaffRole
from models.subject_token import SubjectToken
from models.task import HumanTask, HumanTaskState, TaskEvent
from models.vaccination import VaccinationCategory, VaccinationRecord

__all__ = [
    "AccessLog",
    "Base",
    "Case",
    "CaseCounter",
    "CaseStatus",
    "Certificate",
    "CertificateDose",
    "CertificateKind",
    "Department",
    "HumanTask",
    "HumanTaskState",
    "IncomingQuery",
    "IncomingQueryStatus",
    "InstanceStatus",
    "IntermediaryNonce",
    "IntermediaryRequest",
    "Procedure",
    "ProcessDefinition",
    "ProcessInstance",
    "QueryResult",
    "RequestKind",
    "RequestStatus",
    "Resident",
    "ResidentStatus",
    "Role",
    "Sex",
    "Staff",
    "StaffRole",
    "SubjectToken",
    "TaskEvent",
    "VaccinationCategory",
    "VaccinationRecord",
]
