"""The simulator's HTTP interface: the protocol endpoints, and control endpoints for tests."""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, abort, request
from pydantic import BaseModel, ValidationError

from handlers.intermediary import protocol as p
from handlers.intermediary.signing import (
    HEADER_IDEMPOTENCY_KEY,
    MemoryReplayGuard,
    SignatureError,
    verify,
)
from handlers.intermediary.subject import subject_token
from handlers.intermediary.transport import SignedSender
from models.identifiers import IdentifierError
from simulator.permissions import permitted
from simulator.population import MUNICIPALITIES, Population
from simulator.settings import SimulatorSettings

LOOPBACK = {"127.0.0.1", "::1"}


def now() -> datetime:
    return datetime.now(UTC)


class Simulator:
    """All state lives here, behind one lock; the Flask app is a thin shell over it."""

    def __init__(self, settings: SimulatorSettings) -> None:
        self.settings = settings
        self.population = Population(settings.seed, settings.population, settings.token_key)
        self.keyring = {settings.key_id: settings.secret}
        self.lock = threading.RLock()
        self._timers: list[threading.Timer] = []
        self._stopped = False
        self.reset()

    def reset(self) -> None:
        with self.lock:
            for timer in self._timers:
                timer.cancel()
            self._timers = []
            self.faults = replace(self.settings.faults)
            self.answer_delay = self.settings.answer_delay
            self.guard = MemoryReplayGuard()
            self.replies: dict[str, tuple[str, int, bytes]] = {}
            self.requests: list[dict[str, Any]] = []  # every verified request, processed or not
            self.queries: list[dict[str, Any]] = []
            self.flags: dict[str, dict[str, Any]] = {}
            self.incoming: dict[str, dict[str, Any]] = {}
            self.answers: list[dict[str, Any]] = []
            self.callbacks: list[dict[str, Any]] = []
            self._serial = 0

    def next_ref(self, prefix: str) -> str:
        with self.lock:
            self._serial += 1
            return f"{prefix}{self._serial:08d}"

    def flagged(self, token: str) -> bool:
        with self.lock:
            return self.flags.get(token, {}).get("state") == "set"

    def later(self, delay: float, action: Callable[[], None]) -> None:
        timer = threading.Timer(delay, action)
        timer.daemon = True
        with self.lock:
            if self._stopped:
                return
            self._timers = [t for t in self._timers if t.is_alive()]
            self._timers.append(timer)
            timer.start()

    def stop(self) -> None:
        """Cancel pending deliveries and wait for those under way."""
        with self.lock:
            self._stopped = True
            timers, self._timers = self._timers, []
        for timer in timers:
            timer.cancel()
        for timer in timers:
            if timer is not threading.current_thread():
                timer.join(timeout=30)

    # -- sending to Sesshu ------------------------------------------------------

    def post_to_sesshu(self, message: p.Message, times: int = 1) -> dict[str, Any]:
        body = message.model_dump_json().encode("utf-8")
        outcome: dict[str, Any] = {}
        with SignedSender(
            self.settings.callback_url,
            self.settings.key_id,
            self.settings.secret,
            self.settings.callback_retry,
        ) as sender:
            for _ in range(times):
                delivery = sender.post("", body, message.message_id)
                outcome = {
                    "message_id": message.message_id,
                    "message_type": str(getattr(message, "message_type", "")),
                    "status_code": delivery.status_code,
                    "attempts": delivery.attempts,
                    "reply": delivery.reply.model_dump(mode="json") if delivery.reply else None,
                    "error": delivery.error,
                    "at": now().isoformat(),
                }
                with self.lock:
                    self.callbacks.append(outcome)
        return outcome

    def deliver_result(self, query: p.Query, query_ref: str, manual: bool) -> None:
        if manual:
            notice = self._result(query, query_ref, p.ResultStatus.MANUAL_PENDING, [])
            self.post_to_sesshu(notice, times=2 if self.faults.answer_twice else 1)
            self.later(self.answer_delay, lambda: self.deliver_result(query, query_ref, False))
            return
        records = self.population.records(query.subject_token, query.provider_code)
        if records is None:
            result = self._result(query, query_ref, p.ResultStatus.NOT_FOUND, [])
        else:
            result = self._result(query, query_ref, p.ResultStatus.ANSWERED, records)
        with self.lock:
            twice = self.faults.answer_twice
        self.post_to_sesshu(result, times=2 if twice else 1)

    def _result(
        self,
        query: p.Query,
        query_ref: str,
        status: p.ResultStatus,
        records: list[p.VaccinationEntry],
    ) -> p.QueryResult:
        reason = {
            p.ResultStatus.NOT_FOUND: p.ErrorCode.SUBJECT_NOT_FOUND,
            p.ResultStatus.MANUAL_PENDING: p.ErrorCode.MANUAL_RESPONSE_PENDING,
        }.get(status)
        return p.QueryResult(
            message_id=uuid.uuid4().hex,
            sent_at=now(),
            query_message_id=query.message_id,
            query_ref=query_ref,
            provider_code=query.provider_code,
            status=status,
            records=records,
            reason=p.ErrorInfo(code=reason, message=reason.label) if reason else None,
        )


