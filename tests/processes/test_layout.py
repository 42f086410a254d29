"""Files without a diagram get one that shows every element and changes nothing else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from handlers import registry
from web.forms.generic import discover as discover_forms
from workflows.drafts import with_diagram
from workflows.layout import BPMNDI_NS
from workflows.spiff import dump_spec
from workflows.validation import NS, validate_bpmn

ROOT = Path(__file__).resolve().parents[2]
WITHOUT_DIAGRAM = sorted(p for p in [*(ROOT / "tests").glob("**/*.bpmn"), *(ROOT / "benchmarks").glob("*.bpmn"),
                                     *(ROOT / "bpmn").glob("*.bpmn")] if b"BPMNDiagram" not in p.read_bytes())


@pytest.fixture(autouse=True)
def test_operator():
    registry.register("test/lookup", lambda context, case_id, label: {}, ["case_id", "label"])
    yield
    registry.unregister("test/lookup")


def unordered(spec: dict) -> dict:
    """The parse result with each task's branches as sets: SpiffWorkflow orders them by the
    diagram's vertical positions, and a file without a diagram has none."""
    for task in [*spec["spec"]["task_specs"].values()]:
        for key in ("outputs", "inputs", "cond_task_specs"):
            if key in task:
                task[key] = sorted(json.dumps(item, sort_keys=True) for item in task[key])
    return spec


@pytest.mark.parametrize("path", WITHOUT_DIAGRAM, ids=lambda p: p.name)
def test_generated_diagram_shows_every_element_and_keeps_the_meaning(path):
    discover_forms()
    tables = [p.read_bytes() for p in sorted(path.parent.glob("*.dmn"))]
    original = path.read_bytes()
    shown, laid_out = with_diagram(original.decode())
    assert laid_out
    root = etree.fromstring(shown.encode())
    drawn = {s.get("bpmnElement") for s in root.iter(f"{{{BPMNDI_NS}}}BPMNShape", f"{{{BPMNDI_NS}}}BPMNEdge")}
    process = root.find("bpmn:process", NS)
    ids = {n.get("id") for n in process if n.get("id") and etree.QName(n).localname not in ("laneSet", "dataObject")}
    assert ids <= drawn
    before = validate_bpmn(original, tables)
    after = validate_bpmn(shown.encode(), tables)
    assert after.ok, after.problems
    assert unordered(json.loads(dump_spec(after.spec, after.subprocess_specs))) == unordered(
        json.loads(dump_spec(before.spec, before.subprocess_specs)))
