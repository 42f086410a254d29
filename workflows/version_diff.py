"""What changed between two versions of a process, element by element.

Elements are matched by BPMN id. An element counts as changed when its own attributes,
text or id-less children (conditions, timer expressions, extension properties, lane
members) differ; the diagram (DI) and layout are ignored, so moving a shape is no change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from workflows.errors import DefinitionInvalid
from workflows.validation import BPMN_NS, SPIFF_NS, parse_safely

TYPE_LABELS = {
    "startEvent": "開始イベント", "endEvent": "終了イベント", "intermediateCatchEvent": "中間イベント（受信）",
    "intermediateThrowEvent": "中間イベント（送信）", "boundaryEvent": "境界イベント", "userTask": "ユーザータスク",
    "serviceTask": "サービスタスク", "scriptTask": "スクリプトタスク", "businessRuleTask": "ビジネスルールタスク",
    "sendTask": "送信タスク", "receiveTask": "受信タスク", "manualTask": "手作業タスク", "task": "タスク",
    "callActivity": "呼出しアクティビティ", "subProcess": "サブプロセス", "exclusiveGateway": "排他ゲートウェイ",
    "parallelGateway": "並列ゲートウェイ", "inclusiveGateway": "包含ゲートウェイ",
    "eventBasedGateway": "イベントゲートウェイ", "sequenceFlow": "シーケンスフロー", "lane": "レーン",
    "process": "プロセス", "message": "メッセージ", "dataObject": "データオブジェクト",
}
ATTRIBUTE_LABELS = {
    "name": "名前", "sourceRef": "接続元", "targetRef": "接続先", "default": "既定の流れ",
    "attachedToRef": "付属先", "cancelActivity": "中断の有無", "calledElement": "呼出し先",
}
CHILD_LABELS = {
    "conditionExpression": "条件式", "timerEventDefinition": "タイマー", "messageEventDefinition": "メッセージ",
    "extensionElements": "拡張プロパティ", "script": "スクリプト", "flowNodeRef": "レーンの要素",
    "documentation": "説明", "multiInstanceLoopCharacteristics": "繰返し", "standardLoopCharacteristics": "繰返し",
}
SKIPPED = {"incoming", "outgoing"}  # repeat what the sequence flows already say
# Not meaning: the element id, and the xsi:type the modeler writes on expressions.
IGNORED_ATTRIBUTES = {"id", "{http://www.w3.org/2001/XMLSchema-instance}type"}


@dataclass(frozen=True)
class ElementChange:
    element_id: str
    kind: str  # Japanese type label
    name: str
    details: tuple[str, ...] = ()


@dataclass
class VersionDiff:
    added: list[ElementChange] = field(default_factory=list)
    removed: list[ElementChange] = field(default_factory=list)
    changed: list[ElementChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def as_dict(self) -> dict:
        pick = lambda items: [  # noqa: E731
            {"id": c.element_id, "kind": c.kind, "name": c.name, "details": list(c.details)} for c in items]
        return {"added": pick(self.added), "removed": pick(self.removed), "changed": pick(self.changed)}


def _elements(xml: str) -> dict[str, etree._Element]:
    root, problems = parse_safely(xml.encode("utf-8"))
    if root is None:
        raise DefinitionInvalid(problems)
    found = {}
    for node in root.iter(f"{{{BPMN_NS}}}*"):
        if node.get("id") and etree.QName(node).localname not in ("definitions", "collaboration", "participant",
                                                                   "laneSet"):
            found[node.get("id")] = node
    return found


def _local(node) -> str:
    return etree.QName(node).localname


def _signature(node) -> tuple:
    """The element's meaning without DI, nested identified elements or ordering noise."""
    attrs = tuple(sorted((k, v) for k, v in node.attrib.items() if k not in IGNORED_ATTRIBUTES))
    children = tuple(sorted(_signature(c) for c in node if isinstance(c.tag, str) and not c.get("id")
                            and _local(c) not in SKIPPED))
    return (node.tag, attrs, (node.text or "").strip(), children)


def _describe(old, new) -> tuple[str, ...]:
    details = []
    for key in sorted(set(old.attrib) | set(new.attrib)):
        if key not in IGNORED_ATTRIBUTES and old.get(key) != new.get(key):
            label = ATTRIBUTE_LABELS.get(etree.QName(key).localname, etree.QName(key).localname)
            details.append(f"{label}: {old.get(key) or '（なし）'} → {new.get(key) or '（なし）'}"
                           if key == "name" else f"{label}を変更")
    if (old.text or "").strip() != (new.text or "").strip():
        details.append("内容を変更")
    old_children = {_local(c): _signature(c) for c in old if isinstance(c.tag, str) and not c.get("id")}
    new_children = {_local(c): _signature(c) for c in new if isinstance(c.tag, str) and not c.get("id")}
    for tag in sorted(set(old_children) | set(new_children)):
        if tag in SKIPPED or old_children.get(tag) == new_children.get(tag):
            continue
        if tag == "extensionElements":
            details.extend(_extension_details(old, new))
        else:
            details.append(f"{CHILD_LABELS.get(tag, tag)}を変更")
    return tuple(dict.fromkeys(details)) or ("内容を変更",)


def _properties(node) -> dict[str, str]:
    return {p.get("name"): p.get("value") or "" for p in node.iter(f"{{{SPIFF_NS}}}property")}


def _extension_details(old, new) -> list[str]:
    details = []
    before, after = _properties(old), _properties(new)
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            details.append(f"プロパティ {key}: {before.get(key) or '（なし）'} → {after.get(key) or '（なし）'}")
    operator = lambda n: [(o.get("id"), _signature(o)) for o in n.iter(f"{{{SPIFF_NS}}}serviceTaskOperator")]  # noqa: E731
    if operator(old) != operator(new):
        details.append("処理（serviceTaskOperator）または引数を変更")
    scripts = lambda n: [(_local(s), (s.text or "").strip()) for s in n.iter(  # noqa: E731
        f"{{{SPIFF_NS}}}preScript", f"{{{SPIFF_NS}}}postScript")]
    if scripts(old) != scripts(new):
        details.append("前処理・後処理スクリプトを変更")
    return details or ["拡張プロパティを変更"]


def _change(node, details: tuple[str, ...] = ()) -> ElementChange:
    return ElementChange(node.get("id"), TYPE_LABELS.get(_local(node), _local(node)), node.get("name") or "",
                         details)


def diff_versions(old_xml: str, new_xml: str) -> VersionDiff:
    old, new = _elements(old_xml), _elements(new_xml)
    diff = VersionDiff()
    for element_id, node in new.items():
        if element_id not in old:
            diff.added.append(_change(node))
        elif _signature(old[element_id]) != _signature(node) or _local(old[element_id]) != _local(node):
            details = _describe(old[element_id], node)
            if _local(old[element_id]) != _local(node):
                details = (f"種類: {TYPE_LABELS.get(_local(old[element_id]))} → {TYPE_LABELS.get(_local(node))}",
                           *details)
            diff.changed.append(_change(node, details))
    diff.removed = [_change(node) for element_id, node in old.items() if element_id not in new]
    return diff
