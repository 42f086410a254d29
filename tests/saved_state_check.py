"""Every instance state saved anywhere in the suite is checked against SpiffWorkflow's own serializer."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import orjson
import pytest
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from workflows import runtime


def _stock_serializer() -> BpmnWorkflowSerializer:
    registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda d: date.fromisoformat(d["value"]))
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda d: Decimal(d["value"]))
    return BpmnWorkflowSerializer(registry)


STOCK = _stock_serializer()


@pytest.fixture(autouse=True)
def saved_states_match_spiffworkflow(monkeypatch):
    """A saved state decodes to exactly what SpiffWorkflow's own serializer writes (less the
    spec, which Sesshu stores once per version): the converted tasks Sesshu reuses between
    saves must never go stale."""
    save = runtime.dump_instance

    def compared(workflow):
        text = save(workflow)
        expected = json.loads(STOCK.serialize_json(workflow))
        del expected["spec"], expected["subprocess_specs"]
        assert orjson.loads(text) == expected
        return text

    monkeypatch.setattr(runtime, "dump_instance", compared)
