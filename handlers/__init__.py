"""Domain actions that BPMN service tasks name (plain functions registered by operator)."""