def create_simulator(settings: SimulatorSettings) -> Flask:
    sim = Simulator(settings)
    app = Flask(__name__)
    app.json.ensure_ascii = False
    app.extensions["simulator"] = sim

    def reply(status: int, body: p.Reply) -> Response:
        return Response(
            body.model_dump_json(exclude_none=True), status=status, mimetype="application/json"
        )

    def refused(
        status: int, code: p.ErrorCode, message_id: str | None = None
    ) -> tuple[int, p.Reply]:
        kind = p.ReplyStatus.REFUSED if status in (403, 404, 409, 422) else p.ReplyStatus.ERROR
        error = p.ErrorInfo(code=code, message=code.label)
        return status, p.Reply(status=kind, message_id=message_id, at=now(), error=error)

    def refuse(status: int, code: p.ErrorCode, message_id: str | None = None) -> Response:
        return reply(*refused(status, code, message_id))

    def signed_endpoint(
        model: type[BaseModel], process: Callable[[Any], tuple[int, p.Reply]]
    ) -> Response:
        """Verify, then process each message once; a repeat gets the stored reply."""
        body = request.get_data()
        try:
            verify(request.headers, body, sim.keyring, now(), sim.guard)
        except SignatureError as exc:
            return refuse(409 if exc.code is p.ErrorCode.REPLAY else 401, exc.code)
        with sim.lock:
            sim.requests.append({"path": request.path, "at": now().isoformat()})
            if sim.faults.fail_next > 0:
                sim.faults.fail_next -= 1
                return refuse(503, p.ErrorCode.UNAVAILABLE)
        try:
            message = model.model_validate_json(body)
        except ValidationError:
            return refuse(400, p.ErrorCode.MALFORMED)
        if request.headers.get(HEADER_IDEMPOTENCY_KEY) != message.message_id:
            return refuse(400, p.ErrorCode.MALFORMED, message.message_id)
        digest = hashlib.sha256(body).hexdigest()
        with sim.lock:
            stored = sim.replies.get(message.message_id)
            if stored is None:
                status, answer = process(message)
                stored = (digest, status, answer.model_dump_json(exclude_none=True).encode())
                sim.replies[message.message_id] = stored
                replayed = False
            elif stored[0] != digest:
                return refuse(422, p.ErrorCode.IDEMPOTENCY_MISMATCH, message.message_id)
            else:
                replayed = True
            hold = 0.0
            if sim.faults.timeout_next > 0:
                sim.faults.timeout_next -= 1
                hold = sim.faults.timeout_seconds
        if hold:
            time.sleep(hold)  # processed already; the client gives up waiting and retries
        response = Response(stored[2], status=stored[1], mimetype="application/json")
        if replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return response

    def process_query(query: p.Query) -> tuple[int, p.Reply]:
        if query.requester_code != settings.municipality_code or query.provider_code not in MUNICIPALITIES:
            return refused(422, p.ErrorCode.UNKNOWN_MUNICIPALITY, query.message_id)
        if not permitted(settings.permissions, query.jimu_code, query.data_item):
            sim.queries.append({"message_id": query.message_id, "status": "refused"})
            return refused(403, p.ErrorCode.NOT_PERMITTED, query.message_id)
        query_ref = sim.next_ref("Q")
        manual = sim.faults.manual_next > 0
        if manual:
            sim.faults.manual_next -= 1
        sim.queries.append(
            {"message_id": query.message_id, "query_ref": query_ref, "status": "accepted",
             "provider_code": query.provider_code, "at": now().isoformat()}
        )
        sim.later(sim.answer_delay, lambda: sim.deliver_result(query, query_ref, manual))
        return 202, p.Reply(
            status=p.ReplyStatus.ACCEPTED, message_id=query.message_id, query_ref=query_ref, at=now()
        )

    def process_flag(flag: p.Flag) -> tuple[int, p.Reply]:
        if flag.requester_code != settings.municipality_code:
            return refused(422, p.ErrorCode.UNKNOWN_MUNICIPALITY, flag.message_id)
        ack_id = sim.next_ref("F")
        state = "set" if flag.action is p.FlagAction.SET else "removed"
        sim.flags[flag.subject_token] = {
            "state": state, "data_item": flag.data_item, "ack_id": ack_id, "at": now().isoformat()
        }
        return 200, p.Reply(
            status=p.ReplyStatus.ACKNOWLEDGED, message_id=flag.message_id, ack_id=ack_id,
            flag_state=state, at=now(),
        )

    def process_answer(answer: p.Answer) -> tuple[int, p.Reply]:
        incoming = sim.incoming.get(answer.query_ref)
        if incoming is None or answer.provider_code != settings.municipality_code:
            return refused(404, p.ErrorCode.UNKNOWN_QUERY, answer.message_id)
        if (
            answer.decision is p.Decision.AUTOMATIC
            and answer.outcome is not p.AnswerOutcome.MANUAL_PENDING
            and sim.flagged(incoming["subject_token"])
        ):
            return refused(409, p.ErrorCode.AUTO_RESPONSE_BLOCKED, answer.message_id)
        sim.answers.append(answer.model_dump(mode="json"))
        return 200, p.Reply(
            status=p.ReplyStatus.ACCEPTED, message_id=answer.message_id, query_ref=answer.query_ref,
            at=now(),
        )

    @app.post("/v1/queries")
    def queries() -> Response:
        return signed_endpoint(p.Query, process_query)

    @app.post("/v1/flags")
    def flags() -> Response:
        return signed_endpoint(p.Flag, process_flag)

    @app.post("/v1/answers")
    def answers() -> Response:
        return signed_endpoint(p.Answer, process_answer)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    # -- control endpoints: loopback only, unsigned, for tests and the demo ------

    @app.before_request
    def loopback_only_for_control() -> None:
        if request.path.startswith("/control/") and request.remote_addr not in LOOPBACK:
            abort(403)

    @app.get("/control/state")
    def state() -> dict[str, Any]:
        with sim.lock:
            return {
                "faults": asdict(sim.faults),
                "answer_delay": sim.answer_delay,
                "requests": list(sim.requests),
                "queries": list(sim.queries),
                "flags": dict(sim.flags),
                "incoming": dict(sim.incoming),
                "answers": list(sim.answers),
                "callbacks": list(sim.callbacks),
            }

    @app.post("/control/faults")
    def faults() -> tuple[dict[str, Any], int]:
        given = request.get_json(force=True, silent=True) or {}
        with sim.lock:
            current = asdict(sim.faults) | {"answer_delay": sim.answer_delay}
            unknown = set(given) - set(current)
            wrong = {n for n, v in given.items() if n in current and not _fits(current[n], v)}
            if unknown or wrong:
                return {"error": f"設定できない項目です: {sorted(unknown | wrong)}"}, 400
            for name, value in given.items():
                if name == "answer_delay":
                    sim.answer_delay = float(value)
                else:
                    setattr(sim.faults, name, value)
            return {"faults": asdict(sim.faults), "answer_delay": sim.answer_delay}, 200

    @app.post("/control/reset")
    def reset() -> dict[str, str]:
        sim.reset()
        return {"status": "reset"}

    @app.post("/control/incoming")
    def send_incoming() -> tuple[dict[str, Any], int]:
        """Make another municipality ask about one of Sesshu's residents."""
        given = request.get_json(force=True, silent=True) or {}
        try:
            token = given.get("subject_token") or subject_token(
                str(given.get("my_number", "")), settings.token_key
            )
        except IdentifierError as exc:
            return {"error": str(exc)}, 400
        requester = str(given.get("requester_code") or next(iter(MUNICIPALITIES)))
        jimu, item = str(given.get("jimu_code", "25")), str(given.get("data_item", "vaccination_records"))
        if requester not in MUNICIPALITIES:
            return {"error": p.ErrorCode.UNKNOWN_MUNICIPALITY.label}, 422
        if not permitted(settings.permissions, jimu, item):
            return {"error": p.ErrorCode.NOT_PERMITTED.label}, 403
        message = p.IncomingQuery(
            message_id=uuid.uuid4().hex,
            sent_at=now(),
            query_ref=sim.next_ref("IQ"),
            requester_code=requester,
            provider_code=settings.municipality_code,
            jimu_code=jimu,
            data_item=item,
            subject_token=token,
            auto_response_blocked=sim.flagged(token),
        )
        with sim.lock:
            sim.incoming[message.query_ref] = message.model_dump(mode="json")
        outcome = sim.post_to_sesshu(message)
        return {"query_ref": message.query_ref, **outcome}, 200

    return app


def _fits(current: object, value: object) -> bool:
    """A control value of the right kind: a flag stays a flag, counts and delays are >= 0."""
    if isinstance(current, bool):
        return isinstance(value, bool)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return False
    return isinstance(current, float) or isinstance(value, int)
