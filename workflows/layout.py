"""A diagram (BPMN DI) for files that carry none, so the editor can show them.

Hand-written and generated BPMN often holds only the process semantics. The editor needs
shapes and edges; this lays the process out left to right (column = longest path from a
start event, back edges ignored), one band per lane, inside a pool when there are lanes.
Only DI elements (and, with lanes, a collaboration naming the process) are added, so the
parse result stays the same.
"""

from __future__ import annotations

from collections import defaultdict

from lxml import etree

from workflows.validation import BPMN_NS, FLOW_NODES, NS

BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"

SIZES = {"event": (36, 36), "gateway": (50, 50), "task": (100, 80)}
COLUMN = 150
ROW = 110
LANE_HEADER = 30
POOL_HEADER = 30
MARGIN = 60


def has_diagram(root) -> bool:
    return root.find(f"{{{BPMNDI_NS}}}BPMNDiagram") is not None


def _kind(tag: str) -> str:
    local = etree.QName(tag).localname
    if local.endswith("Event"):
        return "event"
    if local.endswith("Gateway"):
        return "gateway"
    return "task"


def add_diagram(root) -> None:
    """Add a BPMNDiagram for the first process of `root` (an lxml bpmn:definitions element);
    embedded subprocesses are drawn collapsed, each with its own diagram."""
    process = root.find("bpmn:process", NS)
    if process is None or has_diagram(root):
        return
    lanes = list(process.iterfind("bpmn:laneSet/bpmn:lane", NS))
    plane = _new_plane(root, 1, process.get("id"))
    if lanes:
        collaboration_id, participant_id = _add_collaboration(root, process)
        plane.set("bpmnElement", collaboration_id)
    _layout(process, plane, lanes, participant_id if lanes else None)
    subprocesses = [n for n in process.iter(f"{{{BPMN_NS}}}subProcess", f"{{{BPMN_NS}}}transaction")
                    if n.get("id")]
    for number, sub in enumerate(subprocesses, start=2):
        _layout(sub, _new_plane(root, number, sub.get("id")), [], None)


def _new_plane(root, number: int, element_id: str):
    diagram = etree.SubElement(root, f"{{{BPMNDI_NS}}}BPMNDiagram", id=f"BPMNDiagram_{number}", nsmap={
        "bpmndi": BPMNDI_NS, "dc": DC_NS, "di": DI_NS})
    return etree.SubElement(diagram, f"{{{BPMNDI_NS}}}BPMNPlane", id=f"BPMNPlane_{number}", bpmnElement=element_id)


