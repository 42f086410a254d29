"""SQLAlchemy models: one module per concept. Importing this package registers them all."""

from models.access_log import AccessAction, AccessLog
from models.auto_response_flag import AutoResponseFlag, AutoResponseFlagEvent, ReasonCategory
from models.base import Base
from models.case import Case, CaseCounter, CaseStatus, Procedure
from models.case_milestone import CaseMilestone
from models.certificate import Certificate, CertificateDose, CertificateKind
from models.certificate_application import CertificateApplication
from models.export_request import ExportKind, ExportRequest, ExportStatus
from models.hash_chain import ChainHead
from models.import_run import ImportKind, ImportReject, ImportRun, ImportStatus
from models.inbox_filter import InboxFilter
from models.incoming_query import IncomingQuery, IncomingQueryStatus
from models.intermediary_nonce import IntermediaryNonce
from models.intermediary_request import IntermediaryRequest, RequestKind, RequestStatus
from models.job import Job, JobProgress, JobStatus
from models.message import MessageRoute
from models.notice_letter import NoticeLetter
from models.process import InstanceStatus, ProcessDefinition, ProcessInstance
from models.process_change import (
    InstanceMigration,
    MigrationStatus,
    ProcessDraft,
    ProcessPublication,
    PublicationStatus,
)
from models.provision_record import ProvisionRecord
from models.query_result import QueryResult
from models.relief_claim import BenefitKind, ClaimantType, ReliefBenefit, ReliefClaim
from models.relief_document import ReliefAttachment, ReliefCorrection, ReliefDocument
from models.relief_payment import (
    AllowanceMonth,
    PensionInstalment,
    ReliefPayment,
    ReliefRate,
    ReliefReceipt,
)
from models.relief_review import (
    CommitteeOpinion,
    Forwarding,
    NationalOutcome,
    NationalResult,
    ReliefAppeal,
    ReliefDecision,
)
from models.resident import Resident, ResidentStatus, Sex
from models.resident_movement import MovementKind, ResidentMovement
from models.retention_purge import PurgeStatus, RetentionPurgeRequest
from models.security_event import SecurityEvent, SecurityEventKind
from models.staff import Department, Role, Staff, StaffRole
from models.staff_session import StaffSession
from models.status_attempt import StatusAttempt
from models.subject_token import SubjectToken
from models.task import HumanTask, HumanTaskState, TaskEvent
from models.task_draft import TaskDraft
from models.totp import RecoveryCode
from models.vaccination import VaccinationCategory, VaccinationRecord
from models.vaccination_change import ChangeAction, VaccinationRecordChange
from models.worker_heartbeat import WorkerHeartbeat

__all__ = [
    "AccessAction",
    "AccessLog",
    "AllowanceMonth",
    "AutoResponseFlag",
    "AutoResponseFlagEvent",
    "Base",
    "BenefitKind",
    "Case",
    "CaseCounter",
    "CaseMilestone",
    "CaseStatus",
    "Certificate",
    "CertificateApplication",
    "CertificateDose",
    "CertificateKind",
    "ChainHead",
    "ChangeAction",
    "ClaimantType",
    "CommitteeOpinion",
    "Department",
    "ExportKind",
    "ExportRequest",
    "ExportStatus",
    "Forwarding",
    "HumanTask",
    "HumanTaskState",
    "ImportKind",
    "ImportReject",
    "ImportRun",
    "ImportStatus",
    "InboxFilter",
    "IncomingQuery",
    "IncomingQueryStatus",
    "InstanceMigration",
    "InstanceStatus",
    "IntermediaryNonce",
    "IntermediaryRequest",
    "Job",
    "JobProgress",
    "JobStatus",
    "MessageRoute",
    "MigrationStatus",
    "MovementKind",
    "NationalOutcome",
    "NationalResult",
    "NoticeLetter",
    "PensionInstalment",
    "Procedure",
    "ProcessDefinition",
    "ProcessDraft",
    "ProcessInstance",
    "ProcessPublication",
    "ProvisionRecord",
    "PublicationStatus",
    "PurgeStatus",
    "QueryResult",
    "ReasonCategory",
    "RecoveryCode",
    "ReliefAppeal",
    "ReliefAttachment",
    "ReliefBenefit",
    "ReliefClaim",
    "ReliefCorrection",
    "ReliefDecision",
    "ReliefDocument",
    "ReliefPayment",
    "ReliefRate",
    "ReliefReceipt",
    "RequestKind",
    "RequestStatus",
    "Resident",
    "ResidentMovement",
    "ResidentStatus",
    "RetentionPurgeRequest",
    "Role",
    "SecurityEvent",
    "SecurityEventKind",
    "Sex",
    "Staff",
    "StaffRole",
    "StaffSession",
    "StatusAttempt",
    "SubjectToken",
    "TaskDraft",
    "TaskEvent",
    "VaccinationCategory",
    "VaccinationRecord",
    "VaccinationRecordChange",
    "WorkerHeartbeat",
]
