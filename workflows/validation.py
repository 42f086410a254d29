"""Validation of an uploaded BPMN file: safe XML, SpiffWorkflow's parser, Sesshu's rules.

`validate_bpmn` never raises for bad input: whatever the bytes hold (binary junk, an XML
bomb, a huge file, XML that is not BPMN) it returns a list of `Problem`s, each naming the
BPMN element id and saying in Japanese what is wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.none_task import NoneTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.specs.defaults import ManualTask, ServiceTask, UserTask

from handlers import registry as operators
from workflows import forms
from workflows.roles import LANE_ROLES, role_for_lane
from workflows.scriptcheck import check_code
from workflows.spiff import new_parser
from workflows.taskprops import TaskProperties, parse_duration

MAX_BYTES = 5 * 1024 * 1024
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}

FLOW_NODES = (
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
    "businessRuleTask", "callActivity", "subProcess", "transaction", "exclusiveGateway",
    "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway",
)
# (tag, how the code is compiled)
EXPRESSIONS = (
    ("bpmn:script", "exec"),
    ("spiffworkflow:preScript", "exec"),
    ("spiffworkflow:postScript", "exec"),
    ("bpmn:conditionExpression", "eval"),
    ("bpmn:timeDuration", "eval"),
    ("bpmn:timeDate", "eval"),
    ("bpmn:timeCycle", "eval"),
    ("bpmn:loopCondition", "eval"),
    ("bpmn:loopCardinality", "eval"),
    ("bpmn:completionCondition", "eval"),
    ("bpmn:formalExpression", "eval"),
)


@dataclass(frozen=True)
class Problem:
    element_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.element_id or '(ファイル全体)'}: {self.message}"


@dataclass
class ValidationResult:
    problems: list[Problem] = field(default_factory=list)
    process_key: str | None = None
    process_name: str | None = None
    spec: Any = None
    subprocess_specs: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_bpmn(data: bytes, dmn: Sequence[bytes] = ()) -> ValidationResult:
    """Validate a BPMN file, with the DMN decision tables its business-rule tasks call."""
    result = ValidationResult()
    try:
        _validate(data, dmn, result)
    except Exception as exc:  # the last line of defence: a problem, never a traceback
        result.problems.append(Problem("", f"BPMN を検証できませんでした（{type(exc).__name__}: {exc}）"))
    if result.problems:
        result.spec = None
    return result


def _validate(data: bytes, dmn: Sequence[bytes], result: ValidationResult) -> None:
    if len(data) > MAX_BYTES or any(len(d) > MAX_BYTES for d in dmn):
        result.problems.append(
            Problem("", f"ファイルが大きすぎます（{len(data) // 1024 // 1024} MB、上限 {MAX_BYTES // 1024 // 1024} MB）")
        )
        return
    root = _parse_xml(data, result)
    tables = [_parse_xml(d, result, root_tag=f"{{{ns}}}definitions", kind="DMN") for d in dmn for ns in
              [_dmn_namespace(d)]]
    if root is None or any(t is None for t in tables):
        return
    _check_expressions(root, result)
    _check_unsupported_events(root, result)
    for table in tables:
        _check_decision_cells(table, result)
    if result.problems:
        return
    parser = new_parser()
    try:
        for table in tables:
            parser.add_dmn_xml(table, filename="upload.dmn")
        parser.add_bpmn_xml(root, filename="upload.bpmn")
        key = _main_process(parser, root, result)
        if key is None:
            return
        result.process_key = key
        result.spec = parser.get_spec(key)
        result.subprocess_specs = parser.get_subprocess_specs(key)
    except ValidationException as exc:
        result.problems.append(_from_spiff(exc, root))
        return
    except SpiffWorkflowException as exc:
        result.problems.append(Problem(getattr(exc, "id", "") or "", _translate(str(exc))))
        return
    result.process_name = result.spec.description or key
    specs = [result.spec, *result.subprocess_specs.values()]
    _check_reachability(root, specs, result)
    for spec in specs:
        _check_tasks(spec, result)


DMN_NAMESPACES = (
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
)


def _dmn_namespace(data: bytes) -> str:
    head = data[:4096]
    return next((ns for ns in DMN_NAMESPACES if ns.encode() in head), DMN_NAMESPACES[0])


def _check_decision_cells(table, result: ValidationResult) -> None:
    ns = {"dmn": table.nsmap.get(None) or _dmn_namespace(b"")}
    for node in table.iterfind(".//dmn:inputExpression/dmn:text", ns):
        _check_one(_nearest_id(node), (node.text or "").strip(), "eval", result)
    for node in table.iterfind(".//dmn:outputEntry/dmn:text", ns):
        if (node.text or "").strip():
            _check_one(_nearest_id(node), node.text.strip(), "eval", result)
    for node in table.iterfind(".//dmn:inputEntry/dmn:text", ns):
        text = (node.text or "").strip()
        if text in ("", "-"):
            continue
        # A cell is either a value compared for equality or an operator applied to the input.
        forms_tried = [check_code(f"(v) == ({text})", "eval"), check_code(f"v {text}", "eval")]
        if all(forms_tried):
            meaningful = [f for f in forms_tried if not any("構文エラー" in m for m in f)]
            for message in (meaningful or forms_tried)[0]:
                result.problems.append(Problem(_nearest_id(node), f"決定表のセル: {message}"))


def parse_safely(data: bytes) -> tuple[Any, list[Problem]]:
    """The bpmn:definitions element of `data` parsed with the hardened parser, or None and
    the problems (size, not XML, DOCTYPE, not BPMN) in Japanese."""
    result = ValidationResult()
    if len(data) > MAX_BYTES:
        result.problems.append(
            Problem("", f"ファイルが大きすぎます（{len(data) // 1024 // 1024} MB、上限 {MAX_BYTES // 1024 // 1024} MB）")
        )
        return None, result.problems
    return _parse_xml(data, result), result.problems


def _parse_xml(data: bytes, result: ValidationResult, root_tag: str | None = None, kind: str = "BPMN"):
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = f"{exc.lineno} 行目: " if exc.lineno else ""
        result.problems.append(Problem("", f"{kind}: XML として読めません（{line}{exc.msg}）" if kind != "BPMN"
                                       else f"XML として読めません（{line}{exc.msg}）"))
        return None
    if root.getroottree().docinfo.doctype:
        result.problems.append(Problem("", "DOCTYPE（エンティティ定義）を含む XML は受け付けません"))
        return None
    if root_tag is not None:
        if root.tag != root_tag:
            result.problems.append(Problem("", f"{kind} のファイルではありません"))
            return None
        return root
    if root.tag != f"{{{BPMN_NS}}}definitions":
        result.problems.append(Problem("", "BPMN 2.0 のファイルではありません（bpmn:definitions がありません）"))
        return None
    if not root.findall("bpmn:process", NS):
        result.problems.append(Problem("", "プロセス（bpmn:process）がありません"))
        return None
    return root


def _main_process(parser, root, result: ValidationResult) -> str | None:
    executable = parser.get_process_ids()
    called = {node.get("calledElement") for node in root.iterfind(".//bpmn:callActivity", NS)}
    candidates = [key for key in executable if key not in called]
    if len(candidates) != 1:
        result.problems.append(
            Problem(
                "",
                "実行可能なプロセス（isExecutable=\"true\"）が 1 つではありません"
                f"（{', '.join(candidates) or 'なし'}）",
            )
        )
        return None
    return candidates[0]


def _nearest_id(node) -> str:
    while node is not None:
        if node.get("id"):
            return node.get("id")
        node = node.getparent()
    return ""


def _check_expressions(root, result: ValidationResult) -> None:
    for tag, mode in EXPRESSIONS:
        for node in root.iterfind(f".//{tag}", NS):
            code = (node.text or "").strip()
            if code:
                _check_one(_nearest_id(node), code, mode, result)
    for node in root.iterfind(".//spiffworkflow:parameter", NS):
        _check_one(_nearest_id(node), node.get("value") or "", "eval", result)


def _check_one(element_id: str, code: str, mode: str, result: ValidationResult) -> None:
    if not code.strip():
        result.problems.append(Problem(element_id, "式が空です"))
        return
    for message in check_code(code, mode):
        result.problems.append(Problem(element_id, f"スクリプト・条件式: {message}"))


def _check_unsupported_events(root, result: ValidationResult) -> None:
    for name, label in (("linkEventDefinition", "リンクイベント"), ("compensateEventDefinition", "補償イベント")):
        for node in root.iterfind(f".//bpmn:{name}", NS):
            result.problems.append(Problem(_nearest_id(node.getparent()), f"{label}には対応していません"))
    for node in root.iterfind(".//bpmn:complexGateway", NS):
        result.problems.append(Problem(node.get("id", ""), "複合ゲートウェイには対応していません"))


def _check_reachability(root, specs, result: ValidationResult) -> None:
    parsed = {ts.bpmn_id for spec in specs for ts in spec.task_specs.values() if ts.bpmn_id}
    parsed |= {spec.name for spec in specs}
    for tag in FLOW_NODES:
        for node in root.iterfind(f".//bpmn:{tag}", NS):
            element_id = node.get("id", "")
            if element_id and element_id not in parsed and tag != "complexGateway":
                result.problems.append(Problem(element_id, "開始イベントから到達できない要素です"))


def _check_tasks(spec, result: ValidationResult) -> None:
    user_tasks = {ts.bpmn_id for ts in spec.task_specs.values() if isinstance(ts, UserTask)}
    for ts in spec.task_specs.values():
        if isinstance(ts, UserTask):
            _check_user_task(ts, user_tasks, result)
        elif isinstance(ts, ManualTask | NoneTask) and ts.bpmn_id and ts.manual:
            result.problems.append(
                Problem(ts.bpmn_id, "種類のないタスク・手作業タスクは使えません。ユーザータスク（userTask）にしてください")
            )
        elif isinstance(ts, ServiceTask):
            _check_service_task(ts, result)


def _check_user_task(ts, user_tasks: set[str], result: ValidationResult) -> None:
    add = lambda message: result.problems.append(Problem(ts.bpmn_id, message))  # noqa: E731
    label = ts.bpmn_name or ts.bpmn_id
    if ts.lane is None:
        add(f"ユーザータスク「{label}」がレーンに置かれていません")
    elif role_for_lane(ts.lane) is None:
        add(f"レーン「{ts.lane}」は役割に対応していません（使えるレーン名: {'、'.join(LANE_ROLES)}）")
    props = TaskProperties.of(ts)
    if not props.form and not props.fields_json:
        add(f"ユーザータスク「{label}」にフォーム（form または fields）が指定されていません")
    if props.form and forms.form_cleaner(props.form) is None:
        add(f"フォーム「{props.form}」は登録されていません")
    if props.fields_json:
        try:
            forms.parse_fields(props.fields_json)
        except forms.FieldSpecError as exc:
            add(str(exc))
    for other in props.separate_from:
        if other == ts.bpmn_id:
            add("separate_from に自分自身は指定できません")
        elif other not in user_tasks:
            add(f"separate_from の「{other}」は同じプロセスのユーザータスクではありません")
    if props.due:
        try:
            parse_duration(props.due)
        except ValueError:
            add(f"due「{props.due}」は ISO 8601 の期間（例: P30D）で指定してください")


def _check_service_task(ts, result: ValidationResult) -> None:
    operator = operators.get(ts.operation_name or "")
    if operator is None:
        result.problems.append(Problem(ts.bpmn_id, f"処理「{ts.operation_name}」は登録されていません（serviceTaskOperator）"))
        return
    given = set(ts.operation_params)
    if unknown := given - operator.parameter_names:
        result.problems.append(Problem(ts.bpmn_id, f"処理「{operator.name}」が受け付けない引数です: {', '.join(sorted(unknown))}"))
    if missing := operator.missing(given):
        result.problems.append(Problem(ts.bpmn_id, f"処理「{operator.name}」に必要な引数がありません: {', '.join(missing)}"))


TRANSLATIONS = (
    ("There is no support implemented for this task type", "この種類の要素には対応していません"),
    ("Multiple outgoing flows are not supported", "タスクから複数の流れを出すことはできません。ゲートウェイを使ってください"),
    ("A Service Task must have an operator", "サービスタスクに処理（serviceTaskOperator）が指定されていません"),
    ("was not found", "呼び出すプロセスが見つかりません"),
    ("Non-default exclusive outgoing sequence flow without condition", "既定でない分岐の流れに条件式がありません"),
    ("found two items", "参照先の要素が見つからないか、id が重複しています"),
    ("No DMN Diagram available", "呼び出す決定表（DMN）が見つかりません"),
)


def _translate(message: str) -> str:
    for english, japanese in TRANSLATIONS:
        if english in message:
            return f"{japanese}（{message.splitlines()[0]}）"
    return f"BPMN の解析エラー: {message.splitlines()[0] if message else ''}"


def _from_spiff(exc: ValidationException, root) -> Problem:
    text = str(exc.args[0]) if exc.args else str(exc)
    if exc.id or not exc.line_number:
        return Problem(exc.id or "", _translate(text))
    # A schema (XSD) error carries only a line: name the element found there.
    text = text.replace(f"{{{BPMN_NS}}}", "bpmn:").replace(f"{{{SPIFF_NS}}}", "spiffworkflow:")
    element_id = _id_at_line(root, int(exc.line_number))
    return Problem(element_id, f"{exc.line_number} 行目: BPMN の XML スキーマに合いません（{text}）")


def _id_at_line(root, line: int) -> str:
    candidates = [node for node in root.iter() if isinstance(node.tag, str) and node.sourceline == line]
    for node in candidates:
        if node.get("id"):
            return node.get("id")
    return _nearest_id(candidates[0].getparent()) if candidates else ""