def _layout(container, plane, lanes: list, participant_id: str | None) -> None:
    """Shapes and edges for the direct children of a process or subprocess."""
    nodes = [n for tag in FLOW_NODES for n in container.iterfind(f"bpmn:{tag}", NS) if n.get("id")]
    order = {n.get("id"): i for i, n in enumerate(container) if n.get("id")}
    nodes.sort(key=lambda n: order[n.get("id")])
    by_id = {n.get("id"): n for n in nodes}
    flows = [f for f in container.iterfind("bpmn:sequenceFlow", NS)
             if f.get("sourceRef") in by_id and f.get("targetRef") in by_id]
    boundary = [n for n in nodes if etree.QName(n).localname == "boundaryEvent"]
    placed = [n for n in nodes if n not in boundary]
    columns = _columns([n.get("id") for n in placed], flows, by_id)

    lane_of = {ref.text.strip(): i for i, lane in enumerate(lanes)
               for ref in lane.iterfind("bpmn:flowNodeRef", NS) if ref.text}
    bands: dict[int, list[str]] = defaultdict(list)
    for node in placed:
        bands[lane_of.get(node.get("id"), len(lanes) if lanes else 0)].append(node.get("id"))
    # Rows inside a band: nodes sharing a column stack downwards.
    row_of, band_rows = {}, {}
    for band, ids in bands.items():
        used: dict[int, int] = defaultdict(int)
        for node_id in ids:
            row_of[node_id] = used[columns[node_id]]
            used[columns[node_id]] += 1
        band_rows[band] = max(used.values(), default=1)
    band_count = max(len(lanes), max(bands, default=0) + 1)
    band_top, top = {}, MARGIN
    for band in range(band_count):
        band_top[band] = top
        top += max(band_rows.get(band, 1), 1) * ROW + 20
    width = (max(columns.values(), default=0) + 1) * COLUMN + 2 * LANE_HEADER

    left = MARGIN + (POOL_HEADER + LANE_HEADER if lanes else 0)
    if participant_id is not None:
        _shape(plane, participant_id, MARGIN, MARGIN, width + POOL_HEADER + LANE_HEADER, top - MARGIN,
               horizontal=True)
        for i, lane in enumerate(lanes):
            height = max(band_rows.get(i, 1), 1) * ROW + 20
            _shape(plane, lane.get("id"), MARGIN + POOL_HEADER, band_top[i], width + LANE_HEADER, height,
                   horizontal=True)

    bounds = {}
    for node in placed:
        node_id = node.get("id")
        w, h = SIZES[_kind(node.tag)]
        band = lane_of.get(node_id, len(lanes) if lanes else 0)
        cx = left + columns[node_id] * COLUMN + 50
        cy = band_top[band] + row_of[node_id] * ROW + ROW // 2 + 10
        bounds[node_id] = (cx - w // 2, cy - h // 2, w, h)
        _shape(plane, node_id, *bounds[node_id])
    for i, node in enumerate(boundary):
        host = bounds.get(node.get("attachedToRef"))
        if host is None:
            continue
        x, y, w, h = host
        bounds[node.get("id")] = (x + w - 30 - 40 * (i % 2), y + h - 18, 36, 36)
        _shape(plane, node.get("id"), *bounds[node.get("id")])
    for flow in flows:
        source, target = bounds.get(flow.get("sourceRef")), bounds.get(flow.get("targetRef"))
        if source and target:
            _edge(plane, flow.get("id"), source, target)


def _columns(ids: list[str], flows, by_id) -> dict[str, int]:
    outgoing = defaultdict(list)
    for flow in flows:
        outgoing[flow.get("sourceRef")].append(flow.get("targetRef"))
    starts = [i for i in ids if etree.QName(by_id[i]).localname == "startEvent"] or ids[:1]
    column = dict.fromkeys(ids, 0)
    # Longest path over the graph without back edges (depth-first, edges into the current path skipped).
    seen: set[str] = set()

    def visit(node: str, depth: int, path: set[str]) -> None:
        if node in seen and column[node] >= depth:
            return
        seen.add(node)
        column[node] = max(column[node], depth)
        for target in outgoing[node]:
            if target not in path and target in column:
                visit(target, depth + 1, path | {target})

    for start in starts:
        visit(start, 0, {start})
    return column


def _add_collaboration(root, process) -> tuple[str, str]:
    collaboration = root.find("bpmn:collaboration", NS)
    if collaboration is None:
        collaboration = etree.Element(f"{{{BPMN_NS}}}collaboration", id="Collaboration_1")
        root.insert(list(root).index(process), collaboration)
    participant_id = f"Participant_{process.get('id')}"
    etree.SubElement(collaboration, f"{{{BPMN_NS}}}participant", id=participant_id,
                     name=process.get("name") or process.get("id"), processRef=process.get("id"))
    return collaboration.get("id"), participant_id


def _shape(plane, element_id: str, x: int, y: int, w: int, h: int, horizontal: bool = False) -> None:
    shape = etree.SubElement(plane, f"{{{BPMNDI_NS}}}BPMNShape", id=f"{element_id}_di", bpmnElement=element_id)
    if horizontal:
        shape.set("isHorizontal", "true")
    etree.SubElement(shape, f"{{{DC_NS}}}Bounds", x=str(x), y=str(y), width=str(w), height=str(h))


def _edge(plane, flow_id: str, source: tuple, target: tuple) -> None:
    edge = etree.SubElement(plane, f"{{{BPMNDI_NS}}}BPMNEdge", id=f"{flow_id}_di", bpmnElement=flow_id)
    sx, sy = source[0] + source[2], source[1] + source[3] // 2
    tx, ty = target[0], target[1] + target[3] // 2
    if tx <= sx:  # a back edge: go round underneath
        below = max(source[1] + source[3], target[1] + target[3]) + 20
        points = [(source[0] + source[2] // 2, source[1] + source[3]), (source[0] + source[2] // 2, below),
                  (target[0] + target[2] // 2, below), (target[0] + target[2] // 2, target[1] + target[3])]
    elif sy == ty:
        points = [(sx, sy), (tx, ty)]
    else:
        points = [(sx, sy), ((sx + tx) // 2, sy), ((sx + tx) // 2, ty), (tx, ty)]
    for x, y in points:
        etree.SubElement(edge, f"{{{DI_NS}}}waypoint", x=str(x), y=str(y))
